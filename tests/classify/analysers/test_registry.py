"""The registry: every analyser listed, every rule id it emits described."""

from __future__ import annotations

import re
from pathlib import Path

from guardtrail.classify.analysers import ANALYSERS, RULES

SOURCE = Path(__file__).parents[3] / "src" / "guardtrail" / "classify" / "analysers"


def test_every_analyser_module_is_registered() -> None:
    registered = {analyser.__module__.rsplit(".", 1)[-1] for analyser in ANALYSERS}
    assert registered == {"dependencies", "workflows", "ci_files", "auth", "agent_config"}


def test_every_emitted_rule_id_is_described() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in SOURCE.glob("*.py") if path.name != "__init__.py")
    emitted = set(re.findall(r'"((?:dependency|workflow|docker|ci|auth|agent)\.[a-z-]+)"', text))
    emitted |= {f"{family}.malformed" for family in ("dependency", "auth", "agent")}
    emitted |= {f"{family}.{rule}" for family in ("docker", "ci") for rule in ("pipe-to-shell", "remote-download")}
    assert emitted <= set(RULES)
    assert all(description and not description.endswith(".") for description in RULES.values())
