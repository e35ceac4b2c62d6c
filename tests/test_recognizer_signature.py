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


@pytest.mark.parametrize("lines, expected", [
    # nothing readable right of the label: the area up to 6 line heights is masked
    ([line("审验人：", 0, 100, 120, 130)], [(130, 110, 290, 120)]),
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
            assert not overlaps(region, other.bbox)


@pytest.mark.parametrize("lines", [
    [line("审验人", 0, 0, 90, 30), line("张丽", 140, 2, 200, 30)],   # a name was read: no region
    [line("审验人：张丽", 0, 0, 180, 30)],                             # value on the same line
    [line("姓名", 0, 0, 60, 30)],                                      # a holder label is no signing field
    [line("审验日期：", 0, 0, 150, 30)],
])
def test_no_region(lines):
    assert signature.find(lines, 1000, 1000) == []
