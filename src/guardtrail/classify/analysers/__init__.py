"""Content analysers: what a change to a sensitive file actually does.

Each analyser dispatches on the path first and reads blobs only for files it handles.
``ANALYSERS`` is the explicit registry the classification pipeline runs.
"""

from __future__ import annotations

from guardtrail.classify.analysers.agent_config import analyse_agent_config
from guardtrail.classify.analysers.auth import analyse_auth
from guardtrail.classify.analysers.ci_files import analyse_ci_file
from guardtrail.classify.analysers.dependencies import analyse_dependencies
from guardtrail.classify.analysers.workflows import analyse_workflow
from guardtrail.classify.base import Analyser

ANALYSERS: tuple[Analyser, ...] = (
    analyse_dependencies,
    analyse_workflow,
    analyse_ci_file,
    analyse_auth,
    analyse_agent_config,
)
"""Every content analyser, in the order their findings are reported."""

__all__ = ["ANALYSERS"]
