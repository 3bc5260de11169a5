"""The gitignore-style glob syntax of rules and policies."""

from __future__ import annotations

import pytest

from guardtrail.classify.paths import PathClassifier, compile_globs, without_trailing_dots
from guardtrail.rule_files import load_rules


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("Makefile", ["Makefile", "sub/dir/Makefile"], ["Makefile.bak", "xMakefile"]),
        ("*.mk", ["a.mk", "lib/b.mk"], ["a.mkx", "mk"]),
        ("/.guardtrail.yml", [".guardtrail.yml"], ["sub/.guardtrail.yml"]),
        (".github/workflows/**", [".github/workflows/ci.yml", ".github/workflows/a/b.yml"], ["x/.github/workflows/c"]),
        ("**/auth/**", ["auth/x.py", "src/auth/y/z.py"], ["src/author.py", "auth"]),
        ("docs/*.md", ["docs/a.md"], ["docs/sub/a.md", "x/docs/a.md"]),
        ("file?.txt", ["file1.txt"], ["file10.txt", "file/.txt"]),
        ("req[0-9].txt", ["req1.txt"], ["reqa.txt"]),
        ("x[!ab].py", ["xc.py"], ["xa.py"]),
        (".claude", [".claude/settings.json", "pkg/.claude/x"], [".claudex"]),
        ("build/", ["build/out.o", "src/build/a"], ["build"]),
        ("a+b(c).txt", ["a+b(c).txt"], ["aab(c).txt"]),
        (".github/workflows/**", [".github/workflows/we\nird.yml", ".github/workflows/a\n/b"], []),
        ("Makefile", ["dir\nname/Makefile"], ["Makefile\n"]),
    ],
)
def test_globs_follow_gitignore(glob: str, matches: list[str], misses: list[str]) -> None:
    globs = compile_globs([glob])
    for path in matches:
        assert globs.matches(path), path
    for path in misses:
        assert not globs.matches(path), path


def test_no_globs_match_nothing() -> None:
    assert not compile_globs([]).matches("anything")


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("CLAUDE.md", ["claude.md", "docs/Claude.MD", "CLAUDE.md.", "CLAUDE.md ", "CLAUDE.md. . "], ["CLAUDE.mdx"]),
        ("GNUmakefile", ["GNUMAKEFILE", "sub/gnumakefile"], ["GNUmakefile.bak"]),
        ("BUILD", ["BUILD", "pkg/build"], ["build/out.o", "src/Build/x.py"]),  # a folder only in its own case
        ("/.claude/**", [".Claude/settings.json", ".CLAUDE./x", ".claude /x"], ["x/.claude/y"]),
        (".github/workflows/**", [".GitHub/workflows/x.yml", ".github/Workflows./x.yml"], [".github/workflow/x"]),
    ],
)
def test_rule_globs_match_paths_as_case_insensitive_and_windows_checkouts_resolve_them(
    glob: str, matches: list[str], misses: list[str]
) -> None:
    globs = compile_globs([glob], as_tools_see=True)
    for path in matches:
        assert globs.matches(path), path
    for path in misses:
        assert not globs.matches(path), path


def test_ignore_lists_match_only_as_written() -> None:
    classifier = PathClassifier(load_rules("paths"), ignore=["vendor/**"])
    assert classifier.match("vendor/CLAUDE.md") == ()
    assert [rule.id for rule in classifier.match("Vendor/CLAUDE.md")] == ["agent-config.instructions"]


@pytest.mark.parametrize(
    ("path", "imitated"),
    [
        (".github/workfl\u043ews/ci.yml", "build-logic.github-actions"),  # Cyrillic o
        ("\u0421LAUDE.md", "agent-config.instructions"),  # Cyrillic Es
        ("CLAUDE\u200b.md", "agent-config.instructions"),  # zero-width space
        ("AGENTS\u00ad.md", "agent-config.instructions"),  # soft hyphen
        ("\uff23\uff2c\uff21\uff35\uff24\uff25.md", "agent-config.instructions"),  # fullwidth
        (".github\u2215workflows\u2215ci.yml", "build-logic.github-actions"),  # one name, division slashes
        ("src/\u0430uth/login.py", "auth.code"),
        ("Makef\u0131le", "build-logic.build-files"),  # dotless i
        ("\u202eCLAUDE.md", "agent-config.instructions"),  # bidi override
    ],
)
def test_a_path_that_imitates_a_sensitive_one_is_caught(path: str, imitated: str) -> None:
    classifier = PathClassifier(load_rules("paths"))
    assert classifier.match(path) == ()
    assert [rule.id for rule in classifier.imitated(path)] == [imitated]


@pytest.mark.parametrize(
    "path", ["docs/caf\u00e9.md", "src/\u65e5\u672c\u8a9e.py", "CLAUDE.md", "docs/\u0430\u0431\u0432.md"]
)
def test_honest_unicode_and_real_names_imitate_nothing(path: str) -> None:
    assert PathClassifier(load_rules("paths")).imitated(path) == ()


def _variants(path: str) -> list[str]:
    """``path`` as written, upper-cased, with the letters a case-insensitive regex folds to
    ASCII (long s, Kelvin sign, dotted I), and with Windows' trailing dots."""
    folded = path.replace("s", "\u017f").replace("k", "\u212a").replace("i", "\u0130")
    return [path, path.upper(), folded, f"{path}.", path.replace("/", "./", 1), f"src/{path}"]


@pytest.mark.parametrize("as_tools_see", [True, False])
def test_the_literal_shortcut_never_passes_over_a_path_the_regex_matches(as_tools_see: bool) -> None:
    rules = [rule for rule in load_rules("paths") if rule.paths]
    paths = {
        variant
        for rule in rules
        for example in (*rule.examples.match, *rule.examples.no_match, *rule.paths)
        for variant in _variants(example.strip("/").replace("**", "x").replace("*", "y").replace("?", "z"))
    }
    matched = 0
    for rule in rules:
        shortcut = compile_globs(rule.paths, as_tools_see=as_tools_see)
        regex = compile_globs(rule.paths, as_tools_see=as_tools_see)._regex
        if regex is None:
            continue
        for path in paths:
            seen = without_trailing_dots(path) if as_tools_see else path
            if regex.fullmatch(seen):
                matched += 1
                assert shortcut._may_match(seen), (rule.id, path)
        assert "_regex" not in vars(shortcut)
    assert matched > 100


def test_a_path_that_holds_no_literal_part_of_a_rule_compiles_nothing() -> None:
    globs = compile_globs([".github/workflows/**", "*.mk"], as_tools_see=True)

    assert not globs.matches("src/os.py")
    assert "_regex" not in vars(globs)
    assert globs.matches(".GITHUB/Workflows/ci.yml")
    assert "_regex" in vars(globs)
