"""QR code recogniser: a real code (OpenCV's encoder, drawn by the fixture generator) is masked whole
wherever it sits, small, tilted, under a seal or with a corner printed over; near misses (a
checkerboard table, a seal, 回 in running text, a photo, a ruled form) stay visible."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import ImageDraw

from fixtures.generator.canvas import INK, Sheet
from masking.recognizers.qr_code import find

DPI = 200
# What a 学历证书电子注册备案表 code encodes: a verification address with the holder's data in it.
PAYLOAD = "https://www.chsi.com.cn/xlcx/bg.do?vcode=A1B2C3D4E5F6G7H8&name=马洋&zsbh=101281201205000123"


def _sheet(dpi: int = DPI) -> Sheet:
    sheet = Sheet(210, 148, dpi)
    sheet.write(105, 18, "教育部学历证书电子注册备案表", pt=18, kind="hei", align="center")
    for row in range(6):
        sheet.write(20, 34 + 11 * row, f"第{row + 1}项　　证书编号　2012年6月30日　本科　工学", pt=12)
    return sheet


def _image(sheet: Sheet) -> np.ndarray:
    return cv2.cvtColor(np.asarray(sheet.image), cv2.COLOR_RGB2BGR)


def _coverage(boxes, truth, shape) -> float:
    mask = np.zeros(shape[:2], bool)
    for x0, y0, x1, y1 in boxes:
        mask[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))] = True
    x0, y0, x1, y1 = (int(v) for v in truth)
    return float(mask[y0:y1, x0:x1].mean())


@pytest.mark.parametrize("side_mm, angle, cover", [
    (20, 0, None),
    (25, 0, "seal"),           # the issuing seal printed over the code
    (14, 10, None),
    (18, 30, "seal"),
    (18, 45, None),
    (8, 0, None),              # small: 1.7 px modules at 200 dpi
    (8, 20, None),
    (16, 0, "corner_label"),   # a white label pasted over one finder pattern: two remain
    (16, 0, "text_across"),    # a line of text printed across the code
    (18, 0, "grey"),           # a grey scan
    (18, 5, "jpeg"),           # a strongly compressed JPEG
    (22, 2, "grey_seal"),      # a grey scan: the seal's ring and legend cross two finder patterns
])
def test_code_masked_whole(side_mm, angle, cover):
    sheet = _sheet()
    sheet.qr_code(175, 105, side_mm, PAYLOAD, "马洋", angle=angle)
    truth = sheet.pii[-1].bbox
    if cover == "seal":
        sheet.seal(170, 100, "内蒙古自治区人力资源和社会保障厅", radius_mm=side_mm * 0.8)
    elif cover == "grey_seal":
        sheet.seal(153, 103, "内蒙古自治区人力资源和社会保障厅", radius_mm=17)
    elif cover == "corner_label":
        ImageDraw.Draw(sheet.image).rectangle((truth[0] - 4, truth[1] - 4, truth[0] + 40, truth[1] + 40), fill="white")
    elif cover == "text_across":
        sheet.write(150, 105, "扫码核验　扫码核验", pt=12)
    image = _image(sheet)
    if cover in ("grey", "grey_seal"):
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif cover == "jpeg":
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 35])[1], cv2.IMREAD_COLOR)
    boxes = find(image)
    assert _coverage(boxes, truth, image.shape) == 1.0
    # The code, not the page: the text lines to its left stay.
    assert all(box[0] > 1150 for box in boxes), boxes


@pytest.mark.parametrize("side_mm, angle", [(8, 0), (8, 20), (12, 10)])
def test_small_code_on_a_300_dpi_scan(side_mm, angle):
    """Above 200 dpi there is no upscaled pass: a small code's modules are 2.5 px already."""
    sheet = _sheet(300)
    sheet.qr_code(175, 105, side_mm, PAYLOAD, "马洋", angle=angle)
    image = _image(sheet)
    assert _coverage(find(image), sheet.pii[-1].bbox, image.shape) == 1.0


def test_two_codes_on_one_page_are_both_masked():
    sheet = _sheet()
    sheet.qr_code(40, 120, 18, PAYLOAD, "马洋")
    first = sheet.pii[-1].bbox
    sheet.qr_code(180, 120, 14, PAYLOAD + "&page=2", "马洋", angle=15)
    second = sheet.pii[-1].bbox
    image = _image(sheet)
    boxes = find(image)
    assert _coverage(boxes, first, image.shape) == 1.0 and _coverage(boxes, second, image.shape) == 1.0


def _checkerboard(sheet: Sheet, cell_mm: float) -> None:
    """A checkerboard-like shaded table: alternate cells filled, like a timetable's marked slots."""
    draw = ImageDraw.Draw(sheet.image)
    cell = sheet.px(cell_mm)
    x0, y0 = sheet.px(120), sheet.px(60)
    for i in range(8):
        for j in range(8):
            box = (x0 + i * cell, y0 + j * cell, x0 + (i + 1) * cell - 1, y0 + (j + 1) * cell - 1)
            draw.rectangle(box, fill=INK if (i + j) % 2 else None, outline=INK, width=2)


def _nested_squares(sheet: Sheet) -> None:
    """Three bullet boxes (□ with a ■ inside, a ticked option) placed like a QR code's corners."""
    draw = ImageDraw.Draw(sheet.image)
    for x, y in ((1300, 500), (1500, 500), (1300, 700)):
        draw.rectangle((x, y, x + 41, y + 41), outline=INK, width=6)
        draw.rectangle((x + 14, y + 14, x + 27, y + 27), fill=INK)


def _checkbox_in_text(sheet: Sheet) -> None:
    """One ▣-like option box (the shape of a finder pattern) in a block of dense text."""
    for row in range(5):
        sheet.write(130, 60 + 7 * row, "经审核材料真实有效同意推荐", pt=14)
    draw = ImageDraw.Draw(sheet.image)
    x, y = sheet.px(122), sheet.px(57)
    draw.rectangle((x, y, x + 41, y + 41), outline=INK, width=6)
    draw.rectangle((x + 14, y + 14, x + 27, y + 27), fill=INK)


@pytest.mark.parametrize("kind", ["checkerboard", "checkerboard_fine", "seal", "hui_text", "photo",
                                  "ruled_form", "nested_boxes_no_data", "checkbox_in_text"])
def test_no_code(kind):
    sheet = _sheet()
    if kind == "checkerboard":
        _checkerboard(sheet, 6)
    elif kind == "checkerboard_fine":
        _checkerboard(sheet, 2)
    elif kind == "seal":
        sheet.seal(165, 100, "内蒙古自治区人力资源和社会保障厅", radius_mm=20)
    elif kind == "hui_text":
        for row in range(4):
            sheet.write(20, 100 + 9 * row, "回回回　返回原单位　回执　固定资产　品质回访　回回", pt=14)
    elif kind == "photo":
        sheet.photo(170, 90, 30, 40, "马洋")
    elif kind == "ruled_form":
        for row in range(9):
            sheet.rule(110, 40 + 10 * row, 200, 40 + 10 * row)
        for column in range(7):
            sheet.rule(110 + 15 * column, 40, 110 + 15 * column, 120)
    elif kind == "nested_boxes_no_data":
        _nested_squares(sheet)
    elif kind == "checkbox_in_text":
        _checkbox_in_text(sheet)
    assert find(_image(sheet)) == []


@pytest.mark.parametrize("with_code", [True, False])
def test_released_page_has_the_code_filled(with_code):
    from masking.document import mask_document
    from masking.known import KnownPii
    from zcps.models import Page

    sheet = _sheet()
    if with_code:
        sheet.qr_code(175, 105, 18, PAYLOAD, "马洋", angle=12)
    image = _image(sheet)
    height, width = image.shape[:2]
    page = Page(number=1, width=width, height=height, dpi=DPI, lines=[])
    masked = mask_document("p", [image], [page], KnownPii(), engine=None, mode=None)
    released = cv2.imdecode(np.frombuffer(masked.pages[0].png, np.uint8), cv2.IMREAD_COLOR)
    assert masked.counts.get("qr_code", 0) == int(with_code)
    assert find(released) == []
    if with_code:
        x0, y0, x1, y1 = (int(v) for v in sheet.pii[-1].bbox)
        assert released[y0:y1, x0:x1].max() == 0  # filled black, every module gone


@pytest.mark.parametrize("layout", ["title_e_certificate", "education_report"])
def test_held_out_scans_have_their_codes_masked(tmp_path, layout):
    """The generator's held-out scans (skewed, noisy, a 32-colour palette that greys the seal): on the
    e-certificate the seal crosses two finder patterns and OpenCV's detector finds nothing."""
    import json

    from fixtures.generator.holdout import write_holdout

    write_holdout(tmp_path, applicants=2, only=[layout])
    scans = sorted((tmp_path / "intake").glob("*/*/docs/*.png"))
    assert len(scans) == 2
    for scan in scans:
        truth = json.loads((tmp_path / "truth" / scan.relative_to(tmp_path / "intake")).with_suffix(".png.json")
                           .read_text(encoding="utf-8"))
        codes = [item for item in truth["pii"] if item["type"] == "qr_code"]
        image = cv2.imread(str(scan))
        boxes = find(image)
        assert len(codes) == 1 and _coverage(boxes, codes[0]["bbox"], image.shape) == 1.0
        protected = [d["bbox"] for d in truth["dates"]] + [f["bbox"] for f in truth["fields"].values()]
        assert all(_coverage(boxes, box, image.shape) == 0.0 for box in protected)
