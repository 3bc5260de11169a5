"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF reader).

One run, one result per finding. Every ``ruleId`` used is described in ``rules[]``: from the
shipped rule files when one defines it, else from its category. ``partialFingerprints`` hash
the rule, the path and the finding's own fingerprint, never the line number or the commit, so
an alert survives a rebase. Secrets stay redacted: messages are the findings' own.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, NamedTuple

from guardtrail import __version__
from guardtrail.classify.surfaces import is_surface
from guardtrail.decide.gate import Decision
from guardtrail.model import Category, Finding, Verdict
from guardtrail.report.jsontext import dumps
from guardtrail.rule_files import RULE_FILES, load_rules

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
"""GitHub code scanning accepts at most this many results per run."""
FINGERPRINT_KEY = "guardtrailFinding/v1"


class CategoryHelp(NamedTuple):
    title: str
    help: str
    security_severity: str
    """GitHub's 0.1 to 10.0 scale: ≥ 9 critical, ≥ 7 high, ≥ 4 medium."""


CATEGORY_HELP: dict[Category, CategoryHelp] = {
    Category.SECRET: CategoryHelp(
        "A credential was committed",
        "A secret in a commit stays in the history. Rotate it, then remove it from every commit of the range."
        " An approval never clears a secret; only an approver's `Allow-secret: FINGERPRINT` trailer"
        " acknowledges a false positive.",
        "9.0",
    ),
    Category.BUILD_LOGIC: CategoryHelp(
        "An assistant changed build or CI logic",
        "CI, build files and hooks run with the pipeline's credentials. Review the change, then an approver"
        " listed in the base `.guardtrail.yml` approves it with `guardtrail approve`.",
        "7.5",
    ),
    Category.AUTH: CategoryHelp(
        "An assistant changed authentication or access control",
        "Auth code, CODEOWNERS, credentials files and access policies decide who may do what. Review the"
        " change, then an approver approves it with `guardtrail approve`.",
        "7.5",
    ),
    Category.DEPENDENCY: CategoryHelp(
        "An assistant changed dependencies",
        "A new or changed dependency runs code at install or build time; check its name (typosquats), source"
        " and version, then an approver approves it with `guardtrail approve`.",
        "5.5",
    ),
    Category.AGENT_CONFIG: CategoryHelp(
        "An assistant changed agent instructions or configuration",
        "Instruction files and agent settings steer what assistants do next. Review the change, then an"
        " approver approves it with `guardtrail approve`.",
        "6.5",
    ),
    Category.HIDDEN_TEXT: CategoryHelp(
        "Invisible or bidirectional characters were added",
        "Bidi controls, zero-width and Unicode tag characters make text read differently from what runs or"
        " what a model is told. Remove them unless they are intended.",
        "6.0",
    ),
    Category.INJECTION: CategoryHelp(
        "Text addressed to coding assistants was added",
        "Text that tells an AI agent reading the repository what to do (run a command, read keys, disable"
        " checks) steers the next assistant whoever wrote it. Remove it, or an approver approves it with"
        " `guardtrail approve`.",
        "7.0",
    ),
    Category.POLICY: CategoryHelp(
        "The guardtrail policy or its allowlists changed",
        "The policy is read from the base revision, so a change cannot loosen the rules it is judged by;"
        " changes to the policy, baselines or allowlists still need an approver from the base policy.",
        "8.0",
    ),
}


@functools.cache
def _described_rules() -> dict[str, str]:
    """Descriptions of the shipped rules that findings can name, by id."""
    return {rule.id: rule.description for name in RULE_FILES for rule in load_rules(name) if rule.category}


def level(verdict: Verdict) -> str:
    """SARIF level: ``error`` blocks, ``note`` is approved, ``warning`` otherwise."""
    if verdict.blocking:
        return "error"
    return "note" if verdict.approved_by else "warning"


def partial_fingerprint(finding: Finding) -> str:
    """Stable across runs and rebases: rule, path and the finding's own fingerprint or message."""
    key = "\0".join((finding.rule, finding.path, finding.fingerprint or finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def rule_descriptor(rule_id: str, category: Category) -> dict[str, Any]:
    info = CATEGORY_HELP[category]
    described = _described_rules().get(rule_id)
    short = described or f"{info.title} ({rule_id})"
    full = f"{described}. {info.title}." if described else f"{info.title}: rule {rule_id}."
    return {
        "id": rule_id,
        "name": rule_id.replace(".", "/"),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": info.help, "markdown": f"**{info.title}** ({category.value})\n\n{info.help}"},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "guardtrail", category.value],
            "security-severity": info.security_severity,
        },
    }


def _location(finding: Finding) -> dict[str, Any]:
    if is_surface(finding.path):
        return surface_location(finding)
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.path}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    return {"physicalLocation": physical}


def surface_location(finding: Finding) -> dict[str, Any]:
    """Where a finding on a commit's message, an identity or a tag stands: a logical location
    naming the surface of the object (``<sha>/commit-message``), and, since GitHub code
    scanning takes no result without one, a physical location whose artifact is the surface's
    name (no file of a tree), its region the line of that text (1: a message's subject)."""
    name = finding.path.removeprefix(":")
    logical = {"name": name, "fullyQualifiedName": f"{finding.commit}/{name}", "kind": "object"}
    physical: dict[str, Any] = {"artifactLocation": {"uri": name}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    return {"physicalLocation": physical, "logicalLocations": [logical]}


def _result(finding: Finding, verdict: Verdict, rule_index: int) -> dict[str, Any]:
    text = f"{finding.message} (commit {finding.commit[:10]})"
    if finding.details:
        text += "\n" + "\n".join(finding.details)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(verdict),
        "message": {"text": text},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(finding)},
        "properties": {"commit": finding.commit, "category": finding.category.value, "blocking": verdict.blocking},
    }
    if finding.confidence is not None:
        result["properties"]["confidence"] = finding.confidence.value
    if verdict.approved_by:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f"approved by {verdict.approved_by}"}
        ]
    return result


def sarif_log(decision: Decision) -> dict[str, Any]:
    """The SARIF log as a JSON-ready mapping."""
    findings = decision.judged[:MAX_RESULTS]
    rule_ids: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for finding, verdict in findings:
        if finding.rule not in rule_ids:
            rule_ids[finding.rule] = len(rules)
            rules.append(rule_descriptor(finding.rule, finding.category))
        results.append(_result(finding, verdict, rule_ids[finding.rule]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "guardtrail", "version": __version__, "semanticVersion": __version__, "rules": rules}
        },
        "automationDetails": {"id": "guardtrail/"},
        "results": results,
        "properties": {
            "verdict": decision.verdict,
            "base": decision.base,
            "head": decision.head,
            "blocking": len(decision.blocking),
            "omittedResults": len(decision.findings) - len(findings),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(decision: Decision) -> str:
    """Indented, with one result a line."""
    return dumps(sarif_log(decision), records=("results",))
