"""Chinese resident ID numbers (GB 11643-1999), the one definition extraction and masking share.

- Check digit: python-stdnum's ``cn.ric`` (ISO 7064 MOD 11-2).
- Birth date: digits 7–14 (15-digit numbers: 19 + digits 7–12), between 1900-01-01 and today.
- Region policy: only the province (first two digits) must be a real GB/T 2260 province code.
  stdnum's full county table goes stale as counties are re-coded, so requiring it rejects genuine
  older IDs; the province list does not change.
- Look-alike characters OCR puts into digit runs (O→0, l→1 …) are read as digits by ``normalise``.
"""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric

from zcps.digits import lookalike_table

PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
})
_DIGIT_LOOKALIKES = "OoDQIl|"
LOOKALIKES = _DIGIT_LOOKALIKES + "×x"  # × and x stand for the check character X
_LOOKALIKE_MAP = lookalike_table(_DIGIT_LOOKALIKES, {"×": "X", "x": "X", "Ｘ": "X"})


def normalise(raw: str) -> str:
    """Spaces dropped, full-width and look-alike characters mapped to digits, ``x`` upper-cased."""
    return raw.replace(" ", "").translate(_LOOKALIKE_MAP).upper()


def birth_date(number: str) -> dt.date | None:
    digits = number[6:14] if len(number) == 18 else "19" + number[6:12]
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def birth_date_ok(number: str) -> bool:
    born = birth_date(number)
    return born is not None and dt.date(1900, 1, 1) <= born <= dt.date.today()


def region_ok(number: str) -> bool:
    return number[:2] in PROVINCES


def with_check_digit(first17: str) -> str:
    """The 18-character number whose first 17 digits are ``first17`` (stdnum wants a placeholder last)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def check_digit_ok(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and ric.calc_check_digit(number) == number[-1]


def is_valid(number: str) -> bool:
    """An already normalised number: 18 digits with a correct check digit, or 15 digits; in both
    cases a real province and a plausible birth date."""
    if len(number) == 18:
        shape_ok = check_digit_ok(number)
    else:
        shape_ok = len(number) == 15 and number.isdigit()
    return shape_ok and region_ok(number) and birth_date_ok(number)


def is_valid_raw(raw: str) -> bool:
    """``is_valid`` after ``normalise``: for OCR text."""
    return is_valid(normalise(raw))
