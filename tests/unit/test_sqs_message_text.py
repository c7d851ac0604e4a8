"""What the functions replace (the approval's SQS adapter) or detect (the webhook intake) before writing a
message: exactly what SQS refuses in message text."""

from __future__ import annotations

import pytest
from function_plumbing.sqs_text import NOT_SQS_TEXT, sqs_text

# SQS's allowed characters: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
ALLOWED = [(0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
EDGES = sorted({edge + step for low, high in ALLOWED for edge in (low, high) for step in (-1, 0, 1)} | {0})


def allowed(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in ALLOWED)


@pytest.mark.parametrize("code_point", [c for c in EDGES if 0 <= c <= 0x10FFFF])
def test_a_character_is_replaced_exactly_when_sqs_refuses_it(code_point: int):
    text = f"a{chr(code_point)}b"
    assert sqs_text(text) == (text if allowed(code_point) else "a\ufffdb")
    assert (NOT_SQS_TEXT.search(text) is None) == allowed(code_point)
