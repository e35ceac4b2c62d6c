"""Real PaddleOCR on pages drawn here in layouts the fixture generator does not draw: a CE card with one
labelled block per year, an enterprise assessment confirmation sheet with a （√） grade, and a ruled CE
table whose cells are split at the ruling lines read from the page image."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.acquire import acquire_text
from extractors.extract import extract_document, page_images_of
from zcps.models import DocType
from zcps.resources import font_path

pytestmark = pytest.mark.models



def _page(rows: list[tuple[str, int, int]], rules: list[tuple[int, int, int, int]] = ()) -> bytes:
    image = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path("hei")), 40)
    for text, x, y in rows:
        draw.text((x, y), text, fill=(20, 20, 24), font=font)
    for x0, y0, x1, y1 in rules:
        draw.line((x0, y0, x1, y1), fill=(0, 0, 0), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue()


CE_BLOCKS = [("专业技术人员继续教育审验卡", 450, 150), ("姓名：王建国", 200, 300)] + [
    (text, 200, 420 + 80 * i) for i, text in enumerate([
        "2021年度", "公需科目：30 学时", "专业科目：60 学时", "审验日期：2021.12.20",
        "2022年度", "公需科目：30 学时", "专业科目：62 学时", "审验日期：2022.12.23",
        "2023年度", "公需科目：24 学时", "专业科目：66 学时"])]
CONFIRMATION = [("2023年度员工绩效考核结果确认单", 380, 150), ("员工姓名：王建国", 200, 320), ("部门：运维检修部", 900, 320),
                ("考核结果：优秀（ ）  称职（√）  基本称职（ ）  不称职（ ）", 200, 460),
                ("员工签字：王建国", 200, 800), ("人力资源部（盖章）", 1000, 1000), ("2024年1月15日", 1050, 1080)]
TABLE_X, TABLE_Y = [150, 450, 750, 1050, 1500], [400, 500, 600, 700]
RULED = ([("继续教育审验卡", 560, 200)]
         + [(t, x + 30, TABLE_Y[0] + 28) for t, x in zip(("年度", "公需科目", "专业科目", "审验日期"), TABLE_X)]
         + [(t, x + 30, TABLE_Y[1] + 28) for t, x in zip(("2022", "30", "60", "2022.12.20"), TABLE_X)]
         + [(t, x + 30, TABLE_Y[2] + 28) for t, x in zip(("2023", "30", "62", "2023.12.18"), TABLE_X)])
RULES = ([(x, TABLE_Y[0], x, TABLE_Y[-1]) for x in TABLE_X] + [(TABLE_X[0], y, TABLE_X[-1], y) for y in TABLE_Y])


def test_ce_card_in_blocks_per_year():
    extraction = extract_document(acquire_text(_page(CE_BLOCKS), "ce_blocks.png"))
    assert extraction.doc_type is DocType.ce_card
    assert [(r.year, r.public_hours, r.professional_hours, r.verified_on, r.verified) for r in extraction.records] == [
        (2021, 30, 60, "2021-12-20", True), (2022, 30, 62, "2022-12-23", True), (2023, 24, 66, None, False)]


def test_enterprise_confirmation_sheet_with_bracketed_tick():
    extraction = extract_document(acquire_text(_page(CONFIRMATION), "confirmation.png"))
    assert extraction.doc_type is DocType.annual_assessment
    fields = extraction.fields
    assert (fields["year"].value, fields["grade"].value, fields["signed_on"].value) == (2023, "称职", "2024-01-15")
    assert fields["name"].value == "王建国" and fields["name"].role == "holder"


def test_ruled_table_read_with_the_page_image():
    data = _page(RULED, RULES)
    text = acquire_text(data, "ruled.png")
    extraction = extract_document(text, page_images=page_images_of(data, "ruled.png", text))
    assert [(r.year, r.public_hours, r.professional_hours, r.verified_on) for r in extraction.records] == [
        (2022, 30, 60, "2022-12-20"), (2023, 30, 62, "2023-12-18")]
