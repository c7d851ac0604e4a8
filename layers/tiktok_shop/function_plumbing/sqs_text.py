"""What SQS refuses in message text, for every function that writes messages from input it did not make.

SQS takes #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF. Spelled as the few ranges it
refuses: the negated class of the allowed ones takes about 8 ms to compile, at every cold start.
"""

from __future__ import annotations

import re
from typing import Final

NOT_SQS_TEXT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def sqs_text(value: str) -> str:
    """`value` with what SQS refuses (a NUL from a hostile body, say) replaced by U+FFFD."""
    return NOT_SQS_TEXT.sub("\ufffd", value)
