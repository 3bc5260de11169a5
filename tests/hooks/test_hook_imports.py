"""The one-file pre-commit hook imports only what it uses: no libgit2, no PyYAML once the
rule cache holds the shipped rules, no provider-table builder, no approval statements."""

from __future__ import annotations

import subprocess
import sys

from tests.gitrepo import GitRepo
from tests.hooks.helpers import hook_env

_PROBE = """
import sys
from guardtrail.cli import main
code = main(["staged"])
heavy = ("pygit2", "yaml", "detect_secrets", "guardtrail.rule_table", "guardtrail.decide.statements")
print(code, sorted(name for name in heavy if name in sys.modules))
"""


def _probe(repo: GitRepo) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=repo.path, env=hook_env(), capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_plain_staged_edit_loads_neither_libgit2_nor_yaml(repo: GitRepo) -> None:
    repo.write("app.py", "def changed(x):\n    return x * 2\n")
    repo.git("add", "app.py")
    _probe(repo)  # the first run may build the rule cache (and import PyYAML for that)

    assert _probe(repo) == "0 []"


def test_a_committed_policy_loads_yaml_to_read_it(repo: GitRepo) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\n")
    repo.commit("policy")
    repo.write("app.py", "def changed(x):\n    return x * 2\n")
    repo.git("add", "app.py")

    assert _probe(repo) == "0 ['yaml']"


def test_a_staged_binary_loads_libgit2_and_the_prefixed_rules_examples(repo: GitRepo) -> None:
    repo.write("logo.bin", b"\x00\x01binary\x00")
    repo.git("add", "logo.bin")

    assert _probe(repo) == "0 ['guardtrail.rule_table', 'pygit2']"
