"""A signal stops a history scan or a check at once: workers and git children with it, nothing written.

A CI runner cancelling a job sends SIGTERM to the main process; a user presses Ctrl-C (SIGINT).
Each test scans a real history large enough for worker processes, as a new process in its own
process group, waits until the workers run, sends the signal to the main process only, and
expects exit 130 or 143, no report (not even in ``--output``), and no process of the group
left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

COMMITS = 1200
LINES = 600


def _history(path: Path) -> None:
    """About 50 MB of added lines in ``COMMITS`` commits, made with ``git fast-import``; each
    commit also rewrites one file, whose patches (a few MB) keep git's log of edits writing
    while the workers scan."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    rng = random.Random(3)
    stream = bytearray()
    for n in range(COMMITS):
        body = "".join(f"value_{n}_{k} = compute({rng.randint(0, 10**9)}, 'label {k}')\n" for k in range(LINES))
        data = body.encode()
        stamp = 1_700_000_000 + n
        stream += b"commit refs/heads/main\n"
        stream += f"author A <a@example.com> {stamp} +0000\ncommitter A <a@example.com> {stamp} +0000\n".encode()
        stream += b"data 2\nc\n" + f"M 100644 inline src/f{n}.py\n".encode() + b"data %d\n" % len(data) + data + b"\n"
        shared = "".join(f"setting_{k} = {rng.randint(0, 10**9)}  # tuned in {n}\n" for k in range(30)).encode()
        stream += b"M 100644 inline src/settings.py\n" + b"data %d\n" % len(shared) + shared + b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "history"
    _history(path)
    return path


def _group(leader: int) -> list[tuple[int, str]]:
    """The live processes of process group ``leader`` (zombies aside), with their commands."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat[2]) == leader and stat[0] != "Z":
            found.append((int(name), command))
    return found


def _root(path: Path) -> str:
    done = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=path, capture_output=True, text=True)
    return done.stdout.split()[0]


def _interrupt(args: list[str], cwd: Path, sent: signal.Signals, *, with_git: bool) -> tuple[int, bytes, bytes, float]:
    """Start ``guardtrail ARGS`` in ``cwd``, wait until its 2 workers (and a git child, when
    ``with_git``) run, send ``sent``: its exit code, output, errors and how long it took to
    stop. Asserts that no process of its group is left behind."""
    run = subprocess.Popen(
        [sys.executable, "-m", "guardtrail", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while sum("guardtrail" in line for _, line in _group(run.pid)) < 3 or (  # the main process and 2 workers
            with_git and not any(line.startswith("git ") for _, line in _group(run.pid))
        ):
            assert run.poll() is None, "the run ended before its children were seen: make the input larger"
            assert time.monotonic() < deadline, _group(run.pid)
            time.sleep(0.02)

        os.kill(run.pid, sent)
        started = time.monotonic()
        out, err = run.communicate(timeout=10)
        stopped_after = time.monotonic() - started
        time.sleep(0.2)
        left = _group(run.pid)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert left == []
    return run.returncode, out, err, stopped_after


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", ["scan", "check"])
def test_a_signal_stops_the_run_its_workers_and_git_and_writes_nothing(
    big_history: Path, tmp_path: Path, sent: signal.Signals, code: int, command: str
) -> None:
    report = tmp_path / "report.json"
    args = ["scan", "--history"] if command == "scan" else ["check", "--base", _root(big_history)]

    returncode, out, err, stopped_after = _interrupt(
        [*args, "--format", "json", "--output", str(report)], big_history, sent, with_git=True
    )

    assert returncode == code, err
    assert out == b""
    assert not report.exists()
    assert err.decode().strip().endswith("nothing was reported")
    assert stopped_after < 5  # about 0.1 s on an idle machine; loose for a shared one


@pytest.fixture(scope="module")
def big_tree(big_history: Path) -> Path:
    """The history's last commit checked out: about 50 MB of working-tree files."""
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=big_history, check=True)
    return big_history


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_working_tree_scan_and_its_workers_and_writes_nothing(
    big_tree: Path, tmp_path: Path, sent: signal.Signals, code: int
) -> None:
    report = tmp_path / "report.json"

    returncode, out, err, _ = _interrupt(
        ["scan", "--format", "json", "--output", str(report)], big_tree, sent, with_git=False
    )

    assert returncode == code, err
    assert out == b""
    assert not report.exists()
    assert err.decode().strip().endswith("nothing was reported")
