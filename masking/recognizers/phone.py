"""Personal phone numbers (mobile and fixed line) through ``phonenumbers``; service numbers stay."""

from __future__ import annotations

import phonenumbers

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import entity

TYPE = PiiType.phone
PLACEHOLDER = "〔电话〕"
NAME = "电话"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 8
LABELS = ("电话", "手机", "联系电话", "联系方式")

_PERSONAL = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def find(text: str) -> list[PiiEntity]:
    return [entity(TYPE, text, m.start, m.end, 0.95, "phonenumbers")
            for m in phonenumbers.PhoneNumberMatcher(text, "CN")
            if phonenumbers.number_type(m.number) in _PERSONAL]
