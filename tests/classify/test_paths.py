"""The gitignore-style glob syntax of rules and policies."""

from __future__ import annotations

import pytest

from guardtrail.classify.paths import compile_globs


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
