"""Date parsing table (docs/extraction.md): every printed style, OCR noise, embedded and impossible dates."""

from __future__ import annotations

import pytest

from extractors.dates import complete_year, find_dates, find_dates_in_text, find_incomplete_dates
from zcps.models import TextLine, Word

SINGLE = [
    # text, expected value (None: no valid date)
    ("2019年7月1日", "2019-07-01"),
    ("2019 年 7 月 1 日", "2019-07-01"),
    ("2019.07.01", "2019-07-01"),
    ("2019.7.1", "2019-07-01"),
    ("2019-7-1", "2019-07-01"),
    ("2019-07-01", "2019-07-01"),
    ("2019/07/01", "2019-07-01"),
    ("2019/07", "2019-07"),
    ("2019.07", "2019-07"),
    ("2019年7月", "2019-07"),
    ("2019年12月", "2019-12"),
    ("二〇一九年七月一日", "2019-07-01"),
    ("二〇一九年七月", "2019-07"),
    ("贰零壹玖年柒月", "2019-07"),
    ("贰零壹玖年壹拾贰月", "2019-12"),
    ("二〇一九年十二月二十五日", "2019-12-25"),
    ("二〇二〇年十月三十一日", "2020-10-31"),
    ("二O一九年七月一日", "2019-07-01"),  # OCR reads 〇 as a Latin O
    ("２０１９年７月１日", "2019-07-01"),
    ("２０１９．０７．０１", "2019-07-01"),
    ("2 0 1 9 年 7 月 1 日", "2019-07-01"),
    ("2 0 1 9 年 1 2 月", "2019-12"),
    ("2O19年7月1日", "2019-07-01"),  # O for 0 inside a digit run
    ("2019年7月l日", "2019-07-01"),  # l for 1
    ("20I9.07.0I", "2019-07-01"),  # I for 1
    ("2019年7月1号", "2019-07-01"),
    ("2019年7月1曰", "2019-07-01"),  # 日 read as 曰
    ("2024.6.30", "2024-06-30"),
    ("2024.06.30", "2024-06-30"),
    ("二〇二四年六月三十日", "2024-06-30"),
    ("2024年2月29日", "2024-02-29"),
    ("2000年2月29日", "2000-02-29"),
    ("2024年6月30", "2024-06-30"),  # 日 lost at the end of the line
    # near misses: impossible calendar dates are rejected, never clamped or cut to the month
    ("2024年6月31日", None),
    ("2023-02-29", None),
    ("2023年2月29日", None),
    ("1900年2月29日", None),
    ("2019.13.01", None),
    ("2019年13月", None),
    ("2019.07.32", None),
    ("二〇二三年二月二十九日", None),
    ("2019年0月1日", None),
    # not dates at all
    ("内电高评字〔2024〕1号", None),
    ("150102198503152317", None),
    ("20190701", None),
    ("合计 90 学时", None),
    ("OIO年7月", None),  # letters alone are not a year
    ("2023年度", None),
    ("二〇一九年元月", "2019-01"),
    ("贰零壹玖年拾贰月", "2019-12"),
    ("2 0 1 9 . 7 . 1", "2019-07-01"),
    ("二零一九年七月一日", "2019-07-01"),
    ("二○一九年七月", "2019-07"),  # ○ is a white circle, not 〇
    # a year that lost a digit is not a date
    ("二二年七月一日", None),
    ("22年7月", None),
]


@pytest.mark.parametrize(("text", "expected"), SINGLE)
def test_single_date(text, expected):
    found = find_dates_in_text(text)
    assert (found[0].value if found else None) == expected


EMBEDDED = [
    ("于2019年7月毕业", ["2019-07"]),
    ("于2008年9月至2012年7月在本校学习", ["2008-09", "2012-07"]),
    ("任职时间2021.01-2023.12", ["2021-01", "2023-12"]),
    ("聘期：2019.07.01-2022.6.30", ["2019-07-01", "2022-06-30"]),
    ("2023 30622023年12月25日", ["2023-12-25"]),  # merged CE row
    ("2023 30 60 2023年12月25日 李明", ["2023-12-25"]),
    ("出生1990年3月15日，2012年7月1日毕业", ["1990-03-15", "2012-07-01"]),
    ("签字日期：2024年6月31日 2024年6月30日", ["2024-06-30"]),
    ("二〇一九年七月一日至二〇二二年六月三十日", ["2019-07-01", "2022-06-30"]),
]


@pytest.mark.parametrize(("text", "expected"), EMBEDDED)
def test_several_dates_in_a_line(text, expected):
    assert [m.value for m in find_dates_in_text(text)] == expected


INCOMPLETE = [
    ("二二年七月一日", ["二二年七月一日"]),  # 〇 dropped from 二〇二二
    ("二〇二年十二月", ["二〇二年十二月"]),
    ("于22年7月毕业", ["22年7月"]),
    # near misses: complete years, and years without a month, are not incomplete dates
    ("二〇二二年七月", []),
    ("2022年7月1日", []),
    ("024年1月10日", []),  # a dropped leading 2 is read (certainty 0.9), see test_single_date
    ("三年制本科", []),
    ("OO年7月", []),
]


@pytest.mark.parametrize(("text", "raws"), INCOMPLETE)
def test_years_that_lost_digits_are_flagged_not_guessed(text, raws):
    assert [raw for raw, _ in find_incomplete_dates(text)] == raws


@pytest.mark.parametrize(("text", "raw"), [
    ("发证日期：2019年7月1日。", "2019年7月1日"),
    ("日期 ２０１９年７月１日", "２０１９年７月１日"),
    ("落款 二〇一九年七月", "二〇一九年七月"),
])
def test_span_points_at_the_original_text(text, raw):
    (found,) = find_dates_in_text(text)
    assert text[found.span[0]:found.span[1]] == raw == found.raw


@pytest.mark.parametrize(("text", "exact"), [("2019年7月1日", True), ("2O19年7月1日", False)])
def test_ocr_corrections_lower_certainty(text, exact):
    (found,) = find_dates_in_text(text)
    assert (found.certainty == 1.0) is exact


def test_find_dates_on_a_text_line():
    line = TextLine(text="审验日期2023年12月25日", bbox=(0, 0, 300, 20),
                    words=[Word(text="审验日期", bbox=(0, 0, 80, 20)), Word(text="2023", bbox=(80, 0, 120, 20))])
    assert [m.value for m in find_dates(line)] == ["2023-12-25"]


COMPLETIONS = [
    # 二〇 lost from 二〇一一年: the body prints 至二〇一一年七月
    ("一一年七月一日", ["1988-03-08", "2007-09", "2011-07"], "2011-07-01"),
    ("二〇二年七月", ["2022-07-01"], "2022-07"),
    ("22年7月1日", ["2022-07"], "2022-07-01"),
    # near misses: no printed date of that month, or two years that fit
    ("一一年八月一日", ["2011-07"], None),
    ("二二年七月一日", ["2022-07", "2012-07"], None),
    ("一一年七月一日", [], None),
]


@pytest.mark.parametrize(("raw", "printed", "expected"), COMPLETIONS)
def test_incomplete_year_completed_only_from_the_document(raw, printed, expected):
    assert complete_year(raw, printed) == expected
