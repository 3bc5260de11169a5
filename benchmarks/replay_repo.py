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
TEXT_SUFFIXES = {".py", ".txt", ".md", ".rst", ".cfg", ".toml", ".json", ".yaml", ".yml", ".ini", ".pem"}


def _data(raw: bytes) -> bytes:
    return b"data %d\n" % len(raw) + raw + b"\n"


def source_files(source: Path) -> list[Path]:
    return sorted(p for p in source.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)


def build(out: Path, source: Path, commits: int, seed: int = 11) -> int:
    """Commit ``source``'s files into a new repository at ``out``; the number of commits made."""
    rng = random.Random(seed)
    files = source_files(source)
    if not files:
        raise SystemExit(f"{source}: no text files to replay")
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    stream = bytearray()
    current: dict[Path, bytes] = {}
    pending = list(files)
    for n in range(commits):
        who = "Claude <noreply@anthropic.com>" if rng.random() < 0.1 else "Dev Person <dev@example.com>"
        stamp = 1_700_000_000 + n * 900
        stream += b"commit refs/heads/main\n"
        stream += f"author {who} {stamp} +0000\ncommitter {who} {stamp} +0000\n".encode()
        stream += _data(f"commit {n}\n".encode())
        batch = [pending.pop(0) for _ in range(min(len(pending), rng.randint(1, 3)))]
        if not batch:  # every file is in: edit existing ones by appending one of another file's lines
            batch = rng.sample(sorted(current), k=min(2, len(current)))
        for path in batch:
            if path in current:
                donor = rng.choice(files).read_bytes().splitlines()
                raw = current[path] + (rng.choice(donor) if donor else b"") + b"\n"
            else:
                raw = path.read_bytes()
            current[path] = raw
            rel = path.relative_to(source).as_posix()
            stream += f"M 100644 inline {rel}\n".encode() + _data(raw)
        stream += b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=out, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=out, check=True)
    return commits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--commits", type=int, default=600)
    args = parser.parse_args()
    count = build(args.out, args.source, args.commits)
    print(f"{args.out}: {count} commits replaying {args.source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
