"""The rule cache: built rule tables kept in the user's cache folder, trusted for speed only."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guardtrail import rule_cache
from guardtrail.rule_cache import RuleFile, cache_dir, cached, entry_key
from guardtrail.rule_files import RULE_FILES, _source, documented_examples, load_rules
from guardtrail.rules import Rule
from tests.gitrepo import GitRepo
from tests.hooks.helpers import GITHUB_TOKEN

_PROBE = """
import sys
from guardtrail.rule_files import RULE_FILES, load_rules
rules = [rule for name in RULE_FILES for rule in load_rules(name)]
print(len(rules), "yaml" in sys.modules)
"""


def _facts(rules: tuple[Rule, ...]) -> list[tuple[object, ...]]:
    """Every field of each rule, its examples as the strings they hold (the cache keeps a
    provider row's derived examples as the row, built when read)."""
    return [
        (
            *(getattr(rule, spec.name) for spec in dataclasses.fields(Rule) if spec.name != "examples"),
            rule.examples.match,
            rule.examples.no_match,
        )
        for rule in rules
    ]


def _shipped(name: str) -> RuleFile:
    return RuleFile(load_rules(name), documented_examples(name))


def _entry(folder: Path, name: str) -> Path:
    (path,) = folder.glob(f"guardtrail/rules-{name}-*.json")
    return path


def _probe(cache: Path, cwd: Path | None = None) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=env, cwd=cwd)
    return done.stdout.strip()


@pytest.mark.parametrize("name", RULE_FILES)
def test_an_entry_reads_back_as_the_rules_it_was_built_from(name: str, tmp_path: Path) -> None:
    path = tmp_path / "entry.json"
    rule_cache.write_entry(path, "k", _shipped(name))

    found = rule_cache.read_entry(path, "k")

    assert found is not None
    assert _facts(found.rules) == _facts(load_rules(name))  # examples too: the providers' derived ones
    assert found.documented == documented_examples(name)
    assert [rule.regex.pattern for rule in found.rules if rule.pattern] == [
        rule.pattern for rule in load_rules(name) if rule.pattern
    ]


def test_a_second_process_reads_the_rules_without_parsing_yaml(tmp_path: Path) -> None:
    total = sum(len(load_rules(name)) for name in RULE_FILES)

    assert _probe(tmp_path) == f"{total} True"
    assert sorted(path.name.split("-")[1] for path in (tmp_path / "guardtrail").iterdir()) == sorted(RULE_FILES)
    assert _probe(tmp_path) == f"{total} False"


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "[]",
        lambda text: text.replace(f'"format": {rule_cache.FORMAT}', '"format": 99'),
        lambda text: text.replace('"key": "', '"key": "0'),  # built from other bytes
        lambda text: text.replace('"secret.github-token"', "7"),  # a field of the wrong type
        lambda text: text.replace('"secret",', '"no-such-category",', 1),
        lambda text: text.replace('", "hex", ', '", 5, ', 1),  # a provider row's alphabet
        lambda text: text.replace('"columns": [[', '"columns": [[], [', 1),
    ],
)
def test_a_damaged_or_foreign_entry_is_ignored_and_built_again(damage: object, tmp_path: Path) -> None:
    _, data = _source("secrets")
    path = tmp_path / "guardtrail" / f"rules-secrets-{entry_key('secrets', data)[:32]}.json"
    rule_cache.write_entry(path, entry_key("secrets", data), _shipped("secrets"))
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    built: list[str] = []

    def build() -> RuleFile:
        built.append("built")
        return _shipped("secrets")

    os.environ["XDG_CACHE_HOME"] = str(tmp_path)  # the sealed environment restores it
    found = cached("secrets", data, build)

    assert built == ["built"]
    assert _facts(found.rules) == _facts(load_rules("secrets"))
    assert json.loads(path.read_text(encoding="utf-8"))["key"] == entry_key("secrets", data)  # mended


def test_an_entry_is_keyed_by_the_rule_file_bytes() -> None:
    _, data = _source("secrets")

    assert entry_key("secrets", data) != entry_key("secrets", data + b"\n")
    assert entry_key("secrets", data) != entry_key("paths", data)


def test_the_cache_lives_in_the_users_folder_never_a_relative_one() -> None:
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/me"}) == Path("/var/cache/me/guardtrail")
    assert cache_dir({"XDG_CACHE_HOME": ".cache", "HOME": "/home/me"}) == Path("/home/me/.cache/guardtrail")
    assert cache_dir({"HOME": "/home/me"}) == Path("/home/me/.cache/guardtrail")
    assert cache_dir({"XDG_CACHE_HOME": "cache", "HOME": "home"}) is None


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    total = sum(len(load_rules(name)) for name in RULE_FILES)

    assert _probe(blocker) == f"{total} True"
    assert _probe(blocker) == f"{total} True"


def test_a_cache_planted_in_the_repository_is_never_read(repo: GitRepo, sealed_env: Path) -> None:
    # Valid entries for the shipped rule files, but with every secret rule gone, planted where a
    # relative XDG_CACHE_HOME would point: the hook must still find the token.
    planted = repo.path / ".cache"
    for name in RULE_FILES:
        _, data = _source(name)
        key = entry_key(name, data)
        kept = RuleFile((), frozenset()) if name == "secrets" else _shipped(name)
        rule_cache.write_entry(planted / "guardtrail" / f"rules-{name}-{key[:32]}.json", key, kept)
    assert rule_cache.read_entry(_entry(planted, "secrets"), entry_key("secrets", _source("secrets")[1])) == RuleFile(
        (), frozenset()
    )
    repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    repo.git("add", "settings.py")
    env = {**os.environ, "XDG_CACHE_HOME": ".cache", "HOME": str(sealed_env)}

    done = subprocess.run(
        [sys.executable, "-m", "guardtrail", "staged"], cwd=repo.path, env=env, capture_output=True, text=True
    )

    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[1].startswith("  BLOCK secret       settings.py:1  GitHub token")
