"""What tests that install packages for real share (the action's venv, the release build)."""

from __future__ import annotations

import os
from pathlib import Path

PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
"""The real pip cache, read when the tests are collected, before the sealed environment moves
HOME: wheels come from it when they can, instead of the package index every time."""
