"""满 N 年 arithmetic and date-precision comparison (docs/rules.md; 民法典第二百零三条 for Feb 29)."""

from __future__ import annotations

from datetime import date

import pytest

from validators.periods import (
    add_years, describe_months, full_months_between, has_full_years, is_after, is_date, parse_partial,
    same_at_coarser_precision,
)

CUTOFF = date(2024, 6, 30)


@pytest.mark.parametrize(("start", "years", "expected"), [
    ("2020-06-30", 4, True),   # exactly four years on the cutoff day counts
    ("2020-07-01", 4, False),  # one day later does not
    ("2020-06", 4, True),      # month only → 2020-06-01 + 4 = 2024-06-01
    ("2020-07", 4, False),     # month only → 2020-07-01 + 4 = 2024-07-01 > cutoff
    ("2020-07", 3, True),
    ("2019-12-28", 4, True),
    ("2023-06-30", 1, True),
    ("2023-07-01", 1, False),
    ("1994-06-30", 30, True),
    ("1994-07-01", 30, False),
])
def test_full_years_against_the_cutoff(start, years, expected):
    assert has_full_years(parse_partial(start), years, CUTOFF) is expected


@pytest.mark.parametrize(("start", "years", "anniversary"), [
    (date(2020, 2, 29), 1, date(2021, 2, 28)),  # no Feb 29: the month's last day ends the period
    (date(2020, 2, 29), 4, date(2024, 2, 29)),
    (date(2019, 3, 1), 1, date(2020, 3, 1)),
    (date(2021, 1, 31), 2, date(2023, 1, 31)),
])
def test_add_years_handles_leap_days(start, years, anniversary):
    assert add_years(start, years) == anniversary


def test_leap_day_start_reaches_its_anniversary_on_feb_28():
    assert has_full_years(date(2020, 2, 29), 1, date(2021, 2, 28))
    assert not has_full_years(date(2020, 2, 29), 1, date(2021, 2, 27))


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2020, 7, 30), CUTOFF, 47),
    (date(2020, 6, 30), CUTOFF, 48),
    (date(2020, 7, 1), CUTOFF, 47),
    (date(2024, 7, 1), CUTOFF, 0),
    (date(2024, 1, 31), date(2024, 2, 29), 1),
])
def test_full_months_between(start, end, months):
    assert full_months_between(start, end) == months


@pytest.mark.parametrize(("months", "text"), [(47, "3年11个月"), (48, "4年"), (11, "11个月"), (0, "0个月")])
def test_describe_months(months, text):
    assert describe_months(months) == text


@pytest.mark.parametrize(("first", "second", "agree"), [
    ("2019-12", "2019-12-28", True),
    ("2019-12-28", "2019-12", True),
    ("2019-12-28", "2019-12-28", True),
    ("2019-12-27", "2019-12-28", False),
    ("2019-11", "2019-12-28", False),
    ("2020-12", "2019-12", False),
])
def test_coarser_precision(first, second, agree):
    assert same_at_coarser_precision(first, second) is agree


@pytest.mark.parametrize(("value", "after"), [
    ("2024-06-30", False), ("2024-07-01", True), ("2024-06", False), ("2024-07", True), ("2024-07-02", True),
])
def test_is_after_cutoff(value, after):
    assert is_after(value, CUTOFF) is after


@pytest.mark.parametrize(("value", "valid"), [
    ("2024-06-30", True), ("2024-06", True), ("2024-02-30", False), ("2024", False), ("2024-13", False),
    ("2024年6月", False), (None, False), (2024, False),
])
def test_is_date(value, valid):
    assert is_date(value) is valid
