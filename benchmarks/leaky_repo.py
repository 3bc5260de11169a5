"""Secrets found in a copy of Leaky Repo, beside betterleaks, in the same run.

    python benchmarks/leaky_repo.py FOLDER [--files]

Leaky Repo (github.com/Plazmaz/leaky-repo) is a folder of real-looking configuration files with
planted secrets; its ``.leaky-meta/secrets.csv`` lists, per file, how many lines hold a risky
secret and how many an informative one (175 in all). The corpus is not part of this repository:
copy it into FOLDER. Per file, a tool scores the number of distinct lines it reports, at most
the expected count, and the totals are printed per tool (the way the peers' published Leaky Repo
figures count). ``--files`` prints the per-file scores.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
from pathlib import Path

from secrets_recall import betterleaks_findings

from guardtrail.classify.secrets import SecretScanner


def expected_counts(folder: Path) -> dict[str, int]:
    """File (relative path) -> risky plus informative lines, from the corpus's own list."""
    with (folder / ".leaky-meta" / "secrets.csv").open(encoding="utf-8") as listing:
        rows = [row for row in csv.reader(listing) if row and not row[0].startswith("#")]
    return {name: int(risky) + int(informative) for name, risky, informative in rows}


def guardtrail_lines(folder: Path, names: list[str]) -> dict[str, set[int]]:
    scanner = SecretScanner()
    lines: dict[str, set[int]] = {}
    for name in names:
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            lines[name] = {finding.line for finding in scanner.scan_text("", name, text) if finding.line}
    return lines


def betterleaks_lines(folder: Path) -> dict[str, set[int]] | None:
    """File -> first lines of betterleaks' findings, or None without its binary."""
    with tempfile.TemporaryDirectory() as scratch:
        # betterleaks writes its report beside the folder it scans: scan a copy, not the corpus.
        root = Path(scratch) / "corpus"
        shutil.copytree(folder, root)
        findings = betterleaks_findings(root)
    if findings is None:
        return None
    lines: dict[str, set[int]] = {}
    for finding in findings:
        location = finding["location"]
        name = (root / location["path"]).relative_to(root).as_posix()
        lines.setdefault(name, set()).add(location["start_line"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", action="store_true", help="print each file's score per tool")
    options = parser.parse_args(argv)
    try:
        expected = expected_counts(options.folder)
    except (OSError, ValueError) as error:
        print(f"{options.folder}: no readable .leaky-meta/secrets.csv ({error})", file=sys.stderr)
        return 2
    names = sorted(expected)
    results = {"guardtrail": guardtrail_lines(options.folder, names)}
    betterleaks = betterleaks_lines(options.folder)
    if betterleaks is not None:
        results["betterleaks"] = betterleaks
    missing = [name for name in names if not (options.folder / name).is_file()]
    print(f"{len(names)} files listed, {len(missing)} missing from the copy, {sum(expected.values())} secrets")
    scores = {
        tool: {name: min(len(lines.get(name, ())), expected[name]) for name in names} for tool, lines in results.items()
    }
    if options.files:
        print(f"  {'file':46} {'exp':>4} " + " ".join(f"{tool:>12}" for tool in scores))
        for name in names:
            print(f"  {name:46} {expected[name]:>4} " + " ".join(f"{scores[tool][name]:>12}" for tool in scores))
    for tool, per_file in scores.items():
        print(f"{tool}: {sum(per_file.values())} of {sum(expected.values())}")
    if betterleaks is None:
        print("betterleaks: not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
