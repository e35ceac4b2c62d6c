"""The PII types masking knows and one detected entity (on a text, or on one OCR line).

Each type is one module in ``masking.recognizers``, which declares its placeholder, name and priority.

An entity holds the matched text because redaction and the benchmark need it; it lives only in
memory and must never reach a log or an error message.
"""

from __future__ import annotations

import pkgutil
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict


RECOGNIZER_DIR = Path(__file__).parent / "recognizers"
SHARED_MODULES = ("base", "fields")  # code the recognisers share; every other module there is one PII type


def recognizer_names(folder: Path = RECOGNIZER_DIR) -> list[str]:
    return sorted(module.name for module in pkgutil.iter_modules([str(folder)])
                  if module.name not in SHARED_MODULES)


# One member per recogniser module, named after it (masking/recognizers/id_number.py is ``id_number``), so a
# PII type is added by its module alone; the modules are not imported here, as they import this one.
PiiType = Enum("PiiType", [(name, name) for name in recognizer_names()], type=str, module=__name__)


class PiiEntity(BaseModel):
    """A PII span of a text, as character offsets ``[start, end)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: PiiType
    start: int
    end: int
    text: str
    score: float = 1.0
    source: str = ""  # which recogniser found it; for the benchmark and debugging
    # Characters of the value printed before / after the span that OCR did not read (马洋 read as 洋):
    # the image mask covers the gap they sit in.
    unread_before: int = 0
    unread_after: int = 0

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
    unread_before: int = 0  # as PiiEntity's
    unread_after: int = 0
