"""OpenPGP approvals by keys that are revoked or expired now approve nothing.

Real gpg keys in a throwaway keyring: expiry set at creation or later with ``--quick-set-expire``,
revocation with the certificate gpg writes at creation. The signer chooses a signature's time
(``--faked-system-time``); the key's validity is judged now.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import ALICE, CLAUDE, GitRepo

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
UID = f"{ALICE[0]} <{ALICE[1]}>"


def _gpg(*args: str, input: bytes | None = None) -> str:
    result = subprocess.run(["gpg", "--batch", "--passphrase", "", *args], input=input, capture_output=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


def _fingerprint() -> str:
    listing = _gpg("--with-colons", "--list-secret-keys", ALICE[1])
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


@pytest.fixture
def keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    return home


def _signing_program(folder: Path, faked_time: str | None) -> Path:
    """A ``gpg.program`` that signs as gpg would with the clock at ``faked_time``."""
    program = folder / "gpg-at-time"
    fake = f" --faked-system-time {faked_time}" if faked_time else ""
    program.write_text(f'#!/bin/sh\nexec gpg{fake} "$@"\n', encoding="utf-8")
    program.chmod(0o755)
    return program


def _approved_branch(tmp_path: Path, fingerprint: str, *, faked_time: str | None = None) -> GitRepo:
    """A policy listing Alice by fingerprint, an assistant's build edit, Alice's signed approval."""
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(
        ".guardtrail.yml", f"approvers:\n  - name: {ALICE[0]}\n    email: {ALICE[1]}\n    keys: [{fingerprint}]\n"
    )
    repo.commit("policy")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("Makefile", "all:\n")
    repo.commit("build", author=CLAUDE)
    program = _signing_program(tmp_path, faked_time)
    repo.git(
        "-c",
        f"gpg.program={program}",
        "-c",
        f"user.signingkey={fingerprint}",
        "commit",
        "-q",
        "--allow-empty",
        "-S",
        "-m",
        f"Approve\n\nApproved-by: {UID}",
    )
    return repo


def _signature(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["check", "--repo", str(repo.path), "--base", "main", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, report["commits"][-1]["signature"]


def test_a_valid_key_approves(keyring: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _gpg("--quick-gen-key", UID, "ed25519", "sign", "never")
    repo = _approved_branch(tmp_path, _fingerprint())
    code, signature = _signature(capsys, repo)
    assert (code, signature["verified"]) == (0, True)


def test_a_signature_dated_inside_an_expired_keys_lifetime_does_not_approve(
    keyring: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _gpg("--faked-system-time", "20200101T000000!", "--quick-gen-key", UID, "ed25519", "sign", "1d")
    repo = _approved_branch(tmp_path, _fingerprint(), faked_time="20200101T120000!")
    code, signature = _signature(capsys, repo)
    assert code == 1
    assert signature == {
        "verified": False,
        "signer": None,
        "kind": "openpgp",
        "reason": "OpenPGP signature by an expired key: it approves nothing",
    }


def test_a_key_set_to_expire_after_signing_no_longer_approves(
    keyring: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _gpg("--quick-gen-key", UID, "ed25519", "sign", "never")
    fingerprint = _fingerprint()
    repo = _approved_branch(tmp_path, fingerprint)
    assert _signature(capsys, repo)[1]["verified"] is True
    _gpg("--quick-set-expire", fingerprint, "seconds=1")
    time.sleep(2)
    code, signature = _signature(capsys, repo)
    assert (code, signature["reason"]) == (1, "OpenPGP signature by an expired key: it approves nothing")


def test_a_revoked_key_does_not_approve(keyring: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _gpg("--quick-gen-key", UID, "ed25519", "sign", "never")
    fingerprint = _fingerprint()
    repo = _approved_branch(tmp_path, fingerprint)
    certificate = (keyring / "openpgp-revocs.d" / f"{fingerprint}.rev").read_text(encoding="utf-8")
    _gpg(
        "--import",
        input=certificate.replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"
        ).encode(),
    )
    code, signature = _signature(capsys, repo)
    assert code == 1
    assert signature["verified"] is False
    assert signature["reason"] == "OpenPGP signature by a revoked key: it approves nothing"
