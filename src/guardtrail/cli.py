"""Command-line interface: parse arguments, call a command, map the outcome to an exit code.

Exit codes: 0 nothing blocks; 1 something blocks; 2 usage, repository or policy error;
130 interrupted (SIGINT), 143 terminated (SIGTERM): nothing reported, workers and git stopped.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.decorators import FC

from guardtrail import __version__
from guardtrail.errors import (
    STOP_SIGNALS,
    GuardtrailError,
    Stopped,
    clear_stops,
    raise_if_stopped,
    record_stop,
    stop_code,
)

if TYPE_CHECKING:
    from guardtrail.decide.gate import Decision
    from guardtrail.terminal import Progress

EXIT_PASS, EXIT_BLOCK, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT
"""Interrupted (SIGINT, Ctrl-C): 130 as shells report it; SIGTERM exits 143 (:class:`Stopped`)."""
FORMATS = ("text", "json", "sarif", "github")


def _write(text: str, output: str | None) -> None:
    raise_if_stopped()
    if output is None or output == "-":
        _echo(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GuardtrailError(f"cannot write {output}: {exc.strerror}") from None


def _echo(text: str, *, err: bool = False) -> None:
    """Print a report, its verdict and marks coloured when the stream is a terminal without NO_COLOR."""
    from guardtrail.terminal import colourise, wants_colour

    colour = wants_colour(sys.stderr if err else sys.stdout, os.environ)
    click.echo(colourise(text) if colour else text, nl=False, err=err, color=colour)


def _report(decision: Decision, fmt: str, output: str | None, *, quiet: bool) -> None:
    """The decision in ``fmt`` to ``output`` (standard output by default); with ``quiet``, a
    passing verdict prints nothing on standard output (a file given with --output is still written)."""
    from guardtrail.report import Format, render

    if quiet and decision.exit_code == 0 and (output is None or output == "-"):
        return
    _write(render(decision, Format(fmt)), output)


def _progress(what: str, *, enabled: bool) -> AbstractContextManager[Progress | None]:
    """Progress on stderr for long work, only when stderr is a terminal."""
    from guardtrail.terminal import progress_on

    return progress_on(sys.stderr, what, enabled=enabled)


_QUIET = click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing on standard output when the verdict passes (exit 0)."
)
_POLICY_REF = click.option("--policy-ref", help="Read the policy from this revision instead of the base.")


def _format_option(help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help=help_text
    )


_AUDIT_LOG = click.option("--audit-log", help="Append one JSON line per decision to FILE.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guardtrail")
def cli() -> None:
    """Guard a repository against what AI coding assistants commit."""


@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository to check.")
@click.option("--base", help="Base revision (default: merge-base of HEAD with the default branch).")
@click.option("--head", help="Head revision (default: HEAD).")
@_POLICY_REF
@_format_option("text, json, sarif (SARIF 2.1.0 for code scanning) or github (Actions annotations).")
@click.option("--output", help="Write the report to FILE instead of standard output.")
@_AUDIT_LOG
@_QUIET
def check(
    repo: str,
    base: str | None,
    head: str | None,
    policy_ref: str | None,
    fmt: str,
    output: str | None,
    audit_log: str | None,
    quiet: bool,
) -> int:
    """Run the gate over every commit in BASE..HEAD."""
    from guardtrail.commands.check import CheckOptions, append_audit_log, run_check

    options = CheckOptions(repo=Path(repo), base=base, head=head, policy_ref=policy_ref)
    with _progress("guardtrail check", enabled=not quiet) as progress:
        decision = run_check(options, progress=progress)
    _report(decision, fmt, output, quiet=quiet)
    if audit_log:
        append_audit_log(decision, audit_log)
    return decision.exit_code


@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository to approve in.")
@click.option("--base", help="Base revision of the range to approve (default as for check).")
@click.option(
    "--allow-secret",
    "allow_secrets",
    multiple=True,
    metavar="FINGERPRINT",
    help="Acknowledge a false-positive secret by its fingerprint (repeatable).",
)
def approve(repo: str, base: str | None, allow_secrets: tuple[str, ...]) -> int:
    """Create a signed approval commit for the gated changes of the range."""
    from guardtrail.commands.approve import ApproveOptions, run_approve

    sha = run_approve(ApproveOptions(repo=Path(repo), base=base, allow_secrets=allow_secrets))
    click.echo(f"Created signed approval commit {sha[:10]}. Push it with the branch; the check re-runs.")
    return EXIT_PASS


@cli.command()
def demo() -> int:
    """Show the gate on a throwaway repository: blocked, approved, passed."""
    from guardtrail.commands.demo import run_demo

    return run_demo(lambda text: click.echo(text, nl=False))


# ---- hook commands (staged, commit-msg, pre-push, pre-receive, install, uninstall) go here ----


def _hook_env() -> tuple[dict[str, str], Path]:
    return dict(os.environ), Path.cwd()


def _hook_stdin() -> str:
    """What git wrote to the hook's stdin (nothing when run by hand from a terminal)."""
    return "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()


@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository whose staged change to scan.")
@click.argument("files", nargs=-1)
def staged(repo: str, files: tuple[str, ...]) -> int:
    """Scan the staged change (pre-commit hook): secrets block; sensitive changes block for assistants.

    FILES (what pre-commit passes) are also scanned for secrets in the working tree: all of them
    when no commit is in progress (pre-commit run --all-files / --files), else those with no
    staged change."""
    from guardtrail.commands.staged import StagedOptions, render_staged, run_staged

    environ, cwd = _hook_env()
    result = run_staged(StagedOptions(repo=Path(repo), environ=environ, cwd=cwd, files=files))
    _echo(render_staged(result), err=True)
    return result.exit_code


@cli.command("commit-msg")
@click.argument("message_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repo", default=".", show_default=True, help="Repository being committed to.")
@click.option("--attribute-assistant/--no-attribute-assistant", default=False, help="Add 'Assisted-by: <agent>'.")
def commit_msg(message_file: Path, repo: str, attribute_assistant: bool) -> int:
    """Check the commit message (commit-msg hook): approval trailers, assistant markers."""
    from guardtrail.commands.commit_msg import CommitMsgOptions, run_commit_msg

    environ, cwd = _hook_env()
    options = CommitMsgOptions(message_file, Path(repo), environ, cwd, attribute_assistant=attribute_assistant)
    result = run_commit_msg(options)
    click.echo(result.report, nl=False, err=True)
    return result.exit_code


_HOOK_TYPE = click.option(
    "--hook-type",
    "hook_types",
    multiple=True,
    type=click.Choice(("pre-commit", "commit-msg", "pre-push", "pre-receive")),
    help="Hook to (un)install (repeatable; default: pre-commit, commit-msg and pre-push).",
)
_HOOKS_PATH = click.option("--hooks-path", type=click.Path(file_okay=False, path_type=Path), help="Hooks folder.")


@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository to install into.")
@_HOOKS_PATH
@_HOOK_TYPE
def install(repo: str, hooks_path: Path | None, hook_types: tuple[str, ...]) -> int:
    """Install guardtrail's git hooks; an existing hook is kept as <name>.local and runs first."""
    from guardtrail.commands.install import DEFAULT_TYPES, InstallOptions, run_install

    for line in run_install(InstallOptions(Path(repo), hooks_path, hook_types or DEFAULT_TYPES)):
        click.echo(line)
    click.echo("Client hooks are advice: --no-verify skips them; the CI check or the server hook enforces.")
    return EXIT_PASS


@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository to uninstall from.")
@_HOOKS_PATH
@_HOOK_TYPE
def uninstall(repo: str, hooks_path: Path | None, hook_types: tuple[str, ...]) -> int:
    """Remove guardtrail's git hooks and restore the hooks they replaced."""
    from guardtrail.commands.install import HOOK_TYPES, InstallOptions, run_uninstall

    for line in run_uninstall(InstallOptions(Path(repo), hooks_path, hook_types or HOOK_TYPES)):
        click.echo(line)
    return EXIT_PASS


@cli.command("pre-push")
@click.argument("remote", default="origin")
@click.argument("url", required=False)
@click.option("--repo", default=".", show_default=True, help="Repository being pushed from.")
def pre_push(remote: str, url: str | None, repo: str) -> int:
    """Run the gate over the commits being pushed (pre-push hook; reads git's ref lines on stdin)."""
    from guardtrail.commands.pre_push import PrePushOptions, run_pre_push

    environ, _ = _hook_env()
    options = PrePushOptions(environ.get("PRE_COMMIT_REMOTE_NAME", remote), Path(repo), _hook_stdin(), environ)
    result = run_pre_push(options)
    _echo(result.report, err=True)
    return result.exit_code


@cli.command("pre-receive")
@click.option("--repo", default=".", show_default=True, help="The receiving repository.")
@click.option(
    "--max-commits",
    type=click.IntRange(min=1),
    help="Reject a push of more new commits than N, saying to push in parts (servers with a hook time limit).",
)
def pre_receive(repo: str, max_commits: int | None) -> int:
    """Server hook: gate every pushed ref (reads '<old> <new> <ref>' lines); rejects on block or error."""
    from guardtrail.commands.pre_receive import PreReceiveOptions, run_pre_receive

    environ, _ = _hook_env()
    result = run_pre_receive(PreReceiveOptions(Path(repo), _hook_stdin(), environ, max_commits))
    click.echo(result.report, nl=False, err=True)
    return result.exit_code


# ---- CI commands (ci) go here ----
@cli.command()
@click.option("--repo", help="The checkout (default: $GITHUB_WORKSPACE, else the current folder).")
@click.option("--base", help="Base revision (default: from the event).")
@click.option("--head", help="Head revision (default: from the event).")
@_POLICY_REF
@_format_option("Report printed after the annotations (github: annotations only).")
@click.option("--sarif-file", help="Write a SARIF 2.1.0 report to FILE for code scanning.")
@click.option(
    "--fail-on",
    type=click.Choice(("blocking", "any", "never")),
    default="blocking",
    show_default=True,
    help="Exit 1 when the verdict blocks, on any finding, or never (report only).",
)
@_AUDIT_LOG
@click.option(
    "--fetch/--no-fetch",
    default=True,
    show_default=True,
    help="Deepen a shallow checkout until the whole range is readable.",
)
def ci(
    repo: str | None,
    base: str | None,
    head: str | None,
    policy_ref: str | None,
    fmt: str,
    sarif_file: str | None,
    fail_on: str,
    audit_log: str | None,
    fetch: bool,
) -> int:
    """Run the gate in GitHub Actions: range from the event; annotations, summary, outputs, SARIF."""
    from guardtrail.commands.ci import CiOptions, run_ci
    from guardtrail.report import Format

    options = CiOptions(
        env=dict(os.environ),
        repo=Path(repo) if repo else None,
        base=base,
        head=head,
        policy_ref=policy_ref,
        fmt=Format(fmt),
        sarif_file=Path(sarif_file) if sarif_file else None,
        fail_on=fail_on,
        audit_log=Path(audit_log) if audit_log else None,
        fetch=fetch,
    )
    return run_ci(options, lambda text: click.echo(text, nl=False))


# ---- audit log commands (audit verify) go here ----
@cli.group()
def audit() -> None:
    """Work with guardtrail's audit log (--audit-log FILE)."""


@audit.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--expect", metavar="HASH", help="The last record hash kept elsewhere (ci prints it in the job summary).")
def audit_verify(file: Path, expect: str | None) -> int:
    """Check FILE's hash chain: exit 0 intact, 1 tampered (first bad line named), 2 unreadable."""
    from guardtrail.commands.audit import VerifyOptions, run_verify

    code, message = run_verify(VerifyOptions(file, expect))
    click.echo(f"guardtrail: {message}", err=code != EXIT_PASS)
    return code


# ---- secret scanning commands (scan) go here ----
@cli.command()
@click.option("--repo", default=".", show_default=True, help="Repository to scan.")
@click.option(
    "--history",
    is_flag=True,
    help="Scan every commit of every ref (branches, tags, stashes) instead of the working tree.",
)
@_format_option("Report format.")
@click.option("--output", help="Write the report to FILE instead of standard output.")
@click.option(
    "--write-baseline",
    metavar="FILE",
    help="Also write every secret found to FILE, a detect-secrets baseline (e.g. .secrets.baseline).",
)
@_QUIET
@click.argument("paths", nargs=-1)
def scan(
    repo: str,
    history: bool,
    fmt: str,
    output: str | None,
    write_baseline: str | None,
    quiet: bool,
    paths: tuple[str, ...],
) -> int:
    """Scan the working tree (or PATHS), or with --history every commit, for secrets."""
    from guardtrail.commands.scan import ScanOptions, run_scan

    baseline = Path(write_baseline) if write_baseline else None
    options = ScanOptions(repo=Path(repo), history=history, paths=paths, write_baseline=baseline)
    with _progress("guardtrail scan --history", enabled=history and not quiet) as progress:
        decision = run_scan(options, progress=progress)
    _report(decision, fmt, output, quiet=quiet)
    return decision.exit_code


def _shown(message: str) -> str:
    """An error's message with any secret it quotes (a path, a ref, a line) redacted; as it is
    when the redaction itself cannot run, since an error must still be said."""
    from guardtrail.classify.secrets.redaction import redact_text

    try:
        return redact_text(message)
    except Exception:  # the error being reported matters more than its redaction
        return message


def _stop(signal_number: int, _frame: object) -> None:
    """SIGINT and SIGTERM: remembered, then raised as :func:`raise_if_stopped` raises a stop."""
    record_stop(signal_number)
    raise_if_stopped()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code instead of exiting, for tests. SIGTERM stops the run
    as Ctrl-C does, through every ``finally`` (the handler is this call's only)."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    clear_stops()
    previous = {number: signal.signal(number, _stop) for number in STOP_SIGNALS}
    try:
        code = _main(argv)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    stopped = stop_code()
    if stopped is not None and code != stopped:  # its exception was swallowed: still a stop
        click.echo("guardtrail: stopped by a signal", err=True)
        return stopped
    return code


def _main(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="guardtrail", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort as exc:
        interrupted = isinstance(exc.__cause__, KeyboardInterrupt)
        click.echo("guardtrail: interrupted: nothing was reported" if interrupted else "guardtrail: aborted", err=True)
        return EXIT_INTERRUPTED if interrupted else EXIT_ERROR
    except Stopped as exc:
        click.echo("guardtrail: stopped by a signal: nothing was reported", err=True)
        return exc.exit_code
    except GuardtrailError as exc:
        click.echo(f"guardtrail: error: {_shown(str(exc))}", err=True)
        return EXIT_ERROR
    except Exception as exc:  # a bug must still not dump a traceback on the user
        if os.environ.get("GUARDTRAIL_DEBUG"):
            raise
        reason = _shown(str(exc))
        click.echo(
            f"guardtrail: internal error: {type(exc).__name__}: {reason} (set GUARDTRAIL_DEBUG=1 for details)",
            err=True,
        )
        return EXIT_ERROR
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
