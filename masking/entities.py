"""The PII types masking knows and one detected entity (on a text, or on one OCR line).

Placeholders and priorities are declared by each type's module in ``masking.recognizers``.

An entity holds the matched text because redaction and the benchmark need it; it lives only in
memory and must never reach a log or an error message.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class PiiType(str, Enum):
    name = "name"
    id_number = "id_number"
    phone = "phone"
    email = "email"
    address = "address"
    unit = "unit"
    other_name = "other_name"
    certificate_number = "certificate_number"
    photo = "photo"
    signature = "signature"  # a signing field's area where OCR read no name


class PiiEntity(BaseModel):
    """A PII span of a text, as character offsets ``[start, end)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: PiiType
    start: int
    end: int
    text: str
    score: float = 1.0
    source: str = ""  # which recogniser found it; for the benchmark and debugging

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


class LineHit(BaseModel):
    """The part ``[start, end)`` of ``lines[line].text`` that is PII."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    start: int
    end: int
    type: PiiType
    score: float = 1.0
