"""Approval statements as text: found wherever a message puts them, exact or nothing."""

from __future__ import annotations

from guardtrail.decide.statements import BEGIN, END, Statement, approval_block, find_blocks, parse_statement

SIGNATURE = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"
STATEMENT = Statement(
    "Alice Example <alice@example.com>",
    "a" * 40,
    (('odd path "x".yml', "b" * 64), (".github/workflows/ci.yml", "c" * 64)),
    ("0123abcd",),
)


def test_a_statement_round_trips_through_its_text() -> None:
    assert parse_statement(STATEMENT.text) == STATEMENT
    assert STATEMENT.text.splitlines()[3] == f'change {"b" * 64} "odd path \\"x\\".yml"'


def test_any_other_text_is_not_a_statement() -> None:
    text = STATEMENT.text
    assert parse_statement(text.replace("approver ", "approver  ")) is None
    assert parse_statement(text + "extra line\n") is None
    assert parse_statement(text.replace("guardtrail-approval@v1", "guardtrail-approval@v2")) is None
    assert parse_statement(text.replace("change " + "c" * 64, "change " + "c" * 63)) is None


def test_blocks_are_found_through_squash_lists_quoting_and_indentation() -> None:
    block = approval_block(STATEMENT, SIGNATURE)
    assert block.startswith(BEGIN + "\n") and block.endswith(END + "\n")
    squashed = "Title (#1)\n\n* Approve\n\n" + "".join(f"  > {line}\n" for line in block.splitlines()) + "\n---------\n"
    assert find_blocks(squashed) == [(STATEMENT.text, SIGNATURE.encode())]
    assert find_blocks("no block here") == []
    assert find_blocks(block.replace(END, "")) == []  # unterminated
    assert find_blocks(block.replace("-----END SSH SIGNATURE-----\n", "")) == []  # no whole signature
