"""The policy tells you its mistakes: each is one line naming ``.guardtrail.yml`` and the line,
and the command stops with exit 2 instead of judging by a policy it misread."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardtrail.classify.pipeline import policy_scanner
from guardtrail.cli import main
from guardtrail.errors import GuardtrailError
from guardtrail.policy import parse_policy
from tests.gitrepo import ACME_RULE, CLAUDE, GitRepo

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq2ZmFrZWtleWZvcnRlc3RzMDEyMzQ1Njc4OWFiY2Q alice"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"approvers:\n  - name: A\n    email: a@x.org\n    key: [{KEY}]\n",
            ".guardtrail.yml:4: unknown key 'key' in an approver (expected one of: name, email, keys)",
        ),
        ("mode: assistant\nignore: [a]\nmode: unsigned\n", ".guardtrail.yml:3: duplicate key 'mode' in the policy"),
        (
            f"approvers:\n  - name: A\n    email: a@x.org\n    keys: [{KEY}]\n    email: b@x.org\n",
            ".guardtrail.yml:5: duplicate key 'email' in an approver",
        ),
        ("paths:\n  auth: [a]\n  auth: [b]\n", ".guardtrail.yml:3: duplicate key 'auth' in paths"),
        ("approvers: alice\n", ".guardtrail.yml:1: approvers must be a list"),
        ("baseline: [a, b]\n", ".guardtrail.yml:1: baseline must be a non-empty string"),
        (
            "secrets:\n  rule: []\n",
            ".guardtrail.yml:2: unknown key 'rule' in secrets (expected one of: rules, disable)",
        ),
        ("secrets:\n  rules: {id: x}\n", ".guardtrail.yml:2: secrets.rules must be a list"),
        (
            "secrets:\n  rules:\n    - id: acme\n      regex: 'acme_[a-z'\n",
            ".guardtrail.yml:4: secret rule acme: invalid regex: unterminated character set",
        ),
        ("secrets:\n  rules:\n    - id: acme\n", ".guardtrail.yml:3: secret rule needs 'regex'"),
        (
            "secrets:\n  rules:\n    - id: acme\n      regex: a\n      pattern: b\n",
            ".guardtrail.yml:5: unknown key 'pattern' in a secret rule",
        ),
        (
            "secrets:\n  rules:\n    - id: Acme Key\n      regex: a\n",
            ".guardtrail.yml:3: secret rule id 'Acme Key': use lower-case letters",
        ),
        (
            ACME_RULE + "      examples:\n        match: ['acme_short']\n",
            ".guardtrail.yml:8: secret rule acme-api-key: match example 1 is not found by the rule",
        ),
        (
            ACME_RULE + "      examples:\n        no_match: ['x', 'acme_0123456789abcdef0123456789abcdef']\n",
            ".guardtrail.yml:8: secret rule acme-api-key: no_match example 2 is found by the rule",
        ),
        (
            ACME_RULE + "      examples:\n        no-match: []\n",
            ".guardtrail.yml:8: unknown key 'no-match' in examples of acme-api-key",
        ),
    ],
)
def test_each_mistake_is_named_with_its_line(text: str, message: str) -> None:
    with pytest.raises(GuardtrailError) as error:
        parse_policy(text, ".guardtrail.yml")
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "secrets:\n  rules:\n    - id: secret.jwt\n      regex: a\n",
            ".guardtrail.yml:3: secret rule id 'secret.jwt' is already taken: choose another",
        ),
        (
            "secrets:\n  rules:\n    - id: acme\n      regex: a\n    - id: keyword\n      regex: b\n"
            "    - id: secret.github-token\n      regex: c\n",
            ".guardtrail.yml:7: secret rule id 'secret.github-token' is already taken: choose another",
        ),
        (
            "secrets:\n  disable: [secret.aws-acess-key]\n",
            ".guardtrail.yml:2: secrets.disable: no secret rule 'secret.aws-acess-key'"
            " (use the ids reports show, e.g. secret.jwt)",
        ),
        (
            "secrets:\n  disable:\n    - secret.keyword\n    - secret.jwt\n    - secret.jtw\n    - secret.zzz\n",
            ".guardtrail.yml:5: secrets.disable: no secret rule 'secret.jtw'",
        ),
    ],
)
def test_an_id_guardtrail_ships_or_lacks_is_named_with_its_line(text: str, message: str) -> None:
    """Which ids are shipped only the secret stage knows: it checks them when it builds the
    scanner the policy asks for, which every command does before it judges."""
    policy = parse_policy(text, ".guardtrail.yml")
    with pytest.raises(GuardtrailError) as error:
        policy_scanner(policy)
    assert str(error.value).startswith(message), str(error.value)


def test_the_policys_own_rule_may_be_disabled_by_its_id() -> None:
    text = "secrets:\n  rules:\n    - id: acme\n      regex: acme_[a-z]{8}\n  disable: [acme, secret.jwt]\n"
    scanner = policy_scanner(parse_policy(text, ".guardtrail.yml"))
    assert scanner.scan_text("", "a.py", "k = 'acme_abcdefgh'\n") == []


def test_an_example_that_fails_is_never_quoted() -> None:
    token = "acme_0123456789abcdef0123456789abcdef"  # pragma: allowlist secret
    with pytest.raises(GuardtrailError) as error:
        parse_policy(ACME_RULE + f"      examples:\n        no_match: ['{token}']\n", ".guardtrail.yml")
    assert token not in str(error.value)


def test_a_good_secrets_section_parses_into_rules() -> None:
    text = ACME_RULE + (
        "      examples:\n        match: ['key = acme_0123456789abcdef0123456789abcdef']\n"
        "        no_match: ['acme_short']\n  disable: [secret.aws-access-key, secret.keyword]\n"
    )
    policy = parse_policy(text, ".guardtrail.yml")
    (rule,) = policy.secret_rules
    assert (rule.id, rule.description, rule.pattern, rule.keywords) == (
        "acme-api-key",
        "ACME API key",
        "acme_[a-z0-9]{32}",
        ("acme_",),
    )
    assert policy.disabled_rules == frozenset({"secret.aws-access-key", "secret.keyword"})


def test_check_stops_with_exit_2_naming_the_policy_and_line(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\napprovers:\n  - name: A\n    emial: a@x.org\n")
    base = repo.commit("policy")
    repo.write("a.txt", "x\n")
    repo.commit("change", author=CLAUDE)

    assert main(["check", "--repo", str(repo.path), "--base", base]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"guardtrail: error: .guardtrail.yml at {base[:10]}:4: unknown key 'emial' in an approver")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["check", "scan"])
def test_a_misspelt_disabled_rule_stops_the_command_with_exit_2(
    repo: GitRepo, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\nsecrets:\n  disable: [secret.github-tokn]\n")
    base = repo.commit("policy")
    repo.write("a.txt", "x\n")
    repo.commit("change", author=CLAUDE)
    where = f"at {base[:10]}" if command == "check" else "in the working tree"

    assert main([command, "--repo", str(repo.path), *(["--base", base] if command == "check" else [])]) == 2
    assert capsys.readouterr().err == (
        f"guardtrail: error: .guardtrail.yml {where}:3: secrets.disable: no secret rule 'secret.github-tokn'"
        " (use the ids reports show, e.g. secret.jwt)\n"
    )


def test_a_baseline_the_policy_names_must_exist_at_that_revision(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".guardtrail.yml", "mode: assistant\nbaseline: ci/.secrets.baselin\n")
    base = repo.commit("policy with a misspelt baseline")
    repo.write("a.txt", "x\n")
    repo.commit("change")

    assert main(["check", "--repo", str(repo.path), "--base", base]) == 2
    assert capsys.readouterr().err == (
        f"guardtrail: error: .guardtrail.yml at {base[:10]}:2: baseline ci/.secrets.baselin does not exist"
        f" at {base[:10]}: fix the path, or remove 'baseline:'\n"
    )
    # writing the baseline it names is how one starts: the scan must not refuse that
    assert main(["scan", "--repo", str(repo.path), "--write-baseline", str(tmp_path / "new.baseline")]) == 0
