"""Pseudonyms, committee release layout, and the fail-closed re-OCR check (real OCR models)."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydantic import SecretStr
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from stdnum.cn import ric

from extractors.ocr import get_engine
from zcps.pseudonym import make_pseudonym
from masking.pseudonym import load_pseudonyms
from storage.layout import release_prefix, review_key
from zcps.manifest import Manifest
from zcps.models import DocumentRef, DocumentResult, Page, Review, Status
from zcps.resources import font_path
from zcps.settings import Settings

ID_NUMBER = "15010219850315231" + ric.calc_check_digit("150102198503152310")


@pytest.mark.parametrize("batch_a, id_a, key_a, batch_b, id_b, key_b, same", [
    ("2024", "2024-HH-0007", "k1", "2024", "2024-HH-0007", "k1", True),
    ("2024", "2024-HH-0007", "k1", "2025", "2024-HH-0007", "k1", False),
    ("2024", "2024-HH-0007", "k1", "2024", "2024-HH-0008", "k1", False),
    ("2024", "2024-HH-0007", "k1", "2024", "2024-HH-0007", "k2", False),
    ("2024", "2024-HH-0007", "k1", "2024:2024", "HH-0007", "k1", False),
])
def test_pseudonym_stable_per_batch_and_key(batch_a, id_a, key_a, batch_b, id_b, key_b, same):
    first = make_pseudonym(SecretStr(key_a), batch_a, id_a)
    second = make_pseudonym(key_b, batch_b, id_b)
    assert re.fullmatch(r"P-[0-9A-F]{8}", first)
    assert (first == second) is same


def test_pseudonym_is_not_a_plain_hash_of_the_id():
    import hashlib

    digest = hashlib.sha256(b"2024:2024-HH-0007").hexdigest()[:8].upper()
    assert make_pseudonym("k1", "2024", "2024-HH-0007") != f"P-{digest}"


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0007", "name": "王建国", "id_number": ID_NUMBER,
        "phone": "13904711234", "email": None, "address": None, "unit": "呼和浩特供电分公司",
        "unit_location": "city", "sector": "public", "target_level": "中级", "education": {"level": "本科"},
        "documents": [{"file": "docs/01_title.png", "declared_type": "title_certificate"}],
    })


def certificate_png() -> bytes:
    page = Image.new("RGB", (1240, 900), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path("mhei")), 40)
    rows = ["专业技术资格证书", "姓名：王建国", f"身份证号：{ID_NUMBER}", "工作单位：呼和浩特供电分公司",
            "资格名称：工程师", "取得时间：2019年12月28日"]
    for index, row in enumerate(rows):
        draw.text((120, 80 + index * 110), row, font=font, fill="black")
    ok, data = cv2.imencode(".png", cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))
    return data.tobytes()


@pytest.fixture(scope="module")
def engine():
    return get_engine()


@pytest.fixture
def release_inputs(engine, manifest):
    from extractors.geometry import page_image

    data = certificate_png()
    stored = Page(number=1, width=1240, height=900)
    lines = engine.recognize(page_image(data, "01_title.png", stored))
    assert any(Levenshtein.distance(line.text, "姓名：王建国") <= 1 for line in lines)
    ref = DocumentRef(batch="2024", unit="hh", applicant="2024-HH-0007", file="01_title.png")
    result = DocumentResult(ref=ref, status=Status.done, page_count=1, pages=[stored.model_copy(update={"lines": lines})])
    review = Review(batch="2024", unit="hh", applicant_id="2024-HH-0007", verdict="eligible")
    return review, [(result, data)]


def _released_text(store, keys, engine) -> str:
    texts = []
    for key in keys:
        image = cv2.imdecode(np.frombuffer(store.get(key), np.uint8), cv2.IMREAD_COLOR)
        texts += [line.text for line in engine.recognize(image)]
    return "\n".join(texts)


@pytest.mark.models
@pytest.mark.parametrize("mode", ["page", "full"])
def test_release_masks_and_pseudonymises(tmp_path, manifest, release_inputs, engine, mode):
    from masking.release import release_applicant
    from storage.local import LocalStore

    store = LocalStore(tmp_path)
    review, documents = release_inputs
    settings = Settings(pseudonym_key=SecretStr("test-key"), mask_verify_mode=mode)
    result = release_applicant(store, "2024", "hh", manifest, review, documents, settings)
    assert result.withheld == [] and len(result.released) == 1
    assert result.pseudonym == make_pseudonym("test-key", "2024", "2024-HH-0007")
    assert {"name", "id_number", "unit"} <= set(result.counts)
    text = _released_text(store, result.released[0].keys, engine)
    assert "王建国" not in text and ID_NUMBER[:10] not in text
    assert fuzz.partial_ratio("2019年12月28日", text) >= 90
    assert fuzz.partial_ratio("资格名称：工程师", text) >= 90
    mapping = load_pseudonyms(store, "2024")
    assert mapping == {"2024-HH-0007": result.pseudonym}
    released_review = store.get(result.review_key).decode()
    assert "2024-HH-0007" not in released_review and result.pseudonym in released_review
    assert all(key.startswith(release_prefix("2024", "hh", result.pseudonym)) for key in result.released[0].keys)


@pytest.mark.models
def test_broken_redactor_is_withheld(tmp_path, manifest, release_inputs):
    from masking.release import WITHHELD_RULE, release_applicant
    from storage.local import LocalStore

    store = LocalStore(tmp_path)
    review, documents = release_inputs
    settings = Settings(pseudonym_key=SecretStr("test-key"), mask_verify_mode="regions")
    result = release_applicant(store, "2024", "hh", manifest, review, documents, settings,
                               redactor=lambda image, boxes: image.copy())
    assert result.released == []
    assert [(w.file, w.code) for w in result.withheld] == [("01_title_certificate", "E_MASK_VERIFY")]
    assert "王建国" not in result.withheld[0].detail
    assert not list(store.list(release_prefix("2024", "hh", result.pseudonym) + "docs/"))
    stored_review = Review.model_validate_json(store.get(review_key("2024", "hh", "2024-HH-0007")))
    finding = next(f for f in stored_review.findings if f.rule == WITHHELD_RULE)
    assert (finding.severity, finding.section, finding.extracted) == ("review", "数据脱敏", "E_MASK_VERIFY")
    assert "暂扣" in finding.message and "姓名" in finding.message and "王建国" not in finding.message
    assert stored_review.verdict == "needs_review"
