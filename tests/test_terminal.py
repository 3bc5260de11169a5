"""CLI conventions, as a user sees them: colour only on a terminal and never with NO_COLOR,
progress on stderr only on a terminal and only for long work, and ``--quiet``. Terminals are
real pseudo-terminals (python's ``pty``), one for stdout and one for stderr."""

from __future__ import annotations

import os
import pty
import selectors
import subprocess
import sys
from pathlib import Path

from tests.gitrepo import CLAUDE, GitRepo, make_project

ESC = "\x1b["


def in_terminal(cwd: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """Run guardtrail with stdout and stderr each on a pseudo-terminal; exit code and both texts."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "guardtrail", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=out_slave,
        stderr=err_slave,
        env={**os.environ, "TERM": "xterm-256color", **env},
    )
    os.close(out_slave)
    os.close(err_slave)
    texts = {out_master: b"", err_master: b""}
    with selectors.DefaultSelector() as selector:
        for fd in texts:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                try:
                    chunk = os.read(key.fd, 65536)
                except OSError:  # EIO: the terminal's other side is closed
                    chunk = b""
                if chunk:
                    texts[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    code = process.wait()
    return code, texts[out_master].decode().replace("\r\n", "\n"), texts[err_master].decode().replace("\r\n", "\n")


def piped(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guardtrail", *args],
        cwd=cwd,
        env={**os.environ, "TERM": "xterm-256color", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def long_history(repo: GitRepo, commits: int) -> None:
    """``commits`` more commits on ``main``, one small file each (git fast-import: fast)."""
    stream = [f"reset refs/heads/main\nfrom {repo.head()}\n"]
    for number in range(commits):
        content = f"value_{number} = {number}\n"
        stream.append(
            f"commit refs/heads/main\ncommitter Test Human <human@example.com> {1700000000 + number} +0000\n"
            f"data {len(f'change {number}')}\nchange {number}\n"
            f"M 100644 inline notes/n{number}.py\ndata {len(content)}\n{content}\n"
        )
    repo.git("fast-import", "--quiet", input="".join(stream))
    repo.git("reset", "-q", "--hard", "main")


def test_a_blocking_report_is_coloured_on_a_terminal_only(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.repo.write(".github/workflows/ci.yml", "on: push\njobs: {deploy: {}}\n")
    project.repo.commit("deploy", author=CLAUDE)
    cwd = project.repo.path

    code, out, _ = in_terminal(cwd, "check", "--base", "main")
    no_colour_code, no_colour, _ = in_terminal(cwd, "check", "--base", "main", NO_COLOR="1")
    pipe = piped(cwd, "check", "--base", "main")

    assert code == no_colour_code == pipe.returncode == 1
    assert out.startswith(f"guardtrail: {ESC}1m{ESC}31mBLOCK{ESC}0m ")
    assert f"  {ESC}1m{ESC}31mBLOCK{ESC}0m build-logic  .github/workflows/ci.yml:2" in out
    assert ESC not in no_colour
    assert ESC not in pipe.stdout
    assert no_colour == pipe.stdout  # the same report, only without colour


def test_progress_shows_on_a_terminal_for_a_long_history_scan(repo: GitRepo) -> None:
    long_history(repo, 150)

    code, out, err = in_terminal(repo.path, "scan", "--history")
    pipe = piped(repo.path, "scan", "--history")

    assert code == pipe.returncode == 0
    assert "\rguardtrail scan --history: 151/151 commits, " in err  # and the first commit
    assert " commits/s" in err
    assert err.endswith(f"\r{ESC}K")  # the line is cleared before the report
    assert "commits/s" not in out
    assert pipe.stderr == ""


def test_progress_shows_for_a_big_range_but_not_a_small_one(repo: GitRepo) -> None:
    base = repo.head()
    long_history(repo, 120)
    middle = repo.git("rev-parse", "main~20").strip()

    _, _, big = in_terminal(repo.path, "check", "--base", base)
    _, _, small = in_terminal(repo.path, "check", "--base", middle)

    assert "\rguardtrail check: 120/120 commits, " in big
    assert small == ""


def test_quiet_prints_nothing_when_the_verdict_passes(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("notes.txt", "plain\n")
    repo.commit("notes")

    quiet_check = piped(repo.path, "check", "--base", base, "--quiet")
    quiet_scan = piped(repo.path, "scan", "-q")
    long_history(repo, 120)
    _, terminal_out, terminal_err = in_terminal(repo.path, "scan", "--history", "--quiet")

    assert (quiet_check.returncode, quiet_check.stdout, quiet_check.stderr) == (0, "", "")
    assert (quiet_scan.returncode, quiet_scan.stdout) == (0, "")
    assert (terminal_out, terminal_err) == ("", "")  # no progress either


def test_quiet_still_reports_a_block(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("settings.py", 'TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"\n')  # pragma: allowlist secret
    repo.commit("token")

    result = piped(repo.path, "check", "--base", base, "--quiet")

    assert result.returncode == 1
    assert "  BLOCK secret       settings.py:1" in result.stdout


def test_the_commit_hook_colours_its_verdict_on_a_terminal_stderr(repo: GitRepo) -> None:
    repo.write("settings.py", 'TOKEN = "ghp_R7q2Lx9TzVb4Nw8Kp3Ys6Hd1Jm5Fc0Ga2Qe7"\n')  # pragma: allowlist secret
    repo.git("add", "settings.py")

    code, _, err = in_terminal(repo.path, "staged")
    _, _, plain = in_terminal(repo.path, "staged", NO_COLOR="1")

    assert code == 1
    assert err.startswith(f"guardtrail: {ESC}1m{ESC}31mBLOCK{ESC}0m  staged change: 1 staged file, 1 added line")
    assert plain.startswith("guardtrail: BLOCK  staged change: 1 staged file, 1 added line")
    assert ESC not in plain
