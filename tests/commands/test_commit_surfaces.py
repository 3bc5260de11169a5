"""A secret anywhere git keeps text blocks, and no output shows it: the commit's subject and
body, its author and committer, the paths it adds, a symlink's target, an annotated tag's
message; escaped and percent-encoded tokens; tokens inside binary files. Real repositories,
real commits, every output format and the audit log read back."""

from __future__ import annotations

import json
import os
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from guardtrail.cli import main
from tests.gitrepo import CLAUDE, GitRepo, Project, assert_hidden, make_project

TOKEN = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"  # pragma: allowlist secret
"""A generated GitHub token (the rule's own example): what an assistant could leak."""
RULE = "secret.github-token"
FORMATS = ("text", "json", "sarif", "github")


def blocked_outputs(capsys: pytest.CaptureFixture[str], repo: Path, tmp_path: Path, *extra: str) -> dict[str, str]:
    """Each format's report of ``guardtrail check --base main`` (and its standard error, and the
    audit log's lines as ``audit``), after asserting that every format blocks and that no
    output shows :data:`TOKEN` (nor ``extra`` secrets)."""
    seen: dict[str, str] = {}
    audit = tmp_path / "audit.jsonl"
    for fmt in FORMATS:
        code = main(["check", "--repo", str(repo), "--base", "main", "--format", fmt, "--audit-log", str(audit)])
        captured = capsys.readouterr()
        assert code == 1, captured.out + captured.err
        seen[fmt] = captured.out
        seen[f"{fmt} stderr"] = captured.err
    seen["audit"] = audit.read_text(encoding="utf-8")
    for secret in (TOKEN, *extra):
        for text in seen.values():
            assert_hidden(text, secret)
    return seen


def _note(repo: GitRepo, message: str, **identities: str) -> str:
    """A commit adding a line of notes, with ``message`` (and ``author``, ``committer``)."""
    with open(repo.path / "notes.md", "a", encoding="utf-8") as notes:
        notes.write("a note\n")
    return repo.commit(message, **identities)


def secrets_of(report: str) -> set[tuple[str, str, int | None]]:
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(report)["findings"] if f["category"] == "secret"}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def test_a_token_in_a_commit_subject_blocks_and_no_output_shows_it(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _note(repo, f"use {TOKEN} for the deploy\n\nbody line\nand the token again: {TOKEN}")

    seen = blocked_outputs(capsys, repo.path, tmp_path)

    assert secrets_of(seen["json"]) == {(RULE, ":commit-message", 1), (RULE, ":commit-message", 4)}
    assert "BLOCK secret       :commit-message:1  GitHub token" in seen["text"]
    assert "use ghp_… for the deploy" in seen["text"]


def test_a_token_in_the_author_email_and_the_committer_name_blocks_hidden(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _note(repo, "ordinary subject", author=f"Dev <dev+{TOKEN}@example.org>", committer=f"Bot {TOKEN} <bot@example.org>")

    seen = blocked_outputs(capsys, repo.path, tmp_path)

    assert secrets_of(seen["json"]) == {(RULE, ":author", None), (RULE, ":committer", None)}
    assert "author Dev <dev+ghp_…@example.org>" in seen["text"]


def test_a_token_in_a_file_name_blocks_and_the_path_is_redacted_everywhere(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write(f".github/workflows/{TOKEN}.yml", "on: push\njobs: {}\n")  # a path rule's finding names it too
    repo.commit("add a workflow", author=CLAUDE)

    seen = blocked_outputs(capsys, repo.path, tmp_path)

    report = json.loads(seen["json"])
    assert {(f["rule"], f["path"], f["line"]) for f in report["findings"]} == {
        (RULE, ".github/workflows/ghp_….yml", None),
        ("build-logic.github-actions", ".github/workflows/ghp_….yml", 1),
    }
    sarif = json.loads(seen["sarif"])["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif} == {
        ".github/workflows/ghp_….yml"
    }


def test_a_token_as_a_symlink_target_blocks_in_check_and_history(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    (repo.path / "creds").symlink_to(f"/run/secrets/{TOKEN}")
    sha = repo.commit("link the credentials")

    seen = blocked_outputs(capsys, repo.path, tmp_path)
    scan_code = main(["scan", "--repo", str(repo.path), "--history", "--format", "json"])
    history = json.loads(capsys.readouterr().out)["findings"]

    assert secrets_of(seen["json"]) == {(RULE, "creds", 1)}
    assert (scan_code, [(f["commit"], f["rule"], f["path"], f["line"]) for f in history]) == (
        1,
        [(sha, RULE, "creds", 1)],
    )


def test_scan_history_finds_tokens_in_messages_identities_paths_and_tag_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("a.txt", "a\n")
    subject = repo.commit(f"deploy with {TOKEN}")
    repo.write(f"keys/{TOKEN}", "nothing here\n")
    named = repo.commit("add a file", author=f"Dev <{TOKEN}@example.org>")
    repo.git("tag", "-a", "v1", "-m", f"release\n\ntoken: {TOKEN}")
    tag = repo.git("rev-parse", "v1").strip()

    code = main(["scan", "--repo", str(repo.path), "--history", "--format", "json"])
    out = capsys.readouterr().out
    text_code = main(["scan", "--repo", str(repo.path), "--history"])
    text = capsys.readouterr().out

    found = {(f["commit"], f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]}
    assert (code, text_code) == (1, 1)
    assert found == {
        (subject, RULE, ":commit-message", 1),
        (named, RULE, "keys/ghp_…", None),
        (named, RULE, ":author", None),
        (tag, RULE, ":tag-message", 3),
    }
    assert_hidden(out, TOKEN)
    assert_hidden(text, TOKEN)


def test_ci_annotations_summary_and_sarif_keep_a_subject_token_hidden(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    _note(repo, f"rotate {TOKEN}", author=CLAUDE)
    summary, sarif = tmp_path / "summary.md", tmp_path / "guardtrail.sarif"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo.path))

    code = main(["ci", "--base", "main", "--head", "feature", "--format", "github", "--sarif-file", str(sarif)])
    out = capsys.readouterr()

    assert code == 1
    assert "::error title=guardtrail secret%3A blocks%3A remove the secret:::commit-message:1: GitHub token" in out.out
    assert "| rotate ghp_… |" in summary.read_text(encoding="utf-8")
    result = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]) for r in result] == [
        (RULE, "commit-message")
    ]
    for text in (out.out, out.err, summary.read_text(encoding="utf-8"), sarif.read_text(encoding="utf-8")):
        assert_hidden(text, TOKEN)


# ---- encodings: what the file's reader decodes, the scan decodes --------------------------


def _escaped(token: str, style: str) -> str:
    """``token`` with every other character written as an escape of ``style``."""
    forms = {"u": "\\u{:04x}", "x": "\\x{:02x}", "%": "%{:02X}"}
    return "".join(forms[style].format(ord(c)) if at % 2 else c for at, c in enumerate(token))


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("config.json", '{{"token": "{}"}}'.format(_escaped(TOKEN, "u"))),
        ("bundle.js", 'const t = "{}";'.format(_escaped(TOKEN, "x"))),
        (".env", "DEPLOY_URL=https://example.org/hook?token={}".format(_escaped(TOKEN, "%"))),
    ],
    ids=["json-unicode-escapes", "js-hex-escapes", "percent-encoding"],
)
def test_an_escaped_token_is_decoded_found_on_its_line_and_hidden(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, line: str
) -> None:
    repo = project.repo
    repo.write(path, f"first line\n{line}\nlast line\n")
    repo.commit("configure")

    seen = blocked_outputs(capsys, repo.path, tmp_path)

    assert (RULE, path, 2) in secrets_of(seen["json"])


def test_plain_percent_signs_and_escapes_find_nothing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write("fmt.py", 'print("%d%% done" % 50)\nURL = "https://example.org/a%20b"\nS = "caf\\u00e9 \\x41"\n')
    repo.commit("format")

    assert main(["check", "--repo", str(repo.path), "--base", "main", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


# ---- binaries: printable runs, token formats only ------------------------------------------


def _zip(name: str, data: bytes, compression: int) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_a_token_pasted_into_binaries_is_found_in_their_printable_runs(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    aws = "AKIAQYLPMN5HFIQR7XOE"  # pragma: allowlist secret
    repo.write("lib/native.so", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40 + TOKEN.encode() + b"\x00\x10\x20")
    repo.write(
        "app/__pycache__/settings.cpython-312.pyc", b"\xcb\x0d\x0d\x0a\x00\x00\x00\x00" + aws.encode("utf-16-le")
    )
    other = "glpat-WDtkwtDDb_xHKas1VOqg"  # pragma: allowlist secret
    repo.write("docs/stored.docx", _zip("word/document.xml", f"<w:t>{TOKEN}</w:t>".encode(), zipfile.ZIP_STORED))
    repo.write("docs/report.docx", _zip("word/document.xml", f"<w:t>{other}</w:t>".encode(), zipfile.ZIP_DEFLATED))
    repo.write("data.bin", b"\x00\x01password = 'tLwDwXSBU37e1Fu5'\n\x00")  # not a token format: no finding
    repo.commit("add binaries")

    seen = blocked_outputs(capsys, repo.path, tmp_path, aws, other)

    assert secrets_of(seen["json"]) == {
        (RULE, "lib/native.so", None),
        ("secret.aws-access-key", "app/__pycache__/settings.cpython-312.pyc", None),
        (RULE, "docs/stored.docx", None),
        ("secret.gitlab-token", "docs/report.docx", None),  # deflated: found once unpacked
    }


def test_a_binary_edit_reports_only_the_tokens_it_adds(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write("blob.bin", b"\x00" + TOKEN.encode() + b"\x00")
    repo.commit("add a binary", author="Dev <dev@example.org>")
    base = repo.head()
    other = "glpat-WDtkwtDDb_xHKas1VOqg"  # pragma: allowlist secret
    repo.write("blob.bin", b"\x00" + TOKEN.encode() + b"\x00" + other.encode() + b"\x00")
    repo.commit("grow the binary")

    assert main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"]) == 1
    assert secrets_of(capsys.readouterr().out) == {("secret.gitlab-token", "blob.bin", None)}


def test_the_worktree_scan_reads_symlink_targets_file_names_and_binaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    os.symlink(f"/run/{TOKEN}", repo.path / "link")
    repo.write(f"named-{TOKEN}.txt", "plain\n")
    repo.write("blob.bin", b"\x00" + TOKEN.encode())
    repo.commit("add")

    assert main(["scan", "--repo", str(repo.path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert secrets_of(out) == {(RULE, "link", 1), (RULE, "named-ghp_….txt", None), (RULE, "blob.bin", None)}
    assert_hidden(out, TOKEN)


def test_an_escaped_token_in_a_subject_is_found_and_its_written_form_redacted(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    written = _escaped(TOKEN, "u")
    _note(repo, f"token {written} rotated")

    seen = blocked_outputs(capsys, repo.path, tmp_path, written)

    assert secrets_of(seen["json"]) == {(RULE, ":commit-message", 1)}
    assert "token g\\u0… rotated" in seen["text"]


def test_a_rejected_approval_quoting_a_token_is_noted_with_the_token_hidden(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = project.repo
    repo.write(".github/workflows/ci.yml", "on: push\njobs: {deploy: {}}\n")
    repo.commit("deploy", author=CLAUDE)
    project.approve(trailer=f"Someone Else <{TOKEN}@example.org>")  # signed by Alice, naming another

    seen = blocked_outputs(capsys, repo.path, tmp_path)

    notes = json.loads(seen["json"])["notes"]
    assert [note.split(": ", 1)[1] for note in notes] == [
        "Approved-by ignored: signed by Alice Example <alice@example.com>, but the trailer names"
        " Someone Else <ghp_…@example.org>"
    ]
    assert secrets_of(seen["json"]) == {(RULE, ":commit-message", 3)}
