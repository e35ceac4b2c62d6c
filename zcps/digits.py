"""How printed digits reach us: full-width forms and the letters OCR reads in their place.

One table of misreads, kept here; each reader picks the part of it that it trusts. A date reader
trusts only the commonest misreads inside a digit run, the ID-number reader a few more, and masking
all of them, because a missed ID number is a leak while an extra mask is not.
"""

from __future__ import annotations

FULLWIDTH_DIGITS = "０１２３４５６７８９"
ASCII_DIGITS = "0123456789"

# Character → the digit PaddleOCR meant, inside a run of digits.
LOOKALIKE_DIGITS: dict[str, str] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "I": "1", "l": "1", "|": "1", "i": "1",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "b": "6", "g": "9", "q": "9",
}


def lookalike_table(trusted: str, extra: dict[str, str] | None = None) -> dict[int, str]:
    """A ``str.translate`` table: full-width digits, the ``trusted`` look-alikes, and ``extra``."""
    table = str.maketrans(FULLWIDTH_DIGITS, ASCII_DIGITS)
    table.update(str.maketrans({ch: LOOKALIKE_DIGITS[ch] for ch in trusted}))
    table.update(str.maketrans(extra or {}))
    return table
