"""Build a repository whose commits replay a real source tree, file by file.

This machine has no network beyond package registries, so no public repository with a long
history can be cloned. The next best input for a benchmark is real code: this script takes the
text files of an installed package (or any folder) and commits them in order, a few files per
commit, then edits some of them again, so diffs carry real lines, real names and real literals.

    python benchmarks/replay_repo.py OUT_DIR [--source DIR] [--commits 600]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

import pip

DEFAULT_SOURCE = Path(pip.__file__).parent
TEXT_SUFFIXES = {".py", ".md", ".txt", ".cfg", ".toml", ".yaml", ".yml", ".json", ".rst"}
MAX_SOURCE_BYTES = 256 * 1024
SKIPPED_FOLDERS = {"site-packages", "__pycache__"}
"""Under the source tree, not replayed: given Python's standard library folder, the replay is
the standard library, not the third-party packages installed inside it."""


def _data(raw: bytes) -> bytes:
    return b"data %d\n" % len(raw) + raw + b"\n"


def _source_files(tree: Path, limit_bytes: int) -> list[tuple[str, bytes]]:
    files, total = [], 0
    for path in sorted(tree.rglob("*")):
        if path.suffix not in TEXT_SUFFIXES or SKIPPED_FOLDERS.intersection(path.relative_to(tree).parts[:-1]):
            continue
        data = path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_SOURCE_BYTES else b""
        if data and b"\0" not in data:
            files.append((path.relative_to(tree).as_posix(), data))
            total += len(data)
        if total >= limit_bytes:
            break
    return files


def build(target: Path, tree: Path, commits: int, limit_bytes: int = 10**9, seed: int = 11, *, edits: int = 0) -> None:
    """A repository whose commits add the text files of ``tree`` and then edit some of them;
    then ``edits`` more commits that each rewrite a few lines inside one to three files, as
    most commits of a mature project do."""
    rng = random.Random(seed)
    files = _source_files(tree, limit_bytes)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    stream = bytearray()
    per_commit = max(1, len(files) // max(1, commits // 2))
    pending = list(files)
    written: list[tuple[str, bytes]] = []
    current: dict[str, bytes] = {}
    for n in range(commits + edits):
        if pending:
            batch, pending = pending[:per_commit], pending[per_commit:]
        elif n < commits:  # append a few lines of another file
            path, data = rng.choice(written)
            donor = rng.choice(files)[1].splitlines(keepends=True)
            batch = [(path, data + b"".join(donor[: rng.randint(5, 40)]))]
        else:
            chosen = rng.sample(sorted(current), rng.randint(1, 3))
            batch = [_edited(rng, path, current[path], files) for path in chosen]
        written += batch
        current.update(batch)
        stream += b"commit refs/heads/main\nmark :%d\n" % (n + 1)
        stream += b"committer Dev <dev@example.com> %d +0000\n" % (1_700_000_000 + n * 60)
        stream += _data(b"commit %d" % n)
        if n:
            stream += b"from :%d\n" % n
        for path, data in batch:
            stream += b"M 100644 inline " + path.encode() + b"\n" + _data(data)
    subprocess.run(["git", "-C", str(target), "fast-import", "--quiet"], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(target), "reset", "-q", "--hard"], check=True)


def _edited(rng: random.Random, path: str, data: bytes, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """``path`` with a few lines somewhere inside it replaced by 3 to 20 lines of another file."""
    lines = data.splitlines(keepends=True)
    at = rng.randrange(len(lines) + 1)
    donor = rng.choice(files)[1].splitlines(keepends=True)
    start = rng.randrange(max(1, len(donor) - 20))
    lines[at : at + rng.randint(0, 5)] = donor[start : start + rng.randint(3, 20)]
    return path, b"".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--megabytes", type=float, default=20.0, help="source text to use at most")
    parser.add_argument("--edits", type=int, default=0, help="then this many commits editing lines inside files")
    args = parser.parse_args()
    build(args.out, args.source, args.commits, int(args.megabytes * 1e6), edits=args.edits)
    print(f"{args.out}: {args.commits + args.edits} commits replaying {args.source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
