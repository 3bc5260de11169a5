"""Secret scanning on real commits: what is found, where, and what never alarms."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from detect_secrets.settings import get_settings

from guardtrail.classify.secrets.baseline import parse_baseline
from guardtrail.classify.secrets.scanner import SecretScanner, alternation
from guardtrail.errors import GuardtrailError
from guardtrail.git.repo import Repository
from guardtrail.model import Category, Finding, Severity
from tests.gitrepo import GitRepo

GITHUB_TOKEN = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
SLACK_TOKEN = "xoxb-96245957117-7774121547280-n88HxjSI6bWHtP3fS2qHx6kw"
AWS_KEY = "AKIAZ3MHQ7LVNJ4XRTKW"


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner()


def _scan_head(repo: GitRepo, scanner: SecretScanner) -> list[Finding]:
    opened = Repository(repo.path)
    return [finding for change in opened.changes(repo.head()) for finding in scanner(change, opened)]


def _where(findings: list[Finding]) -> list[tuple[str, str, int | None]]:
    return sorted((f.rule, f.path, f.line) for f in findings)


def test_token_in_a_commit_is_found_at_its_line_without_showing_it(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("config/app.env", f"DEBUG=1\nGITHUB_TOKEN={GITHUB_TOKEN}\nSLACK={SLACK_TOKEN}\n")
    repo.write("deploy/aws.ini", f"[default]\naws_access_key_id = {AWS_KEY}\n")
    repo.write("app/client.py", f'import boto3\n\nclient = boto3.client("s3", aws_access_key_id="{AWS_KEY}")\n')
    sha = repo.commit("configure the app")

    findings = _scan_head(repo, scanner)

    assert _where(findings) == [
        ("secret.aws-access-key", "app/client.py", 3),
        ("secret.aws-access-key", "deploy/aws.ini", 2),
        ("secret.github-token", "config/app.env", 2),
        ("secret.slack-token", "config/app.env", 3),
    ]
    github = next(f for f in findings if f.rule == "secret.github-token")
    assert github.commit == sha and github.category is Category.SECRET and github.severity is Severity.ERROR
    assert github.secret_hash == hashlib.sha1(GITHUB_TOKEN.encode()).hexdigest()
    expected = hashlib.sha256(f"secret.github-token\0{github.secret_hash}\0config/app.env".encode()).hexdigest()
    assert github.fingerprint == expected[:16]
    assert all(GITHUB_TOKEN[4:] not in str(f) and SLACK_TOKEN[5:] not in str(f) for f in findings)
    assert github.message.startswith("GitHub token (classic personal, OAuth, app or refresh): ghp_…")


def test_only_added_lines_count(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("config/app.env", f"GITHUB_TOKEN={GITHUB_TOKEN}\n")
    repo.commit("add token")
    repo.write("config/app.env", f"GITHUB_TOKEN={GITHUB_TOKEN}\nDEBUG=0\n")
    repo.commit("turn debug off")

    assert _scan_head(repo, scanner) == []


LOOK_ALIKES = """\
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
api_key = "<your-api-key>"
API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx
password = "${DB_PASSWORD}"
token: ${{ secrets.GITHUB_TOKEN }}
secret_key = os.environ["SECRET_KEY"]
password = os.getenv("DB_PASSWORD")
requests==2.31.0 --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f
commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"
request_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
image: ghcr.io/acme/app@sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBFiFlaZVtSXjMpuuDxYYMfGmzWkpAePcEJ user@host
-----BEGIN CERTIFICATE-----
MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ
-----BEGIN PUBLIC KEY-----
const stripe = Stripe("pk_live_FSufrdZSlB5er8bOfZqfM2oe");
{"publishable": "pk_live_sLsMKKzV4JB8v50943QGGzWu"}
mapboxgl.accessToken = "pk.eyJ1IjoiYWNtZSIsImEiOiJjbGZ4eTJ3b3AwMDFkM3BxZ2J6c2x4eXZ4In0.dGVzdHRva2VuZm9ybWFwYm94";
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg==">
"integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs6yXxcrTTAJuzpwN9yfdCA5VQ=="
"""


def test_a_baseline_s_hashed_secret_is_a_hash_but_the_same_value_as_a_password_alarms(
    repo: GitRepo, scanner: SecretScanner
) -> None:
    digest = "34f75320897a46699a0593feefd2ddb09e2f7ba8"
    repo.write(".secrets.baseline", f'{{"results": {{"a.py": [{{\n  "hashed_secret": "{digest}",\n}}]}}}}\n')
    repo.write("settings.json", f'{{\n  "password": "{digest}",\n  "secret_hashed_secret": "{digest}"\n}}\n')
    repo.commit("a baseline and settings")

    assert _where(_scan_head(repo, scanner)) == [
        ("secret.keyword", "settings.json", 2),
        ("secret.keyword", "settings.json", 3),
    ]


def test_placeholders_and_look_alikes_do_not_alarm(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("docs/setup.md", LOOK_ALIKES)
    repo.write("poetry.lock", 'content-hash = "f9a3b5c87d2e41b6a0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7"\n')
    repo.commit("document the setup")

    assert _scan_head(repo, scanner) == []


ORDINARY_CODE = """\
RULES = {
    "workflow.secrets": "A step newly reads a repository secret",
    "kubernetes-secret": "secret.yaml",
}
ALLOW_SECRET = "Allow-secret"
SECRET = "secret"
api_key = 'API-KEY'
private_key = "certs/server.key"
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIG2m3pK8yQe7Vv0oX9l1bQk7Yv3o8r1b2c3d4e5f6a7b"
RSA = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7v0oX9l1bQk7Yv3o8r1b2c3d4e5f6a7bG2m3pK8yQe7Vv0oX9l1bQk"
ECDSA = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBG2m3pK8yQe7Vv0oX9l1bQk7Yv3o8r1b2c3d4e5f6a7b"
SK = "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIG2m3pK8yQe7Vv0oX9l1bQk7Yv3o8r1b2c3d4e5f6a7b"
SECRET_KEY_ENV = "DJANGO_SECRET_KEY"
api_key_header = "X-Api-Key"
secret_name = "prod/db-credentials"
config = {"secretName": "tls-cert-prod", "secret_ref": "vault/prod/db"}
"""


def test_descriptions_labels_file_names_and_ssh_public_keys_do_not_alarm(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("src/app/constants.py", ORDINARY_CODE)
    repo.commit("name things")

    assert _scan_head(repo, scanner) == []


def test_secrets_assigned_next_to_those_look_alikes_still_alarm(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "src/app/settings.py",
        'DB_PASSWORD = "hG7-kd93_LmQ2xvT"\n'  # the name holds "password", the value is not it
        '"client_secret": "secret-9fG2kL0qPz7XwV3b",\n'  # holds the word, is longer than the name
        'key_file_password = "Tr0ub4dor&3.json.x"\n'  # looks like a file name, ends otherwise
        'ssh_password = "AAAAB3NzaC1yc2X-9fG2kL0qPz7XwV3b"\n'  # not an SSH key type prefix
        'secret_named = "hunter2-Correct-Horse"\n',  # the last word is not "name"
    )
    repo.commit("configure")

    assert _where(_scan_head(repo, scanner)) == [
        ("secret.keyword", "src/app/settings.py", 1),
        ("secret.keyword", "src/app/settings.py", 2),
        ("secret.keyword", "src/app/settings.py", 3),
        ("secret.keyword", "src/app/settings.py", 4),
        ("secret.keyword", "src/app/settings.py", 5),
    ]


def test_names_spelled_with_letters_that_fold_to_ascii_still_alarm(repo: GitRepo, scanner: SecretScanner) -> None:
    # Python reads "\u017fecret" (long s) as "secret"; detect-secrets' case-insensitive regexes match it too.
    repo.write("src/app/settings.py", '\u017fecret = "hG7-kd93_LmQ2xvT"\nAPI_\u212aEY = "Zq8-Lm2p_Xv7RtK4"\n')
    repo.commit("configure")

    assert _where(_scan_head(repo, scanner)) == [
        ("secret.keyword", "src/app/settings.py", 1),
        ("secret.keyword", "src/app/settings.py", 2),
    ]


def test_inline_pragma_marks_the_finding_but_keeps_it(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "tests/fixtures.py",
        f'TOKEN = "{GITHUB_TOKEN}"  # pragma: allowlist secret\n'
        "# pragma: allowlist nextline secret\n"
        f'SLACK = "{SLACK_TOKEN}"\n'
        f'AWS = "{AWS_KEY}"\n',
    )
    repo.commit("add fixtures")

    findings = _scan_head(repo, scanner)

    assert sorted((f.rule, f.line, f.allowlisted) for f in findings) == [
        ("secret.aws-access-key", 4, False),
        ("secret.github-token", 1, True),
        ("secret.slack-token", 3, True),
    ]


def test_binary_files_are_searched_for_prefixed_tokens_only(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "assets/blob.bin", b"\x00\x01" + f"GITHUB_TOKEN={GITHUB_TOKEN}\npassword = 'tLwDwXSBU37e1Fu5'\n".encode()
    )
    repo.commit("add a binary")

    assert _where(_scan_head(repo, scanner)) == [("secret.github-token", "assets/blob.bin", None)]


def test_a_huge_minified_line_is_scanned_with_bounded_work(repo: GitRepo, scanner: SecretScanner) -> None:
    filler = 'var a="x",b=function(c){return c.key+"secret"};' * 65_000  # about 3 MB on one line
    repo.write("static/app.min.js", f'{filler}var t="{GITHUB_TOKEN}";\n')
    repo.commit("ship the bundle")

    assert _where(_scan_head(repo, scanner)) == [("secret.github-token", "static/app.min.js", 1)]


def test_token_formats_are_found_on_a_minified_line_too(repo: GitRepo, scanner: SecretScanner) -> None:
    filler = "var a=function(b){return b+1};" * 400  # 12 kB: over the limit for keyword and entropy plugins
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    repo.write("static/app.min.js", f'{filler}var k="AKIAZ4GHQ3XN7PLMW2VB",t="{jwt}";\n')
    repo.commit("ship the bundle")

    assert _where(_scan_head(repo, scanner)) == [
        ("secret.aws-access-key", "static/app.min.js", 1),
        ("secret.jwt", "static/app.min.js", 1),
    ]


def test_kubernetes_secret_values_are_found_even_when_only_the_data_changes(
    repo: GitRepo, scanner: SecretScanner
) -> None:
    manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  user: YXBw\n"
    repo.write("deploy/secret.yaml", manifest)
    repo.commit("add the database secret")
    repo.write("deploy/secret.yaml", manifest + "  password: dExEd0RYU0JVMzdlMUZ1NQ==\n")
    repo.commit("add the password")

    assert _where(_scan_head(repo, scanner)) == [("secret.kubernetes-secret", "deploy/secret.yaml", 8)]


def test_scanning_leaves_detect_secrets_settings_alone(repo: GitRepo, scanner: SecretScanner) -> None:
    before = get_settings().json()
    repo.write("config/app.env", f"GITHUB_TOKEN={GITHUB_TOKEN}\npassword = 'tLwDwXSBU37e1Fu5'\n")
    repo.commit("add token")

    assert len(_scan_head(repo, scanner)) == 2
    assert get_settings().json() == before


def test_a_detect_secrets_baseline_allows_what_it_records(repo: GitRepo, scanner: SecretScanner) -> None:
    # detect-secrets hashes the whole value for Slack tokens (for GitHub tokens only the
    # "ghp" prefix its regex captures, so such entries cannot match: they fail closed).
    repo.write("config/app.env", f"SLACK={SLACK_TOKEN}\n")
    repo.write("config/other.env", f"SLACK={SLACK_TOKEN}\n")
    repo.commit("add token")
    made = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "config/app.env"],
        cwd=repo.path,
        capture_output=True,
        check=True,
    )

    baseline = parse_baseline(made.stdout, ".secrets.baseline")
    findings = _scan_head(repo, scanner)

    assert sorted((f.path, baseline.allows(f)) for f in findings) == [
        ("config/app.env", True),
        ("config/other.env", False),
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"version": "1.5.0"}', "no 'results' mapping"),
        (json.dumps({"results": {"a.py": [{"type": "Secret Keyword"}]}}).encode(), "has no 'hashed_secret'"),
        (json.dumps({"results": {"a.py": "nope"}}).encode(), "should be a list"),
    ],
)
def test_a_malformed_baseline_is_an_error_naming_the_file(data: bytes, problem: str) -> None:
    with pytest.raises(GuardtrailError, match=problem) as caught:
        parse_baseline(data, "base:.secrets.baseline")
    assert str(caught.value).startswith("base:.secrets.baseline: ")


def test_findings_are_stable_across_scanners(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "one")
    repo.write("a.env", f"T={GITHUB_TOKEN}\n")
    repo.commit("token")

    assert _scan_head(repo, SecretScanner()) == _scan_head(repo, SecretScanner())


def test_the_keyword_trie_finds_every_word_and_prefers_the_longest() -> None:
    pattern = re.compile(alternation(["sk", "sk-ant-", "ghp_", "gho_", "key"]))

    assert pattern.findall("x sk-ant-api03 ghp_a gho_b sk key ke gh_") == ["sk-ant-", "ghp_", "gho_", "sk", "key"]


REPEATED_LINES = ["password: s3cr3tvalue99x", 'blob = "c2VjcmV0LXZhbHVlLXRoYXQtbG9va3MtcmFuZG9tLTEyMzQ1Njc4"']
PATHS_OF_EACH_KIND = ["config.yaml", "app.py", "package-lock.json", "notes.txt"]
"""A keyword plugin's file types (YAML: unquoted values count; Python: quotes required), a
lock file (detect-secrets' plugins skip it) and a file of no type."""


@pytest.mark.parametrize("order", [PATHS_OF_EACH_KIND, PATHS_OF_EACH_KIND[::-1]], ids=["forward", "backward"])
def test_a_line_seen_before_in_another_kind_of_file_gets_that_files_own_answer(order: list[str]) -> None:
    fresh = {path: [_rules(SecretScanner(), path, line) for line in REPEATED_LINES] for path in order}
    shared = SecretScanner()

    seen = {path: [_rules(shared, path, line) for line in REPEATED_LINES] for path in order}

    assert seen == fresh
    assert fresh["config.yaml"] == [["secret.keyword"], ["secret.high-entropy-base64"]]
    assert fresh["app.py"] == [[], ["secret.high-entropy-base64"]]
    assert fresh["package-lock.json"] == [[], []]


def _rules(scanner: SecretScanner, path: str, line: str) -> list[str]:
    return [finding.rule for finding in scanner.scan_text("c", path, line)]


def test_a_repeated_line_is_reported_at_each_place_with_its_own_fingerprint(scanner: SecretScanner) -> None:
    line = f'token = "{GITHUB_TOKEN}"'

    first = scanner.scan_text("c1", "a.py", f"x = 1\n{line}\n")
    second = scanner.scan_text("c2", "b/c.py", f"{line}\n")

    assert [(f.commit, f.path, f.line) for f in first + second] == [("c1", "a.py", 2), ("c2", "b/c.py", 1)]
    assert first[0].secret_hash == second[0].secret_hash
    assert first[0].fingerprint != second[0].fingerprint  # the path is part of it


@pytest.mark.parametrize("automaton", [True, False], ids=["aho-corasick", "regex"])
def test_binary_keywords_find_ascii_and_utf16le_words_ignoring_case(
    monkeypatch: pytest.MonkeyPatch, automaton: bool
) -> None:
    from guardtrail.classify.secrets import scanner as secrets

    if not automaton:
        monkeypatch.setattr(secrets, "_ahocorasick", None)
    find = secrets.BinaryKeywords(["ghp_", "AKIA"])
    data = b"\x00GHP_x\x00" + "akia".encode("utf-16-le") + b"\xffghp"

    assert sorted(find(data)) == [1, 7]
