"""Auth analyser: CODEOWNERS, authorized keys, RBAC and IAM wildcards."""

from __future__ import annotations

from guardtrail.classify.analysers.auth import analyse_auth
from guardtrail.model import Category, Severity
from tests.gitrepo import CLAUDE, GitRepo

from . import fixture, run, run_in_repo, seen

KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIG2m3pK8yQe7Vv0oX9l1bQk7Yv3o8r1b2c3d4e5f6a7b"


def test_codeowners_widening_is_reported_per_pattern() -> None:
    findings = run(analyse_auth, ".github/CODEOWNERS", fixture("CODEOWNERS.old"), fixture("CODEOWNERS.new"))
    assert seen(findings) == {
        (
            "auth.codeowners",
            2,
            "catch-all rule * changed: @example/maintainers → @example/maintainers @example/contractors",
        ),
        ("auth.codeowners", 5, "owners removed from /src/auth/: @example/security"),
        ("auth.codeowners", 6, "/.github/workflows/ no longer needs an owner's review (was @example/platform)"),
        ("auth.codeowners", None, "rule for /deploy/ removed (was @example/platform @bob)"),
        ("auth.codeowners", 7, "new rule /docs/ → @example/docs (overrides earlier rules for those paths)"),
    }
    assert all(f.category is Category.AUTH for f in findings)


def test_codeowners_comment_edit_gives_nothing_and_deletion_is_an_error() -> None:
    old = fixture("CODEOWNERS.old")
    assert run(analyse_auth, "CODEOWNERS", old, old.replace("# Default", "# The default")) == []
    deleted = run(analyse_auth, "CODEOWNERS", old, None)
    assert [(f.rule, f.severity) for f in deleted] == [("auth.codeowners", Severity.ERROR)]


def test_new_authorized_key_with_options() -> None:
    old = f"ssh-ed25519 {KEY} alice@laptop\n"
    new = old + f'command="/usr/bin/deploy",no-pty ssh-ed25519 {KEY[:-4]}QQQQ ci@runner\n# a comment\n'
    findings = run(analyse_auth, "deploy/authorized_keys", old, new)
    assert seen(findings) == {("auth.authorized-key", 2, 'new authorized key ssh-ed25519 …4e5fQQQQ "ci@runner"')}
    assert findings[0].details == ('options: command="/usr/bin/deploy",no-pty',)


def test_iam_wildcard_statement() -> None:
    path = "infra/iam-policy.json"
    findings = run(analyse_auth, path, fixture("iam-policy.old.json"), fixture("iam-policy.new.json"))
    assert seen(findings) == {("auth.wildcard-policy", 13, 'IAM statement "DeployEverything" allows * on *')}
    assert findings[0].severity is Severity.ERROR


def test_rbac_wildcard_verbs_and_cluster_admin_binding() -> None:
    findings = run(analyse_auth, "k8s/rbac.yaml", fixture("rbac.old.yaml"), fixture("rbac.new.yaml"))
    assert seen(findings) == {
        ("auth.wildcard-policy", 11, 'ClusterRole "ci-deployer" grants verbs *'),
        ("auth.admin-binding", 16, 'ClusterRoleBinding "ci-deployer-admin" gives cluster-admin to ci-deployer'),
    }


def test_unchanged_wildcards_and_malformed_policies() -> None:
    new = fixture("iam-policy.new.json")
    assert run(analyse_auth, "iam-policy.json", new, new.replace("2012-10-17", "2012-10-17 ")) == []
    broken = run(analyse_auth, "k8s/rbac.yaml", None, "kind: [Role\n")
    assert [(f.rule, f.severity) for f in broken] == [("auth.malformed", Severity.NOTE)]


def test_assistant_removing_the_security_team_in_a_real_repository(repo: GitRepo) -> None:
    repo.write("CODEOWNERS", fixture("CODEOWNERS.old"))
    repo.commit("add owners")
    new = fixture("CODEOWNERS.old").replace("@example/security @alice", "@alice")
    findings = run_in_repo(analyse_auth, repo, {"CODEOWNERS": new}, f"simplify owners\n\nCo-Authored-By: {CLAUDE}")
    assert seen(findings) == {("auth.codeowners", 5, "owners removed from /src/auth/: @example/security")}
