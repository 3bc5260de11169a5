"""A provider's name on the line before its key (``easyinsight credentials`` / ``key: …``), as
configuration files and notes write it: found within the provider table's span of characters,
in whole files and in runs of added lines, never across a gap the file does not have."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardtrail.cli import main
from tests.gitrepo import GitRepo

KEY = "Kq3vZ9wLx2Rb7Tn4dPf0"
"""An Easy Insight API key's shape (20 letters and digits), generated."""
RULE = "secret.easyinsight-key"
NOTES = f"# services\neasyinsight credentials\nkey: {KEY}\n"


def _run(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """``guardtrail ARGS`` in JSON, then in text (which must not show the key either)."""
    code = main([*args, "--repo", str(repo), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    main([*args, "--repo", str(repo)])
    return code, report, capsys.readouterr().out


def _where(report: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["path"], f["line"]) for f in report["findings"]}


@pytest.mark.parametrize("command", [("scan",), ("scan", "--history"), ("check", "--base", "HEAD~1")])
def test_a_name_on_the_line_before_the_key_counts(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    repo.write("notes/insight.txt", NOTES)
    repo.commit("keep the service notes")

    code, report, text = _run(capsys, repo.path, *command)

    assert code == 1
    assert _where(report) == {(RULE, "notes/insight.txt", 3)}
    assert KEY not in json.dumps(report) and KEY not in text


def test_a_yaml_section_named_for_the_provider_announces_the_key_below(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("config/services.yaml", f"easyinsight:\n  region: eu\n  key: {KEY}\n")
    repo.commit("configure the reporting service")

    _, report, _ = _run(capsys, repo.path, "check", "--base", "HEAD~1")

    assert _where(report) == {(RULE, "config/services.yaml", 3)}


def test_a_name_further_back_than_the_span_does_not_count(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        "notes/insight.txt",
        f"easyinsight credentials\n# rotated every quarter by the reporting team, see the wiki\nkey: {KEY}\n",
    )
    repo.commit("keep the service notes")

    code, report, _ = _run(capsys, repo.path, "scan")

    assert (code, _where(report)) == (0, set())


def test_added_lines_of_two_hunks_are_not_read_as_one_run(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    between = "".join(f"setting_{n} = a value long enough to end the span\n" for n in range(3))
    repo.write("notes/insight.txt", f"first\n{between}last\n")
    repo.commit("start the notes")
    repo.write("notes/insight.txt", f"easyinsight credentials\n{between}key: {KEY}\n")
    repo.commit("add two lines far apart")

    code, report, _ = _run(capsys, repo.path, "check", "--base", "HEAD~1")

    assert (code, _where(report)) == (0, set())
