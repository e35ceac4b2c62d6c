"""Find and normalise dates in OCR / PDF text lines (docs/extraction.md).

Values are ``YYYY-MM-DD``, or ``YYYY-MM`` when the document gives only a month. Spans index the
line's original text, so callers can cut provenance boxes from the word boxes. All normalisation
here is one character for one character, which keeps spans valid without an offset map.
"""

from __future__ import annotations

import datetime as dt
import re

import cn2an

from extractors.matches import Match
from zcps.digits import lookalike_table
from zcps.models import TextLine

YEAR_MIN, YEAR_MAX = 1950, 2039

# Full-width digits and separators become ASCII; one char for one char.
_FULLWIDTH = lookalike_table("", {"．": ".", "－": "-", "／": "/", "：": ":"})
# PaddleOCR reads 0 as O/o and 1 as l/I/| inside digit runs; only trusted next to real digits.
_TRUSTED_LOOKALIKES = "OoIl|〇"
_OCR_DIGIT = lookalike_table(_TRUSTED_LOOKALIKES)
_D = rf"[0-9{re.escape(_TRUSTED_LOOKALIKES)}]"
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "0": 0, "一": 1, "壹": 1, "二": 2, "贰": 2,
             "貳": 2, "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
             "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_YEAR_CHARS = "".join(_CN_DIGIT)
_CN_SMALL = "一二三四五六七八九十壹贰貳叁肆伍陆柒捌玖拾廿卅两元正"
_DAY_MARK = "日曰号"

_ARABIC_CN = re.compile(
    rf"(?P<y>[12]\s?{_D}\s?{_D}\s?{_D}|(?<![0-9])0\s?{_D}\s?{_D}(?=\s*年))\s*年\s*(?P<m>{_D}\s?{_D}?)\s*月"
    rf"(?:\s*(?P<d>{_D}\s?{_D}?)\s*(?P<dm>[{_DAY_MARK}])|\s*(?P<de>{_D}{{1,2}})\s*$)?"
)
_ARABIC_SEP = re.compile(
    rf"(?P<y>[12](?:\s?{_D}){{3}})\s?(?P<s>[.\-/])\s?(?P<m>{_D}{{1,2}})"
    rf"(?:\s?(?P=s)\s?(?P<d>{_D}{{1,2}})(?!\d)|(?!\d)(?!\s?[.\-/]\s?\d{{1,2}}(?!\d)))"
)
_CHINESE = re.compile(
    rf"(?P<y>[{_CN_YEAR_CHARS}]{{4}})\s*年\s*(?P<m>[{_CN_SMALL}]{{1,3}}|\d{{1,2}})\s*月"
    rf"(?:\s*(?P<d>[{_CN_SMALL}]{{1,3}}|\d{{1,2}})\s*[{_DAY_MARK}])?"
)


# A year of two or three digits (二二年, 二〇二年, 22年): a 〇 or a digit lost by OCR, or a shorthand.
# Such a date is flagged, never completed by guessing the century or the missing digit.
_INCOMPLETE_YEAR = re.compile(
    rf"(?<![{_CN_YEAR_CHARS}0-9])(?P<y>[{_CN_YEAR_CHARS}]{{2,3}}|[0-9]{{2}})\s*年\s*"
    rf"(?:[{_CN_SMALL}]{{1,3}}|[0-9]{{1,2}})\s*月(?:\s*(?:[{_CN_SMALL}]{{1,3}}|[0-9]{{1,2}})\s*[{_DAY_MARK}])?"
)
INCOMPLETE_DOUBT = "日期年份不完整（疑似漏识“〇”或数字），未作推断，请核对原件"
COMPLETED_DOUBT = "日期年份不完整（疑似漏识“〇”），已按本文件所载同月日期补全，请核对原件"
DAY_MISSING_DOUBT = "日期只识别到年月（{raw}），该栏应有具体日期，疑似被印章或折痕遮挡，请核对原件"




def _digits(group: str) -> tuple[int, bool] | None:
    """Digits of one date part; the flag says an OCR look-alike had to be read as a digit."""
    compact = re.sub(r"\s", "", group)
    real = sum(ch.isdigit() for ch in compact)
    if real == 0 and len(compact) > 1:
        return None
    fixed = compact.translate(_OCR_DIGIT)
    if not fixed.isdigit():
        return None
    return int(fixed), fixed != compact


def _chinese_number(group: str) -> int | None:
    if group.isdigit():
        return int(group)
    if group in ("元", "正"):  # 元月 / 正月: the first month
        return 1
    try:
        return int(cn2an.cn2an(group.replace("卅", "三十"), "smart"))
    except (ValueError, KeyError):
        return None


def _chinese_year(group: str) -> int | None:
    # Year digits are read one by one (二〇一九), unlike month/day numbers (十二).
    if not any(ch not in "0Oo" for ch in group):
        return None
    return int("".join(str(_CN_DIGIT[ch]) for ch in group))


def normalise(year: int, month: int, day: int | None) -> str | None:
    """``YYYY-MM-DD`` / ``YYYY-MM``; ``None`` for dates that do not exist (no clamping)."""
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _arabic(match: re.Match, day_group: str | None, certainty: float) -> tuple[str | None, float]:
    parts = [_digits(match.group("y")), _digits(match.group("m"))]
    if day_group is not None:
        parts.append(_digits(day_group))
    if any(p is None for p in parts):
        return None, 0.0
    year_digits = sum(ch.isdigit() for ch in match.group("y"))
    if year_digits < 3:
        return None, 0.0
    if len(re.sub(r"\s", "", match.group("y"))) == 3:
        # OCR dropped the leading 2 of a handwritten year (024年1月10日).
        parts[0] = (parts[0][0] + 2000, parts[0][1])
        certainty *= 0.9
    if any(fixed for _, fixed in parts):
        certainty *= 0.9
    day = parts[2][0] if day_group is not None else None
    return normalise(parts[0][0], parts[1][0], day), certainty


def _chinese(match: re.Match) -> tuple[str | None, float]:
    year = _chinese_year(match.group("y"))
    month = _chinese_number(match.group("m"))
    day = _chinese_number(match.group("d")) if match.group("d") else None
    if year is None or month is None or (match.group("d") and day is None):
        return None, 0.0
    return normalise(year, month, day), 1.0


def _candidates(text: str):
    for match in _ARABIC_CN.finditer(text):
        if match.group("d") is not None:
            yield match, *_arabic(match, match.group("d"), 1.0)
        elif match.group("de") is not None:
            # A day with its 日 lost at the end of the line: likely, not certain.
            yield match, *_arabic(match, match.group("de"), 0.85)
        else:
            yield match, *_arabic(match, None, 1.0)
    for match in _ARABIC_SEP.finditer(text):
        yield match, *_arabic(match, match.group("d"), 1.0)
    for match in _CHINESE.finditer(text):
        yield match, *_chinese(match)


def find_dates_in_text(text: str) -> list[Match]:
    """Every valid date in ``text``, left to right; invalid calendar dates are left out."""
    normalised = text.translate(_FULLWIDTH)
    taken: list[tuple[int, int]] = []
    found: list[Match] = []
    for match, value, certainty in _candidates(normalised):
        start, end = match.span()
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        # An impossible date still claims its span, so no month-only reading is made of it.
        taken.append((start, end))
        if value is not None:
            found.append(Match(value, text[start:end], (start, end), certainty))
    return sorted(found, key=lambda m: m.span)


def find_incomplete_dates(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Dates whose year lost digits (二二年七月): raw text and span, outside every complete date."""
    normalised = text.translate(_FULLWIDTH)
    taken = [d.span for d in find_dates_in_text(text)]
    found = []
    for match in _INCOMPLETE_YEAR.finditer(normalised):
        year = match.group("y")
        if not year.isdigit() and all(ch in "0Oo" for ch in year):
            continue
        start, end = match.span()
        if not any(start < t_end and t_start < end for t_start, t_end in taken):
            found.append((text[start:end], (start, end)))
    return found


def _is_subsequence(short: str, full: str) -> bool:
    remaining = iter(full)
    return all(ch in remaining for ch in short)


def complete_year(raw: str, printed: list[str]) -> str | None:
    """An incomplete date (一一年七月一日) completed by the one year printed elsewhere on the same
    document whose digits contain the surviving ones and that has the same month; else ``None``."""
    match = _INCOMPLETE_YEAR.match(raw.translate(_FULLWIDTH))
    if match is None:
        return None
    year_digits = "".join(str(_CN_DIGIT.get(ch, ch)) for ch in match.group("y"))
    rest = raw[match.end("y"):]
    # the month and day, read by the ordinary rules behind a stand-in year of either script
    parsed = find_dates_in_text("2000" + rest) or find_dates_in_text("二〇〇〇" + rest)
    if not parsed:
        return None
    month_day = parsed[0].value[4:]
    years = {value[:4] for value in printed if value[4:7] == month_day[:3] and _is_subsequence(year_digits, value[:4])}
    if len(years) != 1:
        return None
    year = years.pop()
    return normalise(int(year), int(month_day[1:3]), int(month_day[4:6]) if len(month_day) > 3 else None)


def is_month_only(value: object) -> bool:
    """A normalised date without its day (``YYYY-MM``)."""
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value) is not None


def find_dates(line: TextLine) -> list[Match]:
    return find_dates_in_text(line.text)


def parse_date(text: str) -> str | None:
    """The first valid date in ``text``, or ``None``."""
    found = find_dates_in_text(text)
    return found[0].value if found else None
