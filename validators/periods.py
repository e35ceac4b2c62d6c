"""Date arithmetic for "满 N 年" and for comparing dates of different precision (docs/rules.md, "满 N 年"; 内电高评字〔2024〕1号 §一(一)2).

Dates arrive as ``YYYY-MM-DD`` or ``YYYY-MM``. A month-only start counts from the first day of
that month, so 2020年7月 + 4 years = 2024-07-01, which is after a 2024-06-30 cutoff.

Feb 29 + N years lands on Feb 28 of a non-leap year: 民法典第二百零三条 ends a period counted in
years on the corresponding day of the final month, or on that month's last day when the day does
not exist. Feb 28 is therefore reached one day sooner than Mar 1 would be.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


def is_date(value: object) -> bool:
    """True for a well-formed ``YYYY-MM-DD`` / ``YYYY-MM`` naming a real day."""
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        parse_partial(value)
    except ValueError:
        return False
    return True

def parse_partial(value: str) -> date:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (→ first day of the month)."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 2:
        parts.append(1)
    year, month, day = parts
    return date(year, month, day)


def precision(value: str) -> int:
    """Number of date components given: 2 for a month, 3 for a day."""
    return len(value.split("-"))


def add_years(start: date, years: int) -> date:
    target_year = start.year + years
    last_day = calendar.monthrange(target_year, start.month)[1]
    return date(target_year, start.month, min(start.day, last_day))


def add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def has_full_years(start: date, years: int, cutoff: date) -> bool:
    return add_years(start, years) <= cutoff


def full_months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is before ``start``)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months


def describe_months(months: int) -> str:
    """"3年11个月", "4年", "11个月", "0个月"."""
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years}年{rest}个月"
    if years:
        return f"{years}年"
    return f"{rest}个月"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def same_at_coarser_precision(first: str, second: str) -> bool:
    """"2019-12" and "2019-12-28" agree; "2019-12-27" and "2019-12-28" do not."""
    components = min(precision(first), precision(second))
    return first.split("-")[:components] == second.split("-")[:components]


def is_after(value: str, cutoff: date) -> bool:
    """A month-only date is after the cutoff only when its whole month is."""
    return parse_partial(value) > cutoff
