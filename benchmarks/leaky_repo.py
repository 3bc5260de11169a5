"""Secrets found in a copy of Leaky Repo by guardtrail, betterleaks and detect-secrets, in the same run.

    python benchmarks/leaky_repo.py FOLDER [--files]

Leaky Repo (github.com/Plazmaz/leaky-repo) is a folder of real-looking configuration files with
planted secrets; its ``.leaky-meta/secrets.csv`` lists, per file, how many lines hold a risky
secret and how many an informative one (175 in all). The corpus is not part of this repository:
copy it into FOLDER.

Two scores per tool. ``capped``: per file, the number of distinct lines reported, at most the
expected count (the way the peers' published Leaky Repo figures count); a false finding there
stands in for a miss. So ``leaky_repo_lines.yaml`` (beside this script) says which lines hold
the planted values (a regex per file over the line's text, so a copy whose lines moved reads
the same), judged by reading the public corpus: ``risk`` counts the reported lines that hold
a credential, ``informative`` those that hold a user name, a host or an id, and ``other`` the
lines that hold neither (false alarms). ``--files`` prints, per file and tool,
each reported line with its rule and its kind (R risk, I informative, - other); never a value.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
from secrets_recall import betterleaks_findings

from guardtrail.classify.secrets import SecretScanner

LINES = Path(__file__).with_name("leaky_repo_lines.yaml")

Reported = dict[str, dict[int, set[str]]]
"""File -> line -> the rules reported there."""


def expected_counts(folder: Path) -> dict[str, int]:
    """File (relative path) -> risky plus informative lines, from the corpus's own list."""
    with (folder / ".leaky-meta" / "secrets.csv").open(encoding="utf-8") as listing:
        rows = [row for row in csv.reader(listing) if row and not row[0].startswith("#")]
    return {name: int(risky) + int(informative) for name, risky, informative in rows}


def planted_lines(folder: Path) -> dict[str, tuple[set[int], set[int]]]:
    """File -> (risk lines, informative lines) of the copy in ``folder``, by :data:`LINES`."""
    kinds = yaml.safe_load(LINES.read_text(encoding="utf-8"))
    planted: dict[str, tuple[set[int], set[int]]] = {}
    for name, patterns in kinds.items():
        path = folder / name
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n") if path.is_file() else []
        risk, info = (re.compile(patterns.get(kind, "(?!)")) for kind in ("risk", "informative"))
        planted[name] = (
            {number for number, line in enumerate(lines, start=1) if risk.search(line)},
            {number for number, line in enumerate(lines, start=1) if info.search(line) and not risk.search(line)},
        )
    return planted


def guardtrail_lines(folder: Path, names: list[str]) -> Reported:
    scanner = SecretScanner()
    lines: Reported = {}
    for name in names:
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for finding in scanner.scan_text("", name, text):
                if finding.line:
                    lines.setdefault(name, {}).setdefault(finding.line, set()).add(finding.rule.removeprefix("secret."))
    return lines


def detect_secrets_lines(folder: Path, names: list[str]) -> Reported:
    """detect-secrets' default plugins and filters, as ``detect-secrets scan`` runs them."""
    lines: Reported = {}
    with default_settings():
        collection = SecretsCollection(root=str(folder))
        for name in names:
            if (folder / name).is_file():
                collection.scan_file(name)
        for name in collection.files:
            for secret in collection[name]:
                lines.setdefault(name, {}).setdefault(secret.line_number, set()).add(secret.type)
    return lines


def betterleaks_lines(folder: Path) -> Reported | None:
    """File -> first lines of betterleaks' findings, or None without its binary."""
    with tempfile.TemporaryDirectory() as scratch:
        # betterleaks writes its report beside the folder it scans: scan a copy, not the corpus.
        root = Path(scratch) / "corpus"
        shutil.copytree(folder, root)
        findings = betterleaks_findings(root)
    if findings is None:
        return None
    lines: Reported = {}
    for finding in findings:
        location = finding["location"]
        name = (root / location["path"]).relative_to(root).as_posix()
        lines.setdefault(name, {}).setdefault(location["start_line"], set()).add(finding["rule_id"])
    return lines


def kind(name: str, line: int, planted: dict[str, tuple[set[int], set[int]]]) -> str:
    risk, info = planted.get(name, (set(), set()))
    return "R" if line in risk else "I" if line in info else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", action="store_true", help="print each file's reported lines per tool")
    options = parser.parse_args(argv)
    try:
        expected = expected_counts(options.folder)
    except (OSError, ValueError) as error:
        print(f"{options.folder}: no readable .leaky-meta/secrets.csv ({error})", file=sys.stderr)
        return 2
    planted = planted_lines(options.folder)
    names = sorted(expected)
    results = {"guardtrail": guardtrail_lines(options.folder, names)}
    betterleaks = betterleaks_lines(options.folder)
    if betterleaks is not None:
        results["betterleaks"] = betterleaks
    results["detect-secrets"] = detect_secrets_lines(options.folder, names)
    present = [name for name in names if (options.folder / name).is_file()]
    risk_total = sum(len(planted.get(name, ((), ()))[0]) for name in present)
    info_total = sum(len(planted.get(name, ((), ()))[1]) for name in present)
    print(
        f"{len(names)} files listed, {len(names) - len(present)} missing from the copy, {sum(expected.values())}"
        f" secrets; in the files present, {risk_total} risk and {info_total} informative lines ({LINES.name})"
    )
    if options.files:
        for name in names:
            print(f"  {name} (expected {expected[name]})")
            for tool, reported in results.items():
                found = sorted(reported.get(name, {}).items())
                shown = " ".join(
                    f"{line}:{'+'.join(sorted(rules))}({kind(name, line, planted)})" for line, rules in found
                )
                print(f"      {tool:15} {shown}")
    print(f"  {'tool':15} {'capped':>7} {'risk':>9} {'informative':>12} {'other':>6}")
    for tool, reported in results.items():
        capped = sum(min(len(reported.get(name, {})), expected[name]) for name in names)
        kinds = [kind(name, line, planted) for name in names for line in reported.get(name, {})]
        print(
            f"  {tool:15} {capped:>7} {kinds.count('R'):>4} of {risk_total:<3} {kinds.count('I'):>12}"
            f" {kinds.count('-'):>6}"
        )
    if betterleaks is None:
        print("betterleaks: not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
