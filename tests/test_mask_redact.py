"""Image redaction of exactly the PII characters, photos, metadata-free output, text placeholders."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from masking.detect import detect_lines, known_pii
from masking.recognizers.photo import find as find_photos
from masking.redact_image import encode_pdf, encode_png, fill_boxes, hit_boxes, redaction_boxes
from masking.redact_text import mask_json, mask_review, mask_text
from zcps.manifest import Manifest
from zcps.models import Evidence, Finding, Review, TextLine, Word
from zcps.resources import font_path

NAME = "王建国"


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0007", "name": NAME, "id_number": "150102198503152311",
        "phone": "13904711234", "email": None, "address": "呼和浩特市赛罕区大学东街28号",
        "unit": "呼和浩特供电分公司", "unit_location": "city", "sector": "public", "target_level": "中级",
        "education": {"level": "本科"},
    })


def render_line(text: str, size: int = 40, origin=(30, 30)):
    """Draw one line; return the BGR image and its OCR-style words (CJK single, digit runs whole)
    with each word's ink box taken from the font's own layout."""
    font = ImageFont.truetype(str(font_path("mhei")), size)
    image = Image.new("RGB", (1200, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.text(origin, text, font=font, fill="black")
    words, index = [], 0
    while index < len(text):
        end = index + 1
        if text[index].isdigit():
            while end < len(text) and text[end].isdigit():
                end += 1
        if not text[index].isspace():
            x0 = origin[0] + draw.textlength(text[:index], font=font)
            box = draw.textbbox((x0, origin[1]), text[index:end], font=font)
            words.append(Word(text=text[index:end], bbox=tuple(float(v) for v in box)))
        index = end
    line_box = (words[0].bbox[0], min(w.bbox[1] for w in words), words[-1].bbox[2], max(w.bbox[3] for w in words))
    bgr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
    return bgr, TextLine(text=text, bbox=line_box, words=words)


def word_box(line: TextLine, text: str):
    return next(w.bbox for w in line.words if w.text == text)


def region(image: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return image[y0:y1, x0:x1]


def test_partial_line_redaction_keeps_the_date(manifest):
    image, line = render_line(f"姓名：{NAME} 2023年12月25日")
    hits = detect_lines([line], known_pii(manifest))
    boxes = redaction_boxes([line], hits, image.shape[1], image.shape[0])
    masked = fill_boxes(image, boxes)
    for char in NAME:
        assert region(masked, word_box(line, char)).max() == 0, f"{char} not filled"
    for token in ("姓", "名", "2023", "年", "12", "月", "25", "日"):
        box = word_box(line, token)
        assert np.array_equal(region(masked, box), region(image, box)), f"{token} was touched"


@pytest.mark.parametrize("word, start, end, share", [
    ("15010219850315231120230625", 0, 18, 18 / 26),
    ("15010219850315231120230625", 18, 26, 8 / 26),
    ("139047112342023", 0, 11, 11 / 15),
])
def test_part_of_a_digit_run_is_cut_proportionally(word, start, end, share):
    line = TextLine(text=word, bbox=(100, 10, 360, 40), words=[Word(text=word, bbox=(100, 10, 360, 40))])
    (x0, _, x1, _), = hit_boxes(line, start, end)
    assert (x1 - x0) == pytest.approx(260 * share)
    assert x0 == pytest.approx(100 + 260 * start / len(word))


def test_lines_without_words_split_by_character_width():
    line = TextLine(text="姓名王建国2023", bbox=(0, 0, 5 * 20 + 4 * 11, 20))
    (x0, _, x1, _), = hit_boxes(line, 2, 5)
    assert (x0, x1) == pytest.approx((40, 100))


def portrait_page() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A certificate-like page with text rows and a pasted grey portrait photo."""
    page = Image.new("RGB", (1000, 1400), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path("mhei")), 36)
    for row in range(8):
        draw.text((420, 200 + row * 90), "专业技术资格证书 2019年12月", font=font, fill="black")
    photo = (120, 220, 320, 490)
    draw.rectangle(photo, fill=(210, 175, 150))
    w, h = photo[2] - photo[0], photo[3] - photo[1]
    draw.ellipse((photo[0] + w * 0.3, photo[1] + h * 0.15, photo[0] + w * 0.7, photo[1] + h * 0.55), fill=(225, 200, 180))
    draw.rectangle((photo[0] + w * 0.12, photo[1] + h * 0.6, photo[2] - w * 0.12, photo[3]), fill=(45, 50, 70))
    draw.ellipse((850, 1100, 990, 1240), outline=(215, 30, 35), width=6)  # a seal: must stay
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), photo


def test_photo_region_found_and_seal_and_text_left():
    image, photo = portrait_page()
    text_boxes = [(420.0, 200.0 + r * 90, 950.0, 240.0 + r * 90) for r in range(8)]
    boxes = find_photos(image, text_boxes)
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert x0 <= photo[0] + 3 and y0 <= photo[1] + 3 and x1 >= photo[2] - 3 and y1 >= photo[3] - 3
    assert x1 < 420  # the text column is not swallowed


def test_blank_page_has_no_photo():
    assert find_photos(np.full((1400, 1000, 3), 255, np.uint8), []) == []


def test_png_output_has_no_metadata_chunks():
    image = np.full((40, 60, 3), 200, np.uint8)
    data = encode_png(image)
    chunks, offset = [], 8
    while offset < len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        chunks.append(data[offset + 4:offset + 8].decode())
        offset += 12 + length
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND"
    assert not set(chunks) & {"eXIf", "tEXt", "iTXt", "zTXt", "iCCP", "tIME"}
    assert not Image.open(io.BytesIO(data)).getexif()


def test_pdf_output_is_image_only_without_document_info():
    import pypdfium2

    data = encode_pdf([np.full((200, 150, 3), 255, np.uint8)] * 2, dpi=200)
    pdf = pypdfium2.PdfDocument(data)
    assert len(pdf) == 2
    assert pdf[0].get_textpage().get_text_range() == ""
    assert not {k: v for k, v in pdf.get_metadata_dict().items() if k not in ("CreationDate", "ModDate") and v}


@pytest.mark.parametrize("text, expected", [
    ("申报人王建国，手机13904711234。", "申报人〔姓名〕，手机〔电话〕。"),
    ("身份证号：150102198503152311，2023年度考核优秀", "身份证号：〔身份证号〕，2023年度考核优秀"),
    ("工作单位：呼和浩特供电分公司", "工作单位：〔单位〕"),
    ("证书编号：HD2019150001 审核人：李明", "证书编号：〔证书编号〕 审核人：〔姓名〕"),
    ("家庭住址：赛罕区大学东街28号", "家庭住址：〔地址〕"),
    ("2021年继续教育90学时", "2021年继续教育90学时"),
])
def test_text_placeholders(text, expected, manifest):
    assert mask_text(text, known_pii(manifest)) == expected


def test_json_masking_keeps_structure(manifest):
    payload = {"name": {"value": NAME, "confidence": 0.97, "page": 1}, "dates": ["2019-07-01"], "hours": 90}
    masked = mask_json(payload, known_pii(manifest))
    assert masked == {"name": {"value": "〔姓名〕", "confidence": 0.97, "page": 1}, "dates": ["2019-07-01"], "hours": 90}
    assert NAME not in json.dumps(masked, ensure_ascii=False)


def test_mask_review(manifest):
    review = Review(batch="2024", unit="hh", applicant_id="2024-HH-0007", verdict="needs_review", findings=[
        Finding(rule="identity.name_mismatch", severity="review", section="§一(四)1(2)",
                message=f"证书上的姓名与申报人{NAME}不一致", declared=NAME, extracted="王建华",
                evidence=Evidence(document=f"docs/{NAME}_毕业证.jpg", page=1)),
        Finding(rule="declared.date_mismatch", severity="review", section="§一(四)1(2)",
                message="毕业时间申报为2012-07-01，证书为2012-06-30", declared="2012-07-01", extracted="2012-06-30"),
    ])
    masked = mask_review(review, manifest, pseudonym="P-0A1B2C3D")
    dumped = masked.model_dump_json()
    assert NAME not in dumped and "王建华" not in dumped and "2024-HH-0007" not in dumped
    first, second = masked.findings
    assert (first.declared, first.extracted) == ("〔姓名〕", "〔姓名〕")
    assert first.evidence.document == "docs/〔姓名〕_毕业证.jpg"
    assert second == review.findings[1]
    assert masked.applicant_id == "P-0A1B2C3D"


def _letter_line() -> TextLine:
    """OCR of 聘任马洋同志 that dropped 马: word boxes 25 px wide, a 37 px gap where 马 is printed."""
    text = "聘任洋同志"
    lefts = [100, 125, 187, 212, 237]
    words = [Word(text=ch, bbox=(float(x), 100.0, float(x + 24), 124.0)) for ch, x in zip(text, lefts)]
    return TextLine(text=text, bbox=(100.0, 100.0, 261.0, 124.0), words=words)


@pytest.mark.parametrize("unread_before, unread_after, words, expected_x", [
    (1, 0, True, (148, 214)),     # widened over the gap by 1.5 character widths, short of 任 (then padded)
    (0, 0, True, (184, 214)),     # near miss: nothing unread, the mask stays on 洋
    (0, 1, True, (184, 215)),     # the unread character would follow 洋, but 同 follows at once: 1 px gap
    (1, 0, False, (0, 0)),        # no word boxes: widened by a line height from the sliced box
])
def test_mask_widens_over_characters_ocr_did_not_read(unread_before, unread_after, words, expected_x):
    from masking.entities import LineHit, PiiType

    line = _letter_line()
    if not words:
        line = line.model_copy(update={"words": []})
    hit = LineHit(line=0, start=2, end=3, type=PiiType.name, unread_before=unread_before, unread_after=unread_after)
    (box,) = redaction_boxes([line], [hit], 400, 300)
    if words:
        assert (box[0], box[2]) == expected_x
    else:
        sliced = hit_boxes(line, 2, 3)[0]  # 1.5 line heights further left, the right side padded only
        assert sliced[0] - 40 < box[0] < sliced[0] - 36 and box[2] < sliced[2] + 4
