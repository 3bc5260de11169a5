"""A whole file is scanned in one piece, with the findings its lines give one by one."""

from __future__ import annotations

import pytest

from guardtrail.classify.secrets.scanner import SecretScanner, whole_file_lines
from guardtrail.model import AddedLine, Finding
from guardtrail.rule_files import load_rules
from tests.hooks.helpers import GITHUB_TOKEN

_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----"


def _as_lines(scanner: SecretScanner, path: str, text: str) -> list[Finding]:
    """The findings of ``text`` read line by line, as the hook reads a staged file's lines."""
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()
    lines = [AddedLine(number, line.removesuffix("\r")) for number, line in enumerate(pieces, start=1)]
    return scanner.scan_lines("", path, lines, content=text if path.endswith((".yaml", ".yml")) else None)


def _texts() -> list[str]:
    examples = [text for rule in load_rules("secrets") for text in rule.examples.match]
    body = "\n".join(["x = 1", f'TOKEN = "{GITHUB_TOKEN}"', "# pragma: allowlist nextline secret", *examples, _KEY])
    return [
        body,
        body + "\n",
        body + "\n\n",
        body.replace("\n", "\r\n") + "\r\n",
        body.replace("\n", "\r\r\n"),
        body + "\r",
        "",
        "\n",
        "\r\n",
        "apiVersion: v1\nkind: Secret\ndata:\n  password: dExEd0RYU0JVMzdlMUZ1NQ==\r\n",
    ]


@pytest.mark.parametrize("index", range(len(_texts())))
@pytest.mark.parametrize("path", ["app/settings.py", "deploy/secret.yaml"])
def test_a_whole_file_gives_the_findings_of_its_lines(index: int, path: str) -> None:
    scanner = SecretScanner()
    text = _texts()[index]

    found = scanner.scan_text("", path, text)

    assert found == _as_lines(scanner, path, text)
    assert found or GITHUB_TOKEN not in text
    if text.startswith("apiVersion"):
        assert [f.rule for f in found] == (["secret.kubernetes-secret"] if path.endswith(".yaml") else [])


@pytest.mark.parametrize(
    ("text", "lines"),
    [("a\nb\n", "a\nb"), ("a\r\nb\r\n", "a\nb"), ("a\r\r\nb", "a\r\nb"), ("a\r", "a"), ("\n\n", "\n"), ("", "")],
)
def test_the_lines_of_a_whole_file_lose_their_carriage_returns(text: str, lines: str) -> None:
    assert whole_file_lines(text) == lines
