"""A secret's value appears in no finding, whichever analyser quotes it: an assistant commit
that puts a token in a dependency URL and in a workflow shows it redacted in every format, in
the audit log and in the hooks, while the findings that quote it are still reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from tests.gitrepo import CLAUDE, CLAUDE_TRAILER, GitRepo, Project, make_project

TOKEN = "ghp_" + "Zq8Rk2Wm5Tn1Yb7Xc4Vd9Hf3Jg6Lp0Ns2Qa7"  # pragma: allowlist secret
URL = f"git+https://x-access-token:{TOKEN}@github.com/acme/lib.git"  # pragma: allowlist secret
REDACTED_URL = "git+https://x-access-token:ghp_…@github.com/acme/lib.git"
PIECES = (TOKEN, TOKEN[4:20], TOKEN[-16:])
"""The token, its distinctive middle, and its tail (what a quote cut at its start keeps)."""
CURL_STEP = f'      - run: curl -H "Authorization: token {TOKEN}" https://api.github.com/user\n'
"""Not YAML (a plain scalar holding ': '): the parse error quotes the line, cut after the token's start."""
ENV_VALUE = f"      TOKEN: {TOKEN}: unused\n"
"""Not YAML either: the parse error points just past the token and quotes what comes before."""
CURL_WORKFLOW = f"on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n{CURL_STEP}"
FORMATS = ("text", "json", "sarif", "github")
SECRET_MESSAGE = "GitHub token (classic personal, OAuth, app or refresh): ghp_… (sha1 "


def write_leaky_change(repo: GitRepo) -> None:
    """The audit's repro: the token in two dependency manifests and two workflows (which zizmor cannot parse)."""
    repo.write("package.json", json.dumps({"name": "app", "dependencies": {"lib": URL}}) + "\n")
    repo.write("requirements.txt", f"lib @ {URL}\n")
    repo.write(".github/workflows/x.yml", CURL_WORKFLOW)
    repo.write(".github/workflows/env.yml", f"on: push\njobs:\n  b:\n    env:\n{ENV_VALUE}")


@pytest.fixture
def leaky(tmp_path: Path) -> Project:
    project = make_project(tmp_path)
    write_leaky_change(project.repo)
    project.repo.commit("use the private lib", author=CLAUDE)
    return project


def leaks(text: str) -> list[str]:
    return [piece for piece in PIECES if piece in text]


def check_json(project: Project, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["check", "--repo", str(project.repo.path), "--base", "main", "--format", "json"]) == 1
    findings: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_assistant_commit_quoting_a_token_shows_no_piece_of_it_in_any_format_or_the_audit_log(
    leaky: Project, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = tmp_path / "audit.log"
    args = ["check", "--repo", str(leaky.repo.path), "--base", "main", "--format", fmt, "--audit-log", str(audit)]

    assert main(args) == 1

    out, err = capsys.readouterr()
    logged = audit.read_text(encoding="utf-8")
    assert leaks(out) == leaks(err) == leaks(logged) == []
    for text in (out, logged):
        assert all(rule in text for rule in ("dependency.added", "workflow.audit-failed", "secret.github-token"))
    if fmt != "github":  # annotations stop at ten per level; the rest are in the summary
        assert all(rule in out for rule in ("dependency.new-source", "dependency.added", "workflow.audit-failed"))
    assert REDACTED_URL in (json.dumps(json.loads(out), ensure_ascii=False) if fmt in ("json", "sarif") else out)


def test_the_dependency_findings_keep_their_message_with_the_token_redacted_in_place(
    leaky: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = check_json(leaky, capsys)

    by_path = {
        path: [(f["rule"], f["message"]) for f in findings if f["path"] == path]
        for path in ("package.json", "requirements.txt")
    }
    for path, found in by_path.items():
        assert [rule for rule, _ in found] == [
            f"dependency.{'javascript' if path == 'package.json' else 'python'}",
            "dependency.added",
            "dependency.new-source",
            "secret.github-token",
        ]
        assert found[1:3] == [
            ("dependency.added", f'new dependency "lib" from {REDACTED_URL}'),
            ("dependency.new-source", f'"lib" comes from {REDACTED_URL}'),
        ]
        assert found[3][1].startswith(SECRET_MESSAGE)


def test_a_parse_error_quoting_the_token_cut_short_is_still_reported_without_any_piece_of_it(
    leaky: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    leaky.repo.write("deploy/x.yml", CURL_WORKFLOW)  # not a workflow: its YAML parse error quotes the line
    leaky.repo.commit("deploy the lib", author=CLAUDE)
    findings = check_json(leaky, capsys)

    for name in ("x.yml", "env.yml"):
        found = {f["rule"]: f for f in findings if f["path"] == f".github/workflows/{name}"}
        assert set(found) == {"build-logic.github-actions", "workflow.audit-failed", "secret.github-token"}
        failed = found["workflow.audit-failed"]["message"]
        assert failed.startswith(
            f"{name} was not audited: zizmor cannot read it: failed to parse input: mapping values"
        )
        assert leaks(failed) == []
        assert found["secret.github-token"]["message"].startswith(SECRET_MESSAGE)
        assert found["secret.github-token"]["line"] == (6 if name == "x.yml" else 5)
    malformed = next(f["message"] for f in findings if f["path"] == "deploy/x.yml" and f["rule"] == "auth.malformed")
    assert malformed.startswith("cannot parse x.yml: invalid YAML: mapping values are not allowed here")
    assert 'curl -H "Authorization: token ghp_…' in malformed
    assert leaks(malformed) == []


@pytest.mark.parametrize("hook", ["staged", "commit-msg"])
def test_the_pre_commit_and_commit_msg_hooks_show_a_staged_token_redacted(
    repo: GitRepo, hook: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_leaky_change(repo)
    repo.git("add", "-A")
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(f"use the private lib\n\n{CLAUDE_TRAILER}\n", encoding="utf-8")
    monkeypatch.chdir(repo.path)
    args = ["staged"] if hook == "staged" else ["commit-msg", str(message)]

    assert main([*args, "--repo", str(repo.path)]) == 1

    out, err = capsys.readouterr()
    assert leaks(out) == leaks(err) == []
    assert f'package.json:1  new dependency "lib" from {REDACTED_URL}  [dependency.added]' in err
    assert "[workflow.audit-failed]" in err
    assert "[secret.github-token]" in err


def test_the_redactor_hides_a_token_in_every_text_a_decision_carries() -> None:
    """One table of what :func:`redact_decision` reaches, on values made by hand: an approval
    bound to content names paths, a signal quotes a message's line, a person an email."""
    from guardtrail.classify.secrets.redaction import Redactor
    from guardtrail.classify.secrets.scanner import SecretScanner
    from guardtrail.decide.approvals import Approval
    from guardtrail.decide.authorship import Signal
    from guardtrail.model import Person
    from guardtrail.policy import Approver
    from guardtrail.report.redaction import redact_approval, redact_signal

    redactor = Redactor(SecretScanner())
    alice = Approver("Alice", "alice@example.com")
    approval = Approval(
        "a" * 40, alice, frozenset(), frozenset(), frozenset(), changes={f"keys/{TOKEN}.txt": "d1", "ok.txt": "d2"}
    )

    assert dict(redact_approval(redactor, approval).changes or {}) == {"keys/ghp_….txt": "d1", "ok.txt": "d2"}
    assert (
        redact_signal(redactor, Signal("assistant.marker", f"Generated with {TOKEN}")).evidence
        == "Generated with ghp_…"
    )
    assert redactor.person(Person(f"Bot {TOKEN}", "bot@example.org"), ":author") == Person(
        "Bot ghp_…", "bot@example.org"
    )
    assert redactor.path("plain/path.txt") == "plain/path.txt"
    assert redactor.path(":commit-message") == ":commit-message"
