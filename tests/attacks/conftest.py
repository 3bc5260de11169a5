"""Fixtures of the attack tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import Project, make_project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A repository whose ``main`` has a policy naming Alice as approver, on branch ``feature``."""
    return make_project(tmp_path)
