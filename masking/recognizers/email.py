"""E-mail addresses, by pattern."""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import entity

TYPE = PiiType.email
PLACEHOLDER = "〔邮箱〕"
NAME = "邮箱"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 8
LABELS = ("邮箱", "电子邮箱", "E-mail")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def find(text: str) -> list[PiiEntity]:
    return [entity(TYPE, text, m.start(), m.end(), 0.99, "email") for m in _EMAIL.finditer(text)]
