"""A release: the version written once, a changelog entry for it, and the release workflow's
steps run as Actions would run them (the tag check, the build from the hash-locked build
requirements), its publish job using trusted publishing and no token."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import yaml

from guardtrail import __version__
from tests.packaging import PIP_CACHE

ROOT = Path(__file__).resolve().parents[1]
RELEASE = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))


def _step(job: str, name: str) -> dict[str, str]:
    return next(step for step in RELEASE["jobs"][job]["steps"] if step.get("name") == name)


def test_the_version_is_written_once_and_the_cli_prints_it() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert '[tool.hatch.version]\npath = "src/guardtrail/__init__.py"' in pyproject
    assert "\nversion =" not in pyproject
    assert importlib.metadata.version("guardtrail") == __version__
    result = subprocess.run(
        [sys.executable, "-m", "guardtrail", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"guardtrail, version {__version__}\n"


def test_the_changelog_has_a_section_for_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]\n" in changelog


def test_the_release_runs_on_a_version_tag_and_publishes_without_a_token() -> None:
    assert RELEASE[True] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}  # YAML 1.1 reads "on" as True
    assert RELEASE["permissions"] == {}
    publish = RELEASE["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"] == "pypi"
    (upload,) = [step for step in publish["steps"] if "gh-action-pypi-publish" in step.get("uses", "")]
    assert "with" not in upload  # no password, no token: trusted publishing
    assert RELEASE["jobs"]["major-tag"]["needs"] == "publish"
    assert 'git push -f origin "refs/tags/$major"' in _step("major-tag", "Point vMAJOR at this release")["run"]


def test_the_tag_check_accepts_the_version_and_refuses_another() -> None:
    script = _step("build", "The tag is the version the package declares")["run"]

    def run(tag: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TAG": tag}
        return subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)

    assert run(f"v{__version__}").returncode == 0
    refused = run("v9.9.9")
    assert refused.returncode == 1
    assert f"::error::tag v9.9.9 does not match __version__ {__version__}" in refused.stdout


def test_the_build_step_makes_an_sdist_and_a_wheel_from_locked_tools(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    source = tmp_path / "source"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(source)], check=True)
    for relative in ("pyproject.toml", "CHANGELOG.md", "src/guardtrail/__init__.py", "ci/build-requirements.lock"):
        (source / relative).write_bytes((ROOT / relative).read_bytes())  # this checkout's state
    script = _step("build", "Build")["run"]
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "PIP_CACHE_DIR": PIP_CACHE}
    env.pop("PYTHONPATH", None)

    built = subprocess.run(["bash", "-e", "-c", script], cwd=source, env=env, capture_output=True, text=True)

    assert built.returncode == 0, built.stdout + built.stderr
    names = sorted(path.name for path in (source / "dist").iterdir())
    assert names == [f"guardtrail-{__version__}-py3-none-any.whl", f"guardtrail-{__version__}.tar.gz"]
    with zipfile.ZipFile(source / "dist" / names[0]) as wheel:
        members = set(wheel.namelist())
    assert {"guardtrail/cli.py", "guardtrail/rules/secrets.yaml", "guardtrail/hooks/pre-receive"} <= members
    with tarfile.open(source / "dist" / names[1]) as sdist:
        assert f"guardtrail-{__version__}/CHANGELOG.md" in sdist.getnames()
