"""The PII types masking knows, one detected entity, and the placeholders text outputs use.

An entity holds the matched text because redaction and the benchmark need it; it lives only in
memory and must never reach a log or an error message.
"""

from __future__ import annotations

from collections import Counter
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


PLACEHOLDERS: dict[PiiType, str] = {
    PiiType.name: "〔姓名〕",
    PiiType.other_name: "〔姓名〕",
    PiiType.id_number: "〔身份证号〕",
    PiiType.phone: "〔电话〕",
    PiiType.email: "〔邮箱〕",
    PiiType.address: "〔地址〕",
    PiiType.unit: "〔单位〕",
    PiiType.certificate_number: "〔证书编号〕",
    PiiType.photo: "〔照片〕",
}

# When two detections overlap, the more specific/validated one wins.
PRIORITY: dict[PiiType, int] = {
    PiiType.id_number: 9,
    PiiType.phone: 8,
    PiiType.email: 8,
    PiiType.certificate_number: 7,
    PiiType.name: 6,
    PiiType.other_name: 5,
    PiiType.unit: 4,
    PiiType.address: 3,
    PiiType.photo: 0,
}


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


def count_types(entities) -> dict[str, int]:
    """Counts per PII type, never values: safe to print and log."""
    counts = Counter(entity.type.value for entity in entities)
    return dict(sorted(counts.items()))
