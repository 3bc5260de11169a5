"""Secret classes beyond token prefixes, on real commits: unquoted env files, URL passwords with
any character, keys named only by their variable, and the look-alikes that must stay quiet."""

from __future__ import annotations

import base64
import zlib

import pytest

from guardtrail.classify.secrets.scanner import SecretScanner
from guardtrail.errors import GuardtrailError
from guardtrail.model import Confidence
from guardtrail.rule_files import load_rules
from guardtrail.rule_table import compile_providers, provider_rule
from tests.classify.test_secrets import _scan_head, _where, scanner
from tests.gitrepo import GitRepo

__all__ = ["scanner"]  # the module-scoped fixture, shared


ENV = (
    "APP_ENV=production\nDB_PASSWORD=Xq7vR2kL9mZw\nMAIL_PASSWORD=null\n"
    "GOOGLE_CLIENT_SECRET=Tm4pW9zQ2abcR8\nREDIS_PASSWORD=\n"
)


@pytest.mark.parametrize("name", [".env", "web/.env.production", "docker/db.env"])
def test_unquoted_passwords_in_env_files_are_found(repo: GitRepo, scanner: SecretScanner, name: str) -> None:
    repo.write(name, ENV)
    repo.commit("configure the app")

    assert _where(_scan_head(repo, scanner)) == [("secret.keyword", name, 2), ("secret.keyword", name, 4)]


def test_the_same_unquoted_lines_in_code_are_not_values(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write("settings.py", ENV)
    repo.commit("constants")

    assert _where(_scan_head(repo, scanner)) == []


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:Xq7#vR2&kL9*mZ@db.acme.io:5432/app",
        "mysql://root:Gh5@kP8!wQ3@mysql.acme.io/app",
        "mongodb+srv://svc:Tm4%40pW9%23zQ2@cluster0.a1b2c.mongodb.net/app",
        "redis://:Vb6*nM1&qW4@cache.acme.io:6379/0",
        "amqp://svc:Jk3%2Fl9%3Dz@mq.acme.io:5672/",
        "sftp://upload:Zx8#cV2@files.acme.io/in",
        "https://ci:Rt5&yU7*Qw@git.example.com/team/repo.git",
    ],
)
def test_url_passwords_with_special_characters_are_found(repo: GitRepo, scanner: SecretScanner, url: str) -> None:
    repo.write("config/app.yaml", f"database:\n  url: {url}\n")
    repo.commit("point at the database")

    findings = _scan_head(repo, scanner)

    assert _where(findings) == [("secret.url-credentials", "config/app.yaml", 2)]
    password = url.split("://", 1)[1].split(":", 1)[1].rsplit("@", 1)[0]
    assert all(password not in str(finding) for finding in findings)


def test_a_placeholder_password_at_an_example_host_stays_quiet(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "README.md",
        "postgres://user:password@db.example.com/app\nhttps://user:pass@example.com/x\nmysql://app:${DB_PASS}@db.example.org/app\n",
    )
    repo.commit("document the URLs")

    assert _where(_scan_head(repo, scanner)) == []


def test_a_uuid_key_named_by_its_variable_is_found_but_an_id_is_not(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "deploy.sh",
        "export HEROKU_API_KEY=6f0c2e9b-8d7a-41c3-9e2f-9a0b7c6d5e4f\n"
        "export ACME_API_TOKEN=3fa85f64-5717-4562-b3fc-2c963f66afa6\n"
        "export ACME_TENANT_ID=1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b\n"
        "export ACME_TOKEN_ID=2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c\n",
    )
    repo.commit("deploy script")

    assert _where(_scan_head(repo, scanner)) == [
        ("secret.heroku-api-key", "deploy.sh", 1),
        ("secret.named-key-value", "deploy.sh", 2),
    ]


def test_published_examples_and_encoded_prose_are_look_alikes(repo: GitRepo, scanner: SecretScanner) -> None:
    prose = base64.b64encode(b"Hello world, this is only a test of the encoder.").decode()
    password = base64.b64encode(b"deploy:tLwDwXSBU37e1Fu5").decode()
    repo.write(
        "tests/fixtures.py",
        'JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        '.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"\n'
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
        'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n'
        f'GREETING = "{prose}"\n'
        f'DOCKER_CONFIG = {{"auth": "{password}"}}\n',
    )
    repo.commit("fixtures")

    assert _where(_scan_head(repo, scanner)) == [("secret.docker-config-auth", "tests/fixtures.py", 5)]


def test_provider_keys_need_their_name_and_their_exact_length(repo: GitRepo, scanner: SecretScanner) -> None:
    repo.write(
        "deploy.env",
        "SENDBIRD_API_TOKEN=0b1f2e3d4c5a69788796a5b4c3d2e1f0a9b8c7d6\n"
        "BUILD_ID=0b1f2e3d4c5a69788796a5b4c3d2e1f0a9b8c7d6\n"
        "SENDBIRD_APP_BUILD=0b1f2e3d4c5a69788796a5b4c3d2e1f0a9b8c7\n",
    )
    repo.commit("config")

    assert _where(_scan_head(repo, scanner)) == [("secret.sendbird-token", "deploy.env", 1)]


def test_the_provider_table_has_the_breadth_it_claims() -> None:
    rules = load_rules("secrets")
    families = {rule.id for rule in rules}
    assert len(families) >= 250
    assert {"secret.heroku-api-key", "secret.sendbird-token", "secret.datadog-api-key"} <= families


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"id": "x", "near": ["acme"], "value": "hex"}, "'value' should be"),
        ({"id": "x", "near": ["acme"], "value": "morse 32"}, "'value' should be"),
        ({"id": "x", "value": "hex 32"}, "give 'near'"),
        ({"id": "x", "near": ["mux"], "value": "hex 32"}, "too short"),
        ({"id": "x", "near": ["acme"], "value": "hex 32", "keywords": ["a"]}, "unknown key 'keywords'"),
    ],
)
def test_a_bad_provider_row_is_named_in_one_line(row: dict[str, object], problem: str) -> None:
    with pytest.raises(GuardtrailError, match=problem):
        provider_rule(row, "rules/secrets.yaml")


def _with_checksum(prefix: str, body: str) -> str:
    crc = zlib.crc32(body.encode())
    digits = ""
    while crc:
        crc, digit = divmod(crc, 62)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[digit] + digits
    return prefix + body + digits.rjust(6, "0")


def test_a_github_or_npm_token_whose_checksum_holds_is_high_confidence(repo: GitRepo, scanner: SecretScanner) -> None:
    valid = _with_checksum("ghp_", "u8jzPde0IgxLd6GncfBAepfJBd0Kh8")
    npm = _with_checksum("npm_", "rxqVqmCplppjs46LmuezqpGHoPZgPD")
    typed = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    repo.write("ci.env", f"GITHUB_TOKEN={valid}\nNPM_TOKEN={npm}\nGH_TOKEN={typed}\n")
    repo.commit("tokens")

    found = {(f.rule, f.line, f.confidence) for f in _scan_head(repo, scanner)}

    assert found == {
        ("secret.github-token", 1, Confidence.HIGH),
        ("secret.npm-token", 2, Confidence.HIGH),
        ("secret.github-token", 3, Confidence.MEDIUM),
    }


def test_a_provider_table_line_with_a_missing_cell_is_named_by_its_line() -> None:
    table = (
        "# id | description | names | prefix | value\nacme-key | Acme key | acme | | hex 32\nacme-bad | Acme | hex 32\n"
    )
    with pytest.raises(GuardtrailError, match=r"providers line 3: expected 5 cells"):
        compile_providers(table, "rules/secrets.yaml")
    assert [rule.id for rule in compile_providers(table.rsplit("\n", 2)[0], "x")] == ["secret.acme-key"]
