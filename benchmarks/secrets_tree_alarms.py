"""Secret findings on a tree of ordinary code, by rule, against another checkout in the same run.

    python benchmarks/secrets_tree_alarms.py --tree DIR [--compare OLD_CHECKOUT] [--show 3]

Third-party packages hold almost no live credentials, so what a change to the rules adds on
them is, to a first approximation, new false alarms. Every text file under DIR (code, data and
docs by extension, the first 400 kB of each) is scanned as if newly added, by this checkout's
scanner and, with ``--compare``, by ``OLD_CHECKOUT/src``'s in a subprocess; the script prints
the findings of each by rule and, for the rules whose count changed, a few of the lines
found only now (+) and only before (-).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

SUFFIXES = (".py", ".json", ".yaml", ".yml", ".md", ".txt", ".cfg", ".toml", ".rst", ".js", ".ini", ".sh", ".env")


def count(tree: Path) -> dict[str, list[str]]:
    """Each rule's findings under ``tree``, as ``path:line`` strings."""
    from guardtrail.classify.secrets.scanner import SecretScanner

    scanner = SecretScanner()
    found: dict[str, list[str]] = collections.defaultdict(list)
    for folder, _, names in os.walk(tree):
        for name in sorted(names):
            if not name.endswith(SUFFIXES):
                continue
            path = Path(folder) / name
            try:
                text = path.read_bytes()[:400_000].decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            relative = path.relative_to(tree).as_posix()
            for finding in scanner.scan_text("0" * 40, relative, text):
                found[finding.rule].append(f"{relative}:{finding.line}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="another checkout, whose src/ is imported")
    parser.add_argument("--show", type=int, default=3, help="lines shown per rule whose count changed")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the subprocess's output
    options = parser.parse_args(argv)
    current = count(options.tree)
    if options.json:
        print(json.dumps(current))
        return 0
    old: dict[str, list[str]] = {}
    if options.compare is not None:
        env = {**os.environ, "PYTHONPATH": str(options.compare.resolve() / "src")}
        done = subprocess.run(
            [sys.executable, "-P", __file__, "--tree", str(options.tree), "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        old = json.loads(done.stdout)
    print(f"tree: {options.tree}")
    print(f"  current: {sum(map(len, current.values()))} findings; compared: {sum(map(len, old.values()))}")
    for rule in sorted(set(current) | set(old), key=lambda r: -len(current.get(r, []))):
        now, before = current.get(rule, []), old.get(rule, [])
        if options.compare is None or len(now) != len(before):
            print(f"  {rule:40} {len(now):6} (was {len(before)})")
            for place in sorted(set(now) - set(before))[: options.show]:
                print(f"      + {place}")
            for place in sorted(set(before) - set(now))[: options.show]:
                print(f"      - {place}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
