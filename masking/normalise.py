"""A clean view of hostile text for the recognisers, with offsets back into the original.

Text can hide PII from patterns: zero-width and bidi control characters inside a number
("1504\u200b0319…", an RLO that displays digits reversed), full-width digits and letters ("１５０４…"),
ideographic spaces. Recognisers read the clean view; their spans are mapped back, so what is masked
is the original characters, the hidden ones included.
"""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict


class CleanText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    offsets: tuple[int, ...]  # original index of each clean character
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of clean ``[start, end)``, hidden characters inside it included."""
        if not self.offsets or start >= end:
            return start, end
        first = self.offsets[start] if start < len(self.offsets) else self.original_length
        last = self.offsets[end - 1] + 1 if end - 1 < len(self.offsets) else self.original_length
        return first, last


def _visible(ch: str) -> str | None:
    """The character the recognisers should see, or None for an invisible format character
    (zero-width spaces and joiners, bidi marks and overrides, the BOM: Unicode category Cf)."""
    if unicodedata.category(ch) == "Cf":
        return None
    folded = unicodedata.normalize("NFKC", ch)
    # Only one-to-one foldings (１→1, Ａ→A, ：→:, ideographic space → space): offsets stay per character.
    return folded if len(folded) == 1 else ch


def clean(text: str) -> CleanText:
    chars, offsets = [], []
    for index, ch in enumerate(text):
        visible = _visible(ch)
        if visible is not None:
            chars.append(visible)
            offsets.append(index)
    return CleanText(text="".join(chars), offsets=tuple(offsets), original_length=len(text))
