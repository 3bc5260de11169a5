from __future__ import annotations

import pytest

from guardtrail.git.trailers import parse_trailers


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Subject\n\nBody\n\nApproved-by: A <a@x.org>\n", (("Approved-by", "A <a@x.org>"),)),
        (
            "Subject\n\nCo-authored-by: A <a@x.org>\nSigned-off-by: B <b@x.org>",
            (("Co-authored-by", "A <a@x.org>"), ("Signed-off-by", "B <b@x.org>")),
        ),
        # a Key: value line in the body is not a trailer
        ("Subject\n\nApproved-by: A <a@x.org>\n\nJust text.\n", ()),
        # the subject alone never holds trailers
        ("Approved-by: A <a@x.org>", ()),
        # continuation lines fold into the trailer
        ("S\n\nAssisted-by: agent\n  with tools\n", (("Assisted-by", "agent with tools"),)),
        # a mixed paragraph is not a trailer block unless git-generated trailers dominate
        ("S\n\nsome prose\nApproved-by: A <a@x.org>\n", ()),
        ("S\n\nsome prose\nSigned-off-by: A <a@x.org>\n", (("Signed-off-by", "A <a@x.org>"),)),
    ],
)
def test_trailers_come_from_the_last_paragraph_only(message: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert parse_trailers(message) == expected
