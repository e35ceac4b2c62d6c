"""The masking benchmark end to end on a one-document fixture tree with known truth boxes."""

from __future__ import annotations

import json

import pytest
from PIL import Image, ImageDraw, ImageFont
from stdnum.cn import ric

from zcps.resources import font_path

ID_NUMBER = "15010219850315231" + ric.calc_check_digit("150102198503152310")
ROWS = [
    ("姓名：", "王建国", "name"),
    ("身份证号：", ID_NUMBER, "id_number"),
    ("工作单位：", "呼和浩特供电分公司", "unit"),
    ("审核人：", "李明", "other_name"),
    ("取得时间：", "2019年12月28日", "date"),
    ("考核等次：", "优秀", "grade"),
]


def write_fixture(root):
    applicant = root / "intake" / "hh" / "A-1"
    (applicant / "docs").mkdir(parents=True)
    (applicant / "manifest.json").write_text(json.dumps({
        "schema": "zcps.manifest/1", "applicant_id": "A-1", "name": "王建国", "id_number": ID_NUMBER,
        "phone": "13904711234", "unit": "呼和浩特供电分公司", "unit_location": "city", "sector": "public",
        "target_level": "中级", "education": {"level": "本科"},
    }, ensure_ascii=False), encoding="utf-8")
    page = Image.new("RGB", (1240, 900), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path("mhei")), 40)
    truth = {"file": "docs/01.png", "doc_type": "title_certificate",
             "pages": [{"number": 1, "width": 1240, "height": 900, "dpi": 200}], "pii": [], "fields": {}, "dates": []}
    for index, (label, value, kind) in enumerate(ROWS):
        y = 80 + index * 120
        draw.text((120, y), label + value, font=font, fill="black")
        box = [float(v) for v in draw.textbbox((120 + draw.textlength(label, font=font), y), value, font=font)]
        if kind == "date":
            truth["dates"].append({"value": "2019-12-28", "raw": value, "page": 1, "bbox": box})
        elif kind == "grade":
            truth["fields"]["grade"] = {"value": value, "page": 1, "bbox": box}
        else:
            truth["pii"].append({"type": kind, "text": value, "page": 1, "bbox": box})
    page.save(applicant / "docs" / "01.png", dpi=(200, 200))
    truth_path = root / "truth" / "hh" / "A-1" / "docs" / "01.png.json"
    truth_path.parent.mkdir(parents=True)
    truth_path.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")


@pytest.mark.models
def test_bench_scores_a_known_document(tmp_path):
    from benchmarks.masking import run_mask_bench

    write_fixture(tmp_path)
    result = run_mask_bench(tmp_path, verify_mode="regions")
    scores = {s.type: s for s in result.scores}
    assert (result.documents, result.pages, result.withheld) == (1, 1, [])
    for kind in ("name", "id_number", "unit", "other_name"):
        assert scores[kind].truth == 1 and scores[kind].recall == 1.0, str(result)
        assert scores[kind].mean_coverage > 0.9
    assert result.precision == 1.0
    assert result.protected_boxes == 2 and result.protected_masked == []
    assert result.ocr_seconds > 0 and result.mask_seconds > 0
    assert "masking bench: 1 documents" in str(result)


@pytest.mark.parametrize("redaction, correct, correct_glyph", [
    ((100, 100, 160, 120), 1, 1),   # exactly the glyphs
    ((100, 90, 160, 130), 1, 1),    # twice the glyph height
    ((95, 80, 165, 140), 1, 0),     # an OCR word box: three times as tall and a little wider (held-out: 21–29 %)
    ((100, 0, 160, 300), 0, 0),     # a column of paper through the name
    ((300, 100, 360, 120), 0, 0),   # beside the name
    ((130, 100, 190, 120), 1, 1),   # half on it
])
def test_precision_counts_a_line_height_mask_over_a_name_as_correct(redaction, correct, correct_glyph):
    from benchmarks.masking import MaskBenchResult, _score_document, _ScoresByType
    from masking.document import MaskedDocument, MaskedPage, Redaction
    from masking.entities import PiiType
    from zcps.models import Page

    truth = {"pages": [{"number": 1, "width": 400, "height": 300, "dpi": 200}],
             "pii": [{"type": "name", "page": 1, "bbox": [100, 100, 160, 120]}]}
    page = Page(number=1, width=400, height=300, dpi=200)
    masked = MaskedDocument(label="t", pages=[MaskedPage(number=1, png=b"", redactions=[
        Redaction(type=PiiType.name, boxes=[tuple(float(v) for v in redaction)])])])
    scores = _ScoresByType()
    _score_document(MaskBenchResult(), scores, "u/a/f", truth, [page], masked)
    assert (scores["name"].correct, scores["name"].correct_glyph) == (correct, correct_glyph)
