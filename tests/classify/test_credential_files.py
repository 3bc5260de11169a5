"""The credential files people commit by mistake (client configs, dotfiles, framework settings),
each with the password or key where its format puts it: found by ``guardtrail scan`` at its
line. The same names in ordinary code, holding no value, stay quiet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import GitRepo

SALT = "K3v>9Qz!L w2Xb7@Rn4<d1f0c|9b8a7e$6d5c#4b3a(2Lw)Xb7Rn4d1f0c9b8a7e"
"""A WordPress salt's shape: 64 printable characters, spaces, angle brackets and all."""
NSS_BLOB = "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcEC"
"""How Firefox's encrypted login fields start (DER of the key id and the cipher)."""

FILES = {
    ".netrc": (
        "machine imap.acme.io login ops@acme.io password pass123\nmachine ftp.acme.io login ops password Rn4d1f0c\n",
        {("secret.netrc-password", 1), ("secret.netrc-password", 2)},
    ),
    ".esmtprc": (
        'hostname smtp.acme.io:587\nusername "ops@acme.io"\npassword "Lw2Xb7Rn4d"\nstarttls required\n',
        {("secret.netrc-password", 3)},
    ),
    "db/.pgpass": (
        "#hostname:port:database:username:password\ndb.acme.io:5432:app:deploy:Tm4pW9zQ\n",
        {("secret.pgpass-password", 2)},
    ),
    ".git-credentials": ("https://ops@acme.io:Rn4d!#@1f0c@github.com\n", {("secret.url-credentials", 1)}),
    ".ftpconfig": (
        '{\n  "host": "ftp.acme.io",\n  "user": "deploy",\n  "pass": "hunter22",\n  "passphrase": "swordfish"\n}\n',
        {("secret.pass-field", 4), ("secret.password-field", 5)},
    ),
    "db/robomongo.json": (
        '{\n  "credentials": [{\n    "userName" : "mongo",\n    "userPassword" : "mongopass"\n  }],\n'
        '  "sshPassphrase" : "SSHPass123",\n  "sshUserPassword" : "roboMongoSSHPass"\n}\n',
        {("secret.password-field", 4), ("secret.password-field", 6), ("secret.password-field", 7)},
    ),
    "public_html/wp-config.php": (
        f"<?php\ndefine('DB_PASSWORD', 'Rn4d1f0c9b8a');\ndefine('AUTH_KEY', '{SALT}');\n"
        "define('NONCE_SALT', 'put your unique phrase here');\n",
        {("secret.wordpress-config", 2), ("secret.wordpress-config", 3)},
    ),
    "config/master.key": ("6f0c2e9b8d7a41c35e2f9a0b7c6d5e4f", {("secret.rails-master-key", 1)}),
    "web/sf.js": (
        "let conn = new jsforce.Connection();\nconn.login('ops@acme.io', 'Lw2Xb7Rn4d1f', function(err) {});\n",
        {("secret.login-call-password", 2)},
    ),
    "cloud/.credentials": (
        "[default]\naws_access_key_id = K3V9QZLW2XB7RN4D1F0C\n"
        "aws_secret_access_key = Rn4d1f0c9b8a7e6d5c4b3a2Lw2Xb7K3v9Qz\n",
        {("secret.keyword", 3)},
    ),
    "web/django/settings.py": (
        "DEBUG = False\nSECRET_KEY = 'k3v!9qz(lw2)xb7[rn4]d1f=0c9b8a+7e6d5c4b3a2'\n",
        {("secret.django-secret-key", 2)},
    ),
    "web/.env": (
        "APP_KEY=base64:Rn4d1f0c9b8a7e6d5c4b3a2Lw2Xb7K3v9QzTm4pW9zQ2\nREDIS_PASSWORD=Rn4d1f0c!\n",
        {("secret.laravel-app-key", 1), ("secret.keyword", 2)},
    ),
    ".mozilla/firefox/logins.json": (
        '{"logins": [{\n  "passwordField": "password",\n'
        f'  "encryptedUsername": "{NSS_BLOB}K3v9QzLw2Xb7Rn4d1f0c9b8a7e6d5c4b",\n'
        f'  "encryptedPassword": "{NSS_BLOB}Tm4pW9zQ2abcR8Lw2Xb7Rn4d1f0c9b8a"\n}}]}}\n',
        {("secret.firefox-saved-login", 3), ("secret.firefox-saved-login", 4)},
    ),
    ".bashrc": (
        'export JEKYLL_GITHUB_TOKEN="9e2f9a0b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"\n',
        {("secret.github-legacy-token", 1)},
    ),
}


def _scan(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, set[tuple[str, str, int]], str]:
    code = main(["scan", "--repo", str(repo.path), "--format", "json"])
    out = capsys.readouterr().out
    return code, {(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]}, out


@pytest.mark.parametrize("path", sorted(FILES))
def test_the_credential_in_each_kind_of_file_is_found_at_its_line(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    content, expected = FILES[path]
    repo.write(path, content)
    repo.commit("add the configuration")

    code, found, out = _scan(repo, capsys)

    assert code == 1
    assert found == {(rule, path, line) for rule, line in expected}
    for value in ("pass123", "Lw2Xb7Rn4d", "Tm4pW9zQ", "Rn4d!#@1f0c", "hunter22", "mongopass", SALT):
        assert value not in out


QUIET = {
    "app/auth.py": (
        "password = get_password()\ndef login(user: str, password: str) -> None:\n"
        "    conn.login(user, password)\nSECRET_KEY = os.environ['SECRET_KEY']\n"
    ),
    "app/schema.json": (
        '{\n  "password": "${PASSWORD}",\n  "passwordField": "password",\n  "sshPassword" : "string",\n'
        '  "bypass": "Lw2Xb7Rn4d1f",\n  "encryptedPassword": ""\n}\n'
    ),
    "db/schema.sql": "CREATE TABLE users (\n  name TEXT,\n  password VARCHAR(255)\n);\n",
    "docs/setup.md": "password required for this endpoint\ndefine('DB_PASSWORD', 'password_here');\n",
    "app/digest.txt": "6f0c2e9b8d7a41c35e2f9a0b7c6d5e4f\n",
}


def test_the_same_names_without_a_credential_stay_quiet(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    for path, content in QUIET.items():
        repo.write(path, content)
    repo.commit("add code that handles passwords")

    assert _scan(repo, capsys)[:2] == (0, set())


def test_a_weak_password_is_still_a_placeholder_in_a_url(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """``pass123`` in a .netrc entry is the password; in a URL under a documentation host it
    is the placeholder it always was."""
    Path(repo.path / "docs").mkdir()
    repo.write("docs/urls.md", "mysql://root:pass123@db.example.com/app\n")
    repo.commit("document the URL")

    assert _scan(repo, capsys)[:2] == (0, set())
