"""What every reader of a printed value returns: the value, the text it came from and how sure the reading is."""

from __future__ import annotations

from typing import NamedTuple


class Match(NamedTuple):
    value: object  # a date string, a level word, a grade, an ID number, an hours figure …
    raw: str  # the characters read, as printed
    span: tuple[int, int]  # of ``raw`` in the line searched
    certainty: float  # of the reading, 0–1; the extractor folds it into the field's confidence
