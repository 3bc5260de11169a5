"""Family recall and false alarms on cases taken from TruffleHog's detector tests.

    python benchmarks/trufflehog_cases.py [/tmp/trufflehog-cases] [--misses]

TruffleHog's detector tests (``pkg/detectors/<family>/<family>_test.go``) hold, per provider,
inputs its detector must find (``validPattern`` inside text such as ``"<keyword> token =
'<value>'"``) and inputs it must not (``invalidPattern``: one character off, a length short).
They are written by other people from the providers' formats, so they measure how far
guardtrail's rules reach beyond the examples the rules were written with. The cases are not
part of this repository: extract them into a folder, one case per file, named
``<family>.valid.<n>.txt`` or ``<family>.invalid.<n>.txt`` (the text of the test input as the
test builds it). This script scans every file with guardtrail's secret scanner and, in the same
run, with betterleaks (its default rules; left out when its binary is missing), and prints per
tool:

- family recall: the share of families with at least one valid case found;
- false alarms: the share of invalid cases that raise any finding.

``--misses`` lists the families each tool missed and the invalid cases it alarmed on.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from secrets_recall import betterleaks_hits

from guardtrail.classify.secrets.scanner import SecretScanner


@dataclass(frozen=True)
class Case:
    """One extracted test input."""

    path: Path
    """The file holding the input."""
    family: str
    """The TruffleHog detector it comes from (its folder name)."""
    valid: bool
    """True for an input the detector must find, False for one it must not."""


def load_cases(folder: Path) -> list[Case]:
    """The cases in ``folder``, from their file names; other files are ignored."""
    cases = []
    for path in sorted(folder.glob("*.txt")):
        parts = path.name.split(".")
        if len(parts) == 4 and parts[1] in {"valid", "invalid"}:
            cases.append(Case(path, parts[0], parts[1] == "valid"))
    return cases


def guardtrail_hits(cases: list[Case]) -> set[Path]:
    scanner = SecretScanner()
    return {case.path for case in cases if scanner.scan_text("", case.path.name, case.path.read_text(encoding="utf-8"))}


def report(tool: str, hits: set[Path], cases: list[Case], misses: bool) -> None:
    families = sorted({case.family for case in cases if case.valid})
    found = {case.family for case in cases if case.valid and case.path in hits}
    invalid = [case for case in cases if not case.valid]
    alarms = [case for case in invalid if case.path in hits]
    print(f"{tool}:")
    print(f"  family recall {len(found) / len(families):.3f}  ({len(found)}/{len(families)} families)")
    if invalid:
        print(f"  false alarms  {len(alarms) / len(invalid):.3f}  ({len(alarms)}/{len(invalid)} invalid cases)")
    if misses:
        print(f"  missed: {' '.join(family for family in families if family not in found) or '-'}")
        print(f"  alarmed: {' '.join(case.path.name for case in alarms) or '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="/tmp/trufflehog-cases", type=Path)
    parser.add_argument("--misses", action="store_true", help="list missed families and alarmed invalid cases")
    options = parser.parse_args(argv)
    cases = load_cases(options.folder)
    if not any(case.valid for case in cases):
        print(f"no <family>.valid.<n>.txt cases in {options.folder}", file=sys.stderr)
        return 2
    print(f"cases: {len(cases)} files, {len({case.family for case in cases})} families")
    results = {"guardtrail": guardtrail_hits(cases)}
    with tempfile.TemporaryDirectory() as scratch:
        # betterleaks scans a folder and reports paths inside it: give it a copy of the cases.
        root = Path(scratch) / "cases"
        shutil.copytree(options.folder, root)
        betterleaks = betterleaks_hits(root)
    if betterleaks is not None:
        results["betterleaks"] = {options.folder / path.relative_to(root) for path in betterleaks}
    for tool, hits in results.items():
        report(tool, hits, cases, options.misses)
    if betterleaks is None:
        print("betterleaks: not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
