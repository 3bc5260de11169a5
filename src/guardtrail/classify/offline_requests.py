"""A ``requests`` that makes no request, for importing detect-secrets.

detect-secrets imports ``requests`` for one purpose: verifying a secret with its provider
over the network. guardtrail never verifies (nothing goes on the network at run time), yet
that import costs 0.15 s (urllib3, charset_normalizer, ssl) in every process that loads the
engine: each history-scan worker, and a pre-commit hook whose staged lines wake a plugin.

While :func:`importing_offline` is active, ``import requests`` gives :data:`MODULE`, which has
what detect-secrets reads of it (``Response`` in annotations, ``exceptions.RequestException``
in the ``except`` around each verification) and whose every request raises that exception, so
detect-secrets reports the secret unverified. Afterwards ``sys.modules`` is as it was: other code
importing ``requests`` gets the real one.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from typing import Any, NoReturn


class RequestException(OSError):
    """``requests.exceptions.RequestException``: what every request here raises."""


class Response:
    """``requests.Response``, for the annotations detect-secrets evaluates at import."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    del args, kwargs
    raise RequestException("guardtrail makes no network requests: secrets are never verified online")


MODULE = types.ModuleType("requests", __doc__)
MODULE.__dict__.update(
    Response=Response,
    RequestException=RequestException,
    exceptions=types.SimpleNamespace(RequestException=RequestException),
    **{verb: _refuse for verb in ("request", "get", "post", "put", "patch", "delete", "head", "options")},
)


@contextlib.contextmanager
def importing_offline() -> Iterator[None]:
    """``import requests`` gives :data:`MODULE` inside, unless the real one is loaded already."""
    if "requests" in sys.modules:
        yield
        return
    sys.modules["requests"] = MODULE
    try:
        yield
    finally:
        if sys.modules.get("requests") is MODULE:
            del sys.modules["requests"]


def forget(package: str) -> None:
    """Drop ``package`` and its submodules from ``sys.modules``, so the next import runs anew."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]
