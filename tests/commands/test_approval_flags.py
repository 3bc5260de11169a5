"""Approvals by FIDO keys: the flags their authenticator signed, self-approval and thresholds.

The security key is the software authenticator of :mod:`tests.sk_authenticator`, which git and
``guardtrail approve`` call as ``gpg.ssh.program``; the real ``ssh-keygen -Y verify`` checks every
signature, and guardtrail reads the flags from the verified SSHSIG.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from guardtrail.decide.signatures import sshsig_sk_flags
from tests.gitrepo import ALICE, CLAUDE, CLAUDE_TRAILER, WORKFLOW_EDIT, GitRepo, SshKey, policy_text
from tests.sk_authenticator import USER_PRESENT, USER_VERIFIED, SkKey, install_program, sign

BOB = ("Bob Builder", "bob@example.com")
WORKFLOW = ".github/workflows/ci.yml"


@dataclass
class SkProject:
    repo: GitRepo
    alice: SkKey
    program: Path
    base: str

    def use(self, who: tuple[str, str], key: SkKey | SshKey) -> None:
        """Configure git as ``who``, signing with ``key`` through the software authenticator."""
        self.repo.git("config", "user.name", who[0])
        self.repo.git("config", "user.email", who[1])
        self.repo.git("config", "gpg.format", "ssh")
        self.repo.git("config", "gpg.ssh.program", str(self.program))
        self.repo.git("config", "user.signingkey", str(key.private))

    def approve(self) -> int:
        return main(["approve", "--repo", str(self.repo.path), "--base", "main"])


def _project(
    tmp_path: Path, approvals: str, *, extra_approvers: tuple[tuple[str, str, str], ...] = (), kind: str = "ed25519"
) -> SkProject:
    alice = SkKey.generate(tmp_path / "keys", "alice", flags=USER_PRESENT, kind=kind)
    repo = GitRepo.create(tmp_path / "repo")
    text = policy_text((*ALICE, alice.public_line), *extra_approvers, extra=approvals)
    repo.write(".guardtrail.yml", text)
    repo.write(WORKFLOW, "on: push\njobs: {}\n")
    base = repo.commit("add policy and CI")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(WORKFLOW, WORKFLOW_EDIT)
    repo.commit("deploy job", author=CLAUDE)
    return SkProject(repo, alice, install_program(tmp_path / "bin"), base)


def _check(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["check", "--repo", str(repo.path), "--base", "main", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _outcome(report: dict[str, Any]) -> set[tuple[str, str, bool, str | None]]:
    return {(f["rule"], f["path"], f["blocking"], f["approved_by"]) for f in report["findings"]}


@pytest.mark.parametrize(("kind", "shown"), [("ed25519", b"ED25519-SK"), ("ecdsa", b"ECDSA-SK")])
def test_ssh_keygen_accepts_an_untouched_sk_signature_so_guardtrail_reads_the_flags(
    tmp_path: Path, kind: str, shown: bytes
) -> None:
    key = SkKey.generate(tmp_path, "k", flags=0, kind=kind)
    allowed = tmp_path / "allowed"
    allowed.write_text("a@example.com " + " ".join(key.public_line.split()[:2]) + "\n", encoding="utf-8")
    (tmp_path / "sig").write_text(sign(key.private, "git", b"data"), encoding="utf-8")
    verify = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "a@example.com", "-n", "git"]
    result = subprocess.run([*verify, "-s", str(tmp_path / "sig")], input=b"data", capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert shown in result.stdout
    assert sshsig_sk_flags((tmp_path / "sig").read_bytes()) == (0, 1)
    forged = subprocess.run([*verify, "-s", str(tmp_path / "sig")], input=b"dat4", capture_output=True, check=False)
    assert forged.returncode != 0


@pytest.mark.parametrize(
    ("require", "flags", "passes", "reason"),
    [
        ("presence", USER_PRESENT, True, None),
        ("presence", 0, False, "signed without a touch on the security key (approvals.require: presence)"),
        ("verification", USER_PRESENT | USER_VERIFIED, True, None),
        (
            "verification",
            USER_PRESENT,
            False,
            "signed without a touch and a PIN on the security key (approvals.require: verification)",
        ),
        ("none", 0, True, None),
    ],
)
def test_required_flags_decide_whether_an_sk_approval_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], require: str, flags: int, passes: bool, reason: str | None
) -> None:
    project = _project(tmp_path, f"approvals:\n  require: {require}\n")
    project.alice.set_flags(flags)
    project.use(ALICE, project.alice)
    assert project.approve() == 0
    approval = project.repo.head()
    code, report = _check(capsys, project.repo)
    assert code == (0 if passes else 1)
    named = {
        0: [],
        USER_PRESENT: ["user-presence"],
        USER_PRESENT | USER_VERIFIED: ["user-presence", "user-verification"],
    }
    assert report["commits"][-1]["signature"]["flags"] == named[flags]
    alice = f"{ALICE[0]} <{ALICE[1]}>"
    if passes:
        assert _outcome(report) == {("build-logic.github-actions", WORKFLOW, False, alice)}
        assert {(a["kind"], a["approver"], tuple(a["flags"])) for a in report["approvals"]} == {
            ("commit", alice, tuple(named[flags])),
            ("content", alice, tuple(named[flags])),
        }
    else:
        assert _outcome(report) == {("build-logic.github-actions", WORKFLOW, True, None)}
        assert report["notes"] == [
            f"{approval[:10]}: Approved-by ignored: {reason}",
            f"{approval[:10]}: approval statement ignored: {reason}",
        ]


def test_an_ordinary_key_never_counts_when_presence_is_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = SshKey.generate(tmp_path / "plain", "alice-plain")
    project = _project(tmp_path, "approvals:\n  require: presence\n")
    policy = project.repo.git("show", "main:.guardtrail.yml")
    project.repo.git("checkout", "-q", "main")
    project.repo.write(".guardtrail.yml", policy.replace(project.alice.public_line, plain.public_line))
    project.repo.commit("plain key for alice")
    project.repo.git("checkout", "-q", "feature")
    project.repo.git("rebase", "-q", "main")
    project.use(ALICE, plain)
    capsys.readouterr()
    assert project.approve() == 2  # refused up front, with the fix
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(
            "counts only FIDO security keys: sign with an sk- key ('ssh-keygen -t ed25519-sk') listed for you there"
        )
    )
    project.repo.commit(f"Approve\n\nApproved-by: {ALICE[0]} <{ALICE[1]}>", sign_with=plain, allow_empty=True)
    code, report = _check(capsys, project.repo)
    assert code == 1
    assert "flags" not in report["commits"][-1]["signature"]
    assert report["notes"][0].endswith(
        "Approved-by ignored: signed by a key that is not a FIDO security key (approvals.require: presence)"
    )


def _co_written_commit(project: SkProject) -> None:
    project.repo.write("Makefile", "all:\n\techo built\n")
    project.repo.commit(f"pair work\n\n{CLAUDE_TRAILER}", author=f"{ALICE[0]} <{ALICE[1]}>")


@pytest.mark.parametrize(
    ("self_approval", "flags", "makefile_blocks"),
    [("never", USER_PRESENT, True), ("with-presence", USER_PRESENT, False), ("with-presence", 0, True)],
)
def test_self_approval_of_co_written_work_needs_the_policy_and_a_touch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], self_approval: str, flags: int, makefile_blocks: bool
) -> None:
    project = _project(tmp_path, f"approvals:\n  self_approval: {self_approval}\n")
    _co_written_commit(project)
    project.alice.set_flags(flags)
    project.use(ALICE, project.alice)
    assert project.approve() == 0
    code, report = _check(capsys, project.repo)
    alice = f"{ALICE[0]} <{ALICE[1]}>"
    assert _outcome(report) == {
        ("build-logic.github-actions", WORKFLOW, False, alice),
        ("build-logic.build-files", "Makefile", makefile_blocks, None if makefile_blocks else alice),
    }
    assert code == (1 if makefile_blocks else 0)


def test_policy_changes_need_as_many_distinct_approvers_as_the_policy_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = SkKey.generate(tmp_path / "bob", "bob")
    project = _project(tmp_path, "approvals:\n  policy_changes: 2\n", extra_approvers=((*BOB, bob.public_line),))
    project.repo.write(".guardtrail.yml", project.repo.git("show", "main:.guardtrail.yml") + "ignore: ['docs/**']\n")
    project.repo.commit("ignore docs", author=CLAUDE)
    project.use(ALICE, project.alice)
    assert project.approve() == 0
    assert project.approve() == 0  # the same approver twice is still one approver
    code, report = _check(capsys, project.repo)
    alice, bob_id = f"{ALICE[0]} <{ALICE[1]}>", f"{BOB[0]} <{BOB[1]}>"
    assert code == 1
    assert _outcome(report) == {
        ("build-logic.github-actions", WORKFLOW, False, alice),
        ("policy.guardtrail", ".guardtrail.yml", True, None),
    }
    (policy_finding,) = [f for f in report["findings"] if f["category"] == "policy"]
    assert policy_finding["details"][-1] == (
        f"needs 2 distinct approvers (approvals.policy_changes); approved so far by {alice}"
    )
    project.use(BOB, bob)
    assert project.approve() == 0
    code, report = _check(capsys, project.repo)
    assert code == 0
    assert _outcome(report) == {
        ("build-logic.github-actions", WORKFLOW, False, f"{alice}, {bob_id}"),
        ("policy.guardtrail", ".guardtrail.yml", False, f"{alice}, {bob_id}"),
    }


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_the_text_report_says_which_flags_each_approval_carried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    project = _project(tmp_path, "approvals:\n  require: verification\n", kind=kind)
    project.alice.set_flags(USER_PRESENT | USER_VERIFIED)
    project.use(ALICE, project.alice)
    assert project.approve() == 0
    approval = project.repo.head()
    capsys.readouterr()
    assert main(["check", "--repo", str(project.repo.path), "--base", "main"]) == 0
    lines = capsys.readouterr().out.splitlines()
    alice = f"{ALICE[0]} <{ALICE[1]}>"
    assert f"  signature: good SSH signature by {alice} (user-presence, user-verification)" in lines
    assert lines[lines.index("Approvals bound to content:") + 1] == (
        f"  {approval[:10]}: {alice} (user-presence, user-verification) approves exactly: {WORKFLOW}"
    )
