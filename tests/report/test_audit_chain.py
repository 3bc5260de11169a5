"""The audit log's hash chain: appended runs chain on, and any edit, removal or reordering shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardtrail.cli import main
from guardtrail.report.audit import GENESIS, record_hash
from tests.gitrepo import CLAUDE, Project, make_project


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """Two checks appended to one log: six records (two commits and the range, twice)."""
    project: Project = make_project(tmp_path)
    project.repo.write(".github/workflows/ci.yml", "on: push\njobs: {deploy: {}}\n")
    project.repo.commit("deploy job", author=CLAUDE)
    project.approve()
    path = tmp_path / "audit.jsonl"
    for _ in range(2):
        assert main(["check", "--repo", str(project.repo.path), "--base", "main", "--audit-log", str(path)]) == 0
    return path


def _verify(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", str(path), *args])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_each_record_chains_on_the_one_before_across_runs(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [json.loads(line) for line in _lines(log)]
    assert [r["event"] for r in records] == ["commit", "commit", "range"] * 2
    assert records[0]["prev"] == GENESIS
    assert [r["prev"] for r in records[1:]] == [record_hash(r) for r in records[:-1]]
    assert records[2]["approvals"][0]["kind"] == "commit"
    last = record_hash(records[-1])
    assert _verify(capsys, log) == (0, f"guardtrail: {log}: intact: 6 records, last hash {last}")
    assert _verify(capsys, log, "--expect", last)[0] == 0


def test_an_edited_record_is_named_by_the_line_after_it(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(log)
    lines[1] = lines[1].replace('"verdict": "pass"', '"verdict": "block"')
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _verify(capsys, log) == (
        1,
        f"guardtrail: {log}:3: TAMPERED: does not follow the record before it: edited, removed or reordered",
    )


@pytest.mark.parametrize(
    ("change", "bad_line"),
    [
        (lambda lines: lines[:2] + lines[3:], 3),  # a record removed
        (lambda lines: [lines[1], lines[0], *lines[2:]], 1),  # two records swapped
        (lambda lines: lines[1:], 1),  # the first record removed
        (lambda lines: [*lines[:4], "not json", *lines[4:]], 5),
    ],
)
def test_removed_reordered_or_foreign_lines_break_the_chain(
    log: Path, capsys: pytest.CaptureFixture[str], change: object, bad_line: int
) -> None:
    assert callable(change)
    log.write_text("\n".join(change(_lines(log))) + "\n", encoding="utf-8")
    code, message = _verify(capsys, log)
    assert code == 1
    assert message.startswith(f"guardtrail: {log}:{bad_line}: TAMPERED: ")


def test_records_cut_from_the_end_show_only_against_the_kept_hash(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last = record_hash(json.loads(_lines(log)[-1]))
    log.write_text("\n".join(_lines(log)[:3]) + "\n", encoding="utf-8")
    assert _verify(capsys, log)[0] == 0
    code, message = _verify(capsys, log, "--expect", last)
    assert code == 1
    assert message.endswith(f"not at {last}: records were removed from its end")


def test_a_missing_log_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, message = _verify(capsys, tmp_path / "nope.jsonl")
    assert code == 2
    assert message == f"guardtrail: error: cannot read audit log {tmp_path / 'nope.jsonl'}: No such file or directory"


def test_appending_to_a_log_whose_end_is_not_a_record_is_an_error(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with log.open("a", encoding="utf-8") as handle:
        handle.write("garbage\n")
    repo = tmp_path / "repo"
    assert main(["check", "--repo", str(repo), "--base", "main", "--audit-log", str(log)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(f"its last line is not an audit record: run 'guardtrail audit verify {log}'")
    )
