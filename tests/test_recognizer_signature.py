"""Signature regions: a signing field where OCR read no name is masked as an area."""

from __future__ import annotations

import pytest

from masking.recognizers import signature
from zcps.models import TextLine


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> TextLine:
    return TextLine(text=text, bbox=(x0, y0, x1, y1))


def inside(region, box) -> bool:
    return region[0] <= box[0] and region[1] <= box[1] and box[2] <= region[2] and box[3] <= region[3]


def overlaps(region, box) -> bool:
    return region[0] < box[2] and box[0] < region[2] and region[1] < box[3] and box[1] < region[3]


def test_empty_cell_down_a_column_of_names():
    lines = [line("审验日期", 100, 0, 250, 30), line("审验人", 500, 0, 590, 30),
             line("2021年12月20日", 100, 70, 330, 100), line("董芳", 505, 70, 565, 100),
             line("2022年12月20日", 100, 170, 330, 200)]
    regions = signature.find(lines, 1000, 1000)
    assert len(regions) == 1 and inside(regions[0], (505, 170, 590, 200))
    assert not overlaps(regions[0], lines[3].bbox) and not overlaps(regions[0], lines[4].bbox)


def test_signature_column_under_a_header_row():
    """推荐人 | 职称 | 签名: every row's 签名 cell is masked where OCR read no name (junk included)."""
    lines = [line("推荐人", 100, 0, 220, 40), line("职称", 500, 0, 580, 40), line("签名", 900, 0, 980, 40),
             line("汤燕", 100, 100, 190, 140), line("高级工程师", 500, 100, 670, 140),
             line("姜成", 100, 200, 190, 240), line("高级工程师", 500, 200, 670, 240), line("LAAT", 900, 195, 1080, 245)]
    regions = signature.find(lines, 1400, 1000)
    assert len(regions) == 2
    assert inside(regions[0], (900, 100, 1040, 140)) and inside(regions[1], (900, 200, 1080, 240))
    assert not any(overlaps(region, box.bbox) for region in regions for box in lines[:7])


@pytest.mark.parametrize("lines, expected", [
    # nothing readable right of the label: the area up to 8 line heights is masked
    ([line("审验人：", 0, 100, 120, 130)], [(130, 110, 350, 120)]),
    # OCR read the scrawl as junk: the junk is inside the area, which stops before the date
    ([line("单位负责人（签章）：", 0, 100, 300, 130), line("LAAT", 330, 95, 420, 135),
      line("2023年12月28日", 700, 100, 900, 130)], [(330, 100, 420, 130)]),
    # an organisation before the role
    ([line("培训机构负责人(签字)", 0, 100, 300, 130), line("2022年11月3日", 700, 100, 900, 130)],
     [(320, 110, 530, 120)]),
    # the area stops before the next cell (a date stays visible)
    ([line("单位负责人（签字）：", 0, 100, 300, 130), line("2024年3月1日", 420, 100, 600, 130)],
     [(310, 110, 410, 120)]),
    # the label at the right edge of its row: the area below it
    ([line("经办人", 0, 100, 90, 130), line("2024年", 100, 100, 180, 130)], [(10, 135, 150, 150)]),
])
def test_regions(lines, expected):
    regions = signature.find(lines, 1000, 1000)
    assert len(regions) == len(expected)
    for region, probe in zip(regions, expected):
        assert inside(region, probe)
        for other in lines:
            assert other.text == "LAAT" or not overlaps(region, other.bbox)


@pytest.mark.parametrize("lines", [
    [line("审验人", 0, 0, 90, 30), line("张丽", 140, 2, 200, 30)],   # a name was read: no region
    [line("审验人：张丽", 0, 0, 180, 30)],                             # value on the same line
    [line("姓名", 0, 0, 60, 30)],                                      # a holder label is no signing field
    [line("审验日期：", 0, 0, 150, 30)],
])
def test_no_region(lines):
    assert signature.find(lines, 1000, 1000) == []
