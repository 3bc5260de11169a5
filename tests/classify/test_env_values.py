"""Unquoted values of env files (Laravel, Rails dotenv, Docker Compose ``env_file``), whatever
punctuation they hold, and URL credentials of every shape: found by ``guardtrail scan`` at their
lines. The same text in code, where ``Xq7(vR2)`` is a call, stays quiet."""

from __future__ import annotations

import json

import pytest

from guardtrail.cli import main
from tests.gitrepo import GitRepo

ENV = (
    "APP_ENV=production\n"
    "DB_PASSWORD=Xq7(vR2)kL9\n"
    "STRIPE_SECRET=Tm4p(W9)zQ2&abc\n"
    "POSTGRES_PASSWORD=Xq7;vR2kL9\n"
    "SMTP_PASS=Rn4d1f0c9b\n"
    "RABBITMQ_DEFAULT_PASS='Lw2Xb7Rn4d'\n"
    "BOT_TOKEN=Rn4d1f0c9b8a7e6d5c4bLw2Xb7\n"
    "HEROKU_API_KEY=6f0c2e9b-8d7a-41c3-9e2f-9a0b7c6d5e4f\n"
    "MLAB_PASS=password123\n"
    "DB_PASSWORD_FILE=/run/secrets/db\n"
)
FOUND = {
    ("secret.keyword", 2),
    ("secret.keyword", 3),
    ("secret.keyword", 4),
    ("secret.pass-setting", 5),
    ("secret.pass-setting", 6),
    ("secret.token-setting", 7),
    ("secret.heroku-api-key", 8),
}


def _scan(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str, int]]:
    main(["scan", "--repo", str(repo.path), "--format", "json"])
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(capsys.readouterr().out)["findings"]}


@pytest.mark.parametrize("name", [".env", "web/.env.production", "docker/db.env"])
def test_unquoted_env_values_with_punctuation_are_found(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo.write(name, ENV)
    repo.commit("configure the app")

    assert _scan(repo, capsys) == {(rule, name, line) for rule, line in FOUND}


def test_in_code_a_value_that_reads_as_a_call_is_a_call(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        "app/settings.py",
        "DB_PASSWORD=get_secret(name)\nSMTP_PASS = config.get('smtp')\nAUTH_TOKEN = fetch_token(settings.AUTH)\n",
    )
    repo.commit("read the settings")

    assert _scan(repo, capsys) == set()


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:Xq7%23vR2%26kL9%2AmZ@db.example.com/app",
        "mongodb://app:Xq7@vR2@kL9@mongo1.acme.io:27017,mongo2.acme.io:27017/app",
        "redis://default:Xq7%vR2kL9@cache.example.org:6379",
        "https://ops@acme.io:Rn4d!#@1f0c@github.com",
        "mysql+pymysql://app:Xq7(vR2)kL9@db.acme.io/app",
    ],
)
def test_url_passwords_are_found_whatever_the_host_and_the_user(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    repo.write("config/app.yaml", f"database:\n  url: {url}\n")
    repo.commit("point at the database")

    assert _scan(repo, capsys) == {("secret.url-credentials", "config/app.yaml", 2)}


def test_bare_uuid_and_hex_keys_are_found_by_their_names_alone(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "deploy/prod.env",
        "MY_SERVICE_KEY=6f0c2e9b-8d7a-41c3-9e2f-9a0b7c6d5e4f\n"
        "ACME_LICENSE_KEY=7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f\n"
        "ACME_TOKEN=3fa85f64-5717-4562-b3fc-2c963f66afa6\n"
        "JEKYLL_GITHUB_TOKEN=9e2f9a0b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f\n"
        "CACHE_KEY=7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f\n"
        "TOKEN_ID=6f0c2e9b-8d7a-41c3-9e2f-9a0b7c6d5e4f\n",
    )
    repo.write("Dockerfile", "FROM python:3.12-slim\nENV GPG_KEY 0D96DF4D4110E5C43FBFB17F2D347EA6AA65421D\n")
    repo.commit("deploy settings")

    assert _scan(repo, capsys) == {
        ("secret.named-key-value", "deploy/prod.env", 1),
        ("secret.named-key-value", "deploy/prod.env", 2),
        ("secret.token-setting", "deploy/prod.env", 3),
        ("secret.github-legacy-token", "deploy/prod.env", 4),  # GitHub's own rule claims it first
    }


def test_values_that_start_with_a_symbol_are_found_in_env_files_and_code(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "docker.env",
        "SECRET_KEY=!1VlX8EOmqBU4uJl2x48NzJnIO%169rKa#Vry7@afo=5FDKqRa\n"
        "OAUTH_CLIENT_SECRET=-lmMXM2mPwqoKrV1w6N1us3XABqwo-st\n"
        "DEBUG_FLAGS=-Xms512m-Xmx2048m\n",
    )
    repo.write("settings.py", "password = '-VSa5jjF-QdT2iwdHg'\nmode = '-rw-r--r--'\n")
    repo.write("ansible.yml", "db_password: !vault_2024\nadmin_password: *default_password_1\n")
    repo.commit("settings")

    assert _scan(repo, capsys) == {
        ("secret.symbol-led-value", "docker.env", 1),
        ("secret.symbol-led-value", "docker.env", 2),
        ("secret.symbol-led-value", "settings.py", 1),
    }


def test_a_long_run_of_dashed_words_is_read_in_linear_time(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # Once each "-" could start a setting name that ran to the line's end: minutes for this line.
    # Not timed: if that came back, the suite would hang here.
    repo.write("assets/app.min.js", "var k='" + "a-" * 40_000 + "' // key token secret password\n")
    repo.commit("minified bundle")

    assert _scan(repo, capsys) == set()
