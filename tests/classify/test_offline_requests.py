"""detect-secrets loads with a ``requests`` that makes no request; everything else keeps the real one."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_SCAN = """
import sys
from guardtrail.classify.secrets.scanner import SecretScanner
lines = [
    "password = 'hunter2-Correct-Horse-7'",
    "key = 'AKIAZ4GHQ3XN7PLMW2VB'",
    "token = '9f3Kq81ZpXw2LmN7vB5cR0tYhJ6dS4aE'",
]
text = "\\n".join(lines)
print(sorted(finding.rule for finding in SecretScanner().scan_text("", "app.py", text)))
print("urllib3" in sys.modules, "requests" in sys.modules)
"""


def _run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_scanning_loads_neither_requests_nor_urllib3_and_still_finds_every_secret() -> None:
    rules, loaded = _run(_SCAN)
    assert rules == "['secret.aws-access-key', 'secret.high-entropy-base64', 'secret.keyword']"
    assert loaded == "False False"


def test_afterwards_import_requests_gives_the_real_package() -> None:
    (origin,) = _run(
        _SCAN
        + """
import requests
print(requests.__file__ is not None and hasattr(requests, "Session"))
"""
    )[2:]
    assert origin == "True"


def test_the_engine_cannot_reach_the_network() -> None:
    (refused,) = _run(
        """
        from guardtrail.classify.secrets.engine import _detect_secrets
        _detect_secrets()
        from detect_secrets.plugins import aws
        from guardtrail.classify import offline_requests
        try:
            aws.verify_aws_secret_access_key("AKIAZ4GHQ3XN7PLMW2VB", "wJalrXUtnFEMIK7MDENGbPxRfiCYzq8Lw3kT9vBs")
        except offline_requests.RequestException as exc:
            print(aws.requests is offline_requests.MODULE, exc)
        """
    )
    assert refused == "True guardtrail makes no network requests: secrets are never verified online"


def test_a_process_that_already_loaded_requests_keeps_it() -> None:
    (same,) = _run(
        """
        import requests
        from guardtrail.classify.secrets.engine import _detect_secrets
        _detect_secrets()
        from detect_secrets.plugins import aws
        print(aws.requests is requests)
        """
    )
    assert same == "True"


def test_a_detect_secrets_needing_more_of_requests_imports_with_the_real_one() -> None:
    """As a later detect-secrets would, reading at import something the stand-in lacks."""
    stand_in_lacks_response = """
        from guardtrail.classify import offline_requests
        del offline_requests.MODULE.Response  # read by ibm_cloud_iam's annotations at import
        """
    rules, loaded = _run(textwrap.dedent(stand_in_lacks_response) + _SCAN)
    assert rules == "['secret.aws-access-key', 'secret.high-entropy-base64', 'secret.keyword']"
    assert loaded == "True True"
