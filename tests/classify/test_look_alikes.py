"""Values that look like secrets and grant nothing: the samples providers publish, and base64
that encodes prose. Committed, they stay quiet; one character off a sample, or base64 of a
password, still alarms."""

from __future__ import annotations

import base64
import json

import pytest

from guardtrail.cli import main
from tests.gitrepo import GitRepo

AZURITE = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SAMPLES = (
    f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE};"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\n"
    "MAILGUN_API_KEY=key-3ax6xnjp29jd6fds4gc373sgvjxteol0\n"
    "DEPLOYER_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n"
    f"JWT={JWT_IO}\n"
    "AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE\n"
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)
PROSE = (
    "Version 2 of the release notes, see section 4.1",
    "Copyright (c) 2024 Acme Inc. All rights reserved.",
    "Bonjour à tous, ceci est un message",
    "This file is generated; do not edit it by hand!\n",
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _scan(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str, int]]:
    main(["scan", "--repo", str(repo.path), "--format", "json"])
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(capsys.readouterr().out)["findings"]}


def test_published_samples_are_look_alikes(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("docker/dev.env", SAMPLES)
    repo.commit("local development settings")

    assert _scan(repo, capsys) == set()


def test_one_character_off_a_sample_is_a_key(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        "docker/dev.env",
        SAMPLES.replace("Eby8", "Fby8").replace("teol0", "teol7").replace("0xac09", "0xbc09"),
    )
    repo.commit("local development settings")

    assert {line for _, _, line in _scan(repo, capsys)} == {1, 2, 3}


def test_base64_of_prose_is_not_a_secret_but_base64_of_a_password_is(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [f'NOTICE_{n} = "{_b64(text)}"' for n, text in enumerate(PROSE)]
    lines += [f'secret = "{_b64("tLwDwXSBU37e1Fu5")}"', f'blob = "{_b64("machine ci login ops password Xq7vR2kL9mZ")}"']
    repo.write("app/strings.py", "\n".join(lines) + "\n")
    repo.commit("bundle the notices")

    assert {line for _, _, line in _scan(repo, capsys)} == {5, 6}
