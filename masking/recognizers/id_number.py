"""Resident ID numbers, judged by ``zcps.idcard`` (the module extraction uses too).

Look-alike letters inside a digit run (O, l, I …) are read as digits, as long as most of the run
is real digits; a run right after a certificate-number label is a certificate number instead.

Fail closed, because a missed ID number is the worst leak a release can have:
- right after an ID label (also one OCR garbled, "身0证号"), on the same line or the next, any
  token of digits, look-alikes and separators with ≥ ``LABELLED_DIGITS`` digits is masked, checksum
  or not ("15272818851020020", "150.420110727813");
- unlabelled, an 18-character digit run with a real province and a plausible birth date is masked
  even when its check digit fails (one misread digit);
- unlabelled, ``LONG_RUN`` or more digits in a row that begin with a real province code are an ID
  number OCR cut or garbled ("150014871001.14" where the label and the birth date were lost): no
  date, hours or phone number is that long.
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import entity
from masking.recognizers.certificate_number import LABEL_BEFORE as CERT_LABEL_BEFORE
from zcps import idcard

TYPE = PiiType.id_number
PLACEHOLDER = "〔身份证号〕"
NAME = "身份证号"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 9
LABELS = ("身份证", "身份证号", "证件号码", "身份号码", "公民身份号码")

_CHAR = rf"[\d{re.escape(idcard.LOOKALIKES)}]"
_RUN = re.compile(rf"(?<![0-9A-Za-z]){_CHAR}(?:[ ]?{_CHAR}){{14}}(?:(?:[ ]?{_CHAR}){{2}}[ ]?[\dXx×])?(?![0-9A-Za-z])")
_LABEL = re.compile("|".join(LABELS))
_MAX_LOOKALIKES = 2
# An ID label as OCR prints it: 身份证号(码), 身份证件号码, 证件号码, 公民身份号码, 身0证号 ….
_LOOSE_LABEL = re.compile(r"(?:身.?证件?|证件|身份)号码?")
# Single spaces may split the value ("150 02114 010060T41", an ID typed in groups).
_TOKEN = re.compile(r"[0-9A-Za-z×|.\-·:：]+(?: [0-9A-Za-z×|.\-·:：]+)*")
LONG_RUN = 12
_LONG = re.compile(rf"(?<!\d)\d{{{LONG_RUN},}}(?!\d)")
_AFTER_LABEL = re.compile(r"\s*[:：]?\s*")
LABELLED_DIGITS = 10
_DIGIT_MAP = str.maketrans(idcard.LOOKALIKES.replace("×", "").replace("x", ""), "0" * 4 + "1" * 3)


def _digit_count(token: str) -> int:
    return sum(ch.isdigit() for ch in token.translate(_DIGIT_MAP))


def _labelled(text: str) -> list[PiiEntity]:
    found = []
    for label in _LOOSE_LABEL.finditer(text):
        gap = _AFTER_LABEL.match(text, label.end())
        token = _TOKEN.match(text, gap.end())
        if token is None:
            continue
        value = token.group().rstrip(".-·:：")
        real = sum(ch.isdigit() for ch in value)
        if _digit_count(value) >= LABELLED_DIGITS and real * 3 >= len(value) * 2:
            found.append(entity(TYPE, text, token.start(), token.start() + len(value), 0.8, "id_label"))
    return found


def _birth_dated(compact: str) -> bool:
    number = idcard.normalise(compact)
    return len(number) == 18 and number[:17].isdigit() and idcard.region_ok(number) and idcard.birth_date_ok(number)


def find(text: str) -> list[PiiEntity]:
    found = []
    for match in _RUN.finditer(text):
        raw = match.group()
        compact = raw.replace(" ", "")
        if sum(not ch.isdigit() for ch in compact[:-1]) > _MAX_LOOKALIKES:
            continue
        before = text[max(0, match.start() - 10):match.start()]
        if CERT_LABEL_BEFORE.search(before) and not _LABEL.search(before):
            continue
        if idcard.is_valid_raw(raw):
            score = 0.99 if len(compact) == 18 else 0.85
            found.append(entity(TYPE, text, match.start(), match.end(), score, "id_checksum"))
        elif _birth_dated(compact):
            found.append(entity(TYPE, text, match.start(), match.end(), 0.7, "id_birth_date"))
    found += [e for e in _labelled(text) if not any(f.start < e.end and e.start < f.end for f in found)]
    return found + [e for e in _long_runs(text) if not any(f.start < e.end and e.start < f.end for f in found)]


def _long_runs(text: str) -> list[PiiEntity]:
    found = []
    for match in _LONG.finditer(text):
        before = text[max(0, match.start() - 10):match.start()]
        if idcard.region_ok(match.group()) and not CERT_LABEL_BEFORE.search(before):
            found.append(entity(TYPE, text, match.start(), match.end(), 0.6, "id_long_run"))
    return found
