"""CE records from every layout: row or column per year, labelled blocks, course sheets; verified or not.

Pages are built from cells (text, x, y) the way OCR returns them without word boxes: one line per
cell, its box as wide as its characters.
"""

from __future__ import annotations

import unicodedata

import pytest

from extractors.ce_records import DUPLICATE_YEAR_DOUBT, SEAL_ONLY_DOUBT, UNVERIFIED_DOUBT, extract_ce_records
from zcps.models import Page, TextLine, Word

CHAR = 36


def cell(text: str, x: int, y: int) -> TextLine:
    width = sum(CHAR if unicodedata.east_asian_width(ch) in "WF" else CHAR // 2 for ch in text)
    return TextLine(text=text, bbox=(x, y, x + width, y + 34), score=0.96)


def page(cells: list[tuple[str, int, int] | TextLine]) -> list[Page]:
    lines = [c if isinstance(c, TextLine) else cell(*c) for c in cells]
    return [Page(number=1, width=1654, height=2339, lines=lines)]


def rows_of(lines: list[str], x: int = 150, top: int = 300, step: int = 60) -> list[tuple[str, int, int]]:
    return [(text, x, top + i * step) for i, text in enumerate(lines)]


def summary(records):
    return [(r.year, r.public_hours, r.professional_hours, r.total, r.verified_on, r.verified) for r in records]


BLOCKS = rows_of([
    "专业技术人员继续教育学时登记", "2021年度", "公需科目：30 学时", "专业科目：60 学时", "审验日期：2021.12.20",
    "2022年度", "公需科目：30学时", "专业科目：62学时", "合计：92学时", "审验日期：2022年12月23日",
    "2023 年度", "公需科目 24 学时", "专业科目 66 学时", "审验日期：二〇二三年十二月二十日",
])
BLOCKS_UNVERIFIED = rows_of(["2022年度", "公需科目：30 学时", "专业科目：60 学时", "2023年度",
                             "公需科目：30 学时", "专业科目：60 学时", "审验专用章"])
COLUMNS = [("项目", 150, 300), ("2021年度", 500, 300), ("2022年度", 800, 300), ("2023年度", 1100, 300),
           ("公需科目", 150, 360), ("30", 530, 360), ("30", 830, 360), ("24", 1130, 360),
           ("专业科目", 150, 420), ("60", 530, 420), ("62", 830, 420), ("66", 1130, 420),
           ("合计", 150, 480), ("90", 530, 480), ("92", 830, 480), ("90", 1130, 480),
           ("审验日期", 150, 540), ("2021.12.6", 480, 540), ("2022.12.23", 780, 540)]
# OCR fused two hour cells of one row into one line "3024", its word boxes still in their columns
MERGED_LINE = TextLine(text="3024", bbox=(830, 360, 1166, 394), score=0.96,
                       words=[Word(text="30", bbox=(830, 360, 866, 394)), Word(text="24", bbox=(1130, 360, 1166, 394))])
COLUMNS_MERGED = [c for c in COLUMNS if c[2] != 360 or c[1] < 800]
SHEET = rows_of([
    "继续教育学时登记表", "序号 课程名称 类别 学时 日期",
    "1 电力安全生产法规 公需 10 2022.03.05", "2 职业道德与诚信 公需 20 2022.05.10",
    "3 配电网自动化新技术 专业 36 2022.06.18", "4 新能源并网技术 专业 24 2022.09.02",
    "2022年小计 90 学时 审验日期 2022.12.20",
    "5 数字化转型概论 公需 30 2023.04.11", "6 继电保护整定计算 专业 60 2023.08.20",
    "2023年小计 90 学时",
])
# the subtotal lines do not repeat the year: the course dates say it
SHEET_UNDATED_SUBTOTALS = rows_of([
    "继续教育学时登记表", "1 电力安全生产法规 公需 30 2022.03.05", "2 配电网自动化新技术 专业 60 2022.06.18",
    "小计 90 学时", "3 数字化转型概论 公需 30 2023.04.11", "4 继电保护整定计算 专业 62 2023.08.20", "小计 92 学时",
])
# a register of course rows whose first cell is the year, each year closed by "2021小计": the table reader
# would take every course row for a year of its own; the sheet explains the card with one record a year
COURSE_REGISTER = [(text, x, 300 + 50 * i) for i, texts in enumerate((
    ("年度", "课程名称", "类别", "学时"),
    ("2021", "公需课程1", "公需", "15"), ("2021", "公需课程2", "公需", "15"), ("2021", "专业课程1", "专业", "30"),
    ("2021", "专业课程2", "专业", "30"), ("2021小计", "公需30 专业60 合计90", "", "", "审验日期：2021.12.5"),
    ("2022", "公需课程1", "公需", "18"), ("2022", "公需课程2", "公需", "18"), ("2022", "专业课程1", "专业", "72"),
    ("2022小计", "公需36 专业72 合计108", "", "", "审验日期：2022-12-10"))) for text, x in zip(texts, (90, 230, 500, 620, 900))
    if text]
# blocks set side by side, 公共课/专业课/总计 wording: 2021 and 2022 share rows, 2023 sits under 2021
BLOCKS_SIDE_BY_SIDE = [(text, x, y) for x, top, lines in (
    (80, 280, ("2021年", "公共课 30学时", "专业课60学时", "总计 90学时", "审验时间 2021/12/19")),
    (650, 280, ("2022年", "公共课 30学时", "专业课62学时", "总计 92学时", "审验时间2022/12/18")),
    (80, 620, ("2023年", "公共科目 24学时", "专业课66学时", "审验时间 2023/12/19"))) for y, text in zip(range(top, top + 300, 60), lines)]
# near miss: the same blocks stacked in one column read as they always did
BLOCKS_STACKED = [(text, 80, 280 + 60 * i) for i, (text, _, _) in
                  enumerate(sorted(BLOCKS_SIDE_BY_SIDE, key=lambda c: (c[2] >= 620, c[1], c[2])))]
# near miss: a course row opening with its date (2021.3.5), not a year: the year still comes from the 小计 line
COURSE_REGISTER_DATED = [(text.replace("2021", "2021.3.5") if text == "2021" else text, x, y) for text, x, y in COURSE_REGISTER]
TABLE = [(text, x, y) for y, texts in ((300, ("年度", "公需科目", "专业科目", "合计", "审验日期")),
                                       (360, ("2021", "30", "60", "90", "2021年12月6日")), (420, ("2022", "30", "62", "92")))
         for text, x in zip(texts, (150, 320, 520, 720, 900))]

# tall cells under a seal: the date sits low in its cell, whole or split over two lines
UNDER_SEAL = [(text, x, y) for y, texts in ((300, ("年度", "公需科目", "专业科目", "审验日期")),
                                            (360, ("2022", "30", "60", "2022年")), (480, ("2023", "30", "62", "")))
              for text, x in zip(texts, (150, 320, 520, 900)) if text] + [
    ("审验专用章", 920, 372), ("12月20日", 900, 400), ("2023.12.18", 900, 525)]

# a booklet: the records beside the holder's details, each year's total and date on its second line
BOOKLET = [("2021年公需40学时专业 56学时", 800, 130), ("专业技术人员", 265, 150), ("共计96学时 审核日期：2021/12/16", 800, 190),
           ("2022年 公需30学时专业 60学时", 800, 370), ("学员：王志强", 115, 390), ("共计90学时 审核日期：2022/12/07", 800, 425)]
# header words as OCR misreads them: 科日 for 科目, 命计 for 合计, and 核验日期
CONFUSED_HEADER = [(text, x, y) for y, texts in ((350, ("年度", "公需科日学时", "专业科目学时", "命计", "核验日期")),
                                                 (450, ("2021年", "30", "90", "120", "2021.12.13")),
                                                 (545, ("2022年", "36", "72", "108", "2022.12.20")))
                   for text, x in zip(texts, (73, 244, 455, 666, 819))]

CASES = [
    ("blocks", BLOCKS, [(2021, 30, 60, None, "2021-12-20", True), (2022, 30, 62, 92, "2022-12-23", True),
                        (2023, 24, 66, None, "2023-12-20", True)]),
    ("blocks, seal but no date", BLOCKS_UNVERIFIED, [(2022, 30, 60, None, None, False), (2023, 30, 60, None, None, True)]),
    ("column per year", COLUMNS, [(2021, 30, 60, 90, "2021-12-06", True), (2022, 30, 62, 92, "2022-12-23", True),
                                  (2023, 24, 66, 90, None, False)]),
    ("column per year, merged cells", COLUMNS_MERGED + [MERGED_LINE], [(2021, 30, 60, 90, "2021-12-06", True),
                                                       (2022, 30, 62, 92, "2022-12-23", True),
                                                       (2023, 24, 66, 90, None, False)]),
    ("registration sheet", SHEET, [(2022, 30, 60, 90, "2022-12-20", True), (2023, 30, 60, 90, None, False)]),
    ("registration sheet, undated subtotals", SHEET_UNDATED_SUBTOTALS,
     [(2022, 30, 60, 90, None, False), (2023, 30, 62, 92, None, False)]),
    ("row per year, dates low in cells under the seal", UNDER_SEAL,
     [(2022, 30, 60, None, "2022-12-20", True), (2023, 30, 62, None, "2023-12-18", True)]),
    ("booklet, second lines", BOOKLET, [(2021, 40, 56, 96, "2021-12-16", True), (2022, 30, 60, 90, "2022-12-07", True)]),
    ("misread header words", CONFUSED_HEADER, [(2021, 30, 90, 120, "2021-12-13", True), (2022, 36, 72, 108, "2022-12-20", True)]),
    ("row per year, a seal but no date", [*TABLE[:10], ("2022", 150, 420), ("30", 320, 420), ("62", 520, 420),
                                           ("审验专用章", 900, 420)],
     [(2021, 30, 60, 90, "2021-12-06", True), (2022, 30, 62, None, None, True)]),
    ("blocks side by side", BLOCKS_SIDE_BY_SIDE, [(2021, 30, 60, 90, "2021-12-19", True), (2022, 30, 62, 92, "2022-12-18", True),
                                                  (2023, 24, 66, None, "2023-12-19", True)]),
    ("blocks stacked", BLOCKS_STACKED, [(2021, 30, 60, 90, "2021-12-19", True), (2022, 30, 62, 92, "2022-12-18", True),
                                        (2023, 24, 66, None, "2023-12-19", True)]),
    ("course register, year column and yearly 小计", COURSE_REGISTER,
     [(2021, 30, 60, 90, "2021-12-05", True), (2022, 36, 72, 108, "2022-12-10", True)]),
    ("course register, dated course rows", COURSE_REGISTER_DATED,
     [(2021, 30, 60, 90, "2021-12-05", True), (2022, 36, 72, 108, "2022-12-10", True)]),
    ("row per year, one unverified", TABLE, [(2021, 30, 60, 90, "2021-12-06", True), (2022, 30, 62, 92, None, False)]),
]


@pytest.mark.parametrize(("layout", "cells", "expected"), CASES, ids=[c[0] for c in CASES])
def test_records_from_every_layout(layout, cells, expected):
    assert summary(extract_ce_records(page(cells))) == expected


@pytest.mark.parametrize(("layout", "cells", "expected"), CASES, ids=[c[0] for c in CASES])
def test_unverified_years_say_so(layout, cells, expected):
    for record in extract_ce_records(page(cells)):
        assert (UNVERIFIED_DOUBT in record.doubts) is (record.verified is False)
        assert (SEAL_ONLY_DOUBT in record.doubts) is (record.verified is True and record.verified_on is None)


NEAR_MISSES = [
    # a year heading with no hours under it is not a record
    ("heading only", rows_of(["2022年度", "审验日期：2022.12.20"]), []),
    # dates alone are not years with hours
    ("dates only", rows_of(["2021年12月6日", "2022年12月23日"]), []),
    # a course list without a 小计 line gives no yearly total
    ("sheet without subtotal", rows_of(["1 电力安全生产法规 公需 10 2022.03.05", "2 新能源并网技术 专业 24 2022.09.02"]), []),
]


@pytest.mark.parametrize(("layout", "cells", "expected"), NEAR_MISSES, ids=[c[0] for c in NEAR_MISSES])
def test_near_misses_give_no_record(layout, cells, expected):
    assert summary(extract_ce_records(page(cells))) == expected


def test_a_year_read_twice_is_doubted():
    rows = [(text, x, y) for y, texts in ((300, ("年度", "公需科目", "专业科目", "审验日期")),
                                          (360, ("2021", "30", "60", "2021.12.20")), (420, ("2022", "30", "62", "2022.12.20")),
                                          (480, ("2021", "24", "66", "2023.12.18")))
            for text, x in zip(texts, (150, 320, 520, 900))]
    records = extract_ce_records(page(rows))
    assert [(r.year, DUPLICATE_YEAR_DOUBT in r.doubts) for r in records] == [(2021, True), (2022, False), (2021, True)]


def test_a_column_per_year_points_at_its_column():
    records = extract_ce_records(page(COLUMNS))
    lefts = [r.bbox[0] for r in records]
    assert lefts == sorted(lefts) and all(r.bbox[2] - r.bbox[0] < 300 for r in records)


def _scored(text: str, x: int, y: int, score: float) -> TextLine:
    return cell(text, x, y).model_copy(update={"score": score})


SEAL_NOISE = [
    # (case, the noisy line, its score, the lowest confidence the record may have)
    # a seal's legend inside the block, OCR'd as letters: no reading, so no say in the confidence
    ("seal legend read as letters", "CEIN", 0.38, 0.9),
    ("seal legend read as CJK noise", "审专费", 0.46, 0.9),
    # near miss: the hours line itself is the weak one, and the record stays doubtful
    ("weak hours line", "专业科目：59学时", 0.4, None),
]


@pytest.mark.parametrize(("case", "noise", "score", "floor"), SEAL_NOISE, ids=[c[0] for c in SEAL_NOISE])
def test_block_confidence_comes_from_the_lines_that_carry_readings(case, noise, score, floor):
    lines = [cell("专业技术人员继续教育审验卡", 300, 120), cell("2022年度", 150, 300), cell("公需科目：30学时", 180, 360),
             _scored(noise, 800, 400, score) if floor else _scored(noise, 180, 420, score),
             cell("合计：89学时", 180, 480), cell("审核日期：2022年12月21日", 180, 540)]
    if floor:
        lines.insert(4, cell("专业科目：59学时", 180, 420))
    (record,) = extract_ce_records(page(lines))
    assert (record.year, record.public_hours, record.professional_hours, record.total) == (2022, 30, 59, 89)
    assert record.confidence >= floor if floor else record.confidence <= 0.4
