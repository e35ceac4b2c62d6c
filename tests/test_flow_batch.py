"""The batch flow end to end on the loopback S3 server: bad files fail with their codes while the
rest completes, unchanged files are skipped, and ``rerun --failed`` touches only the failed files."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw, ImageFont

from flows.runner import run_batch
from storage.factory import open_store
from storage.layout import document_result_key, review_key
from storage.ledger import Ledger
from pdf_samples import encrypted_pdf_bytes
from zcps.models import DocumentRef, DocumentResult, Review, Status

pytestmark = [pytest.mark.s3, pytest.mark.models]

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
BATCH = "2024"


def _page_png(lines: list[str]) -> bytes:
    image = Image.new("RGB", (1240, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    for i, text in enumerate(lines):
        draw.text((80, 80 + 90 * i), text, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _manifest(applicant: str, documents: list[str]) -> bytes:
    return json.dumps({
        "schema": "zcps.manifest/1", "applicant_id": applicant, "name": "张三", "id_number": "150102198503152317",
        "phone": "13904711234", "email": None, "address": "呼和浩特市赛罕区大学东街1号",
        "unit": "内蒙古电力（集团）有限责任公司呼和浩特供电分公司", "unit_location": "city", "sector": "public",
        "series": "电力工程", "target_level": "中级",
        "education": {"level": "本科", "degree": "学士", "graduated_on": "2012-07-01", "specialty_related": True},
        "technical_work_start": "2012-07-15",
        "current_title": {"level": "助理级", "name": "助理工程师", "obtained_on": "2016-12-28", "series": "电力工程"},
        "paths": ["standard"], "assessments": {"2021": "称职", "2022": "称职", "2023": "称职"},
        "documents": [{"file": f"docs/{name}", "declared_type": "other"} for name in documents],
    }, ensure_ascii=False).encode()


GOOD_PAGE = ["专业技术资格证书", "姓名：张三", "资格名称：助理工程师", "取得资格时间：2016年12月28日"]
BAD_FILES = {
    "02_corrupt.pdf": (b"%PDF-1.7\n1 0 obj <<>> garbage without xref", "E_CORRUPT_FILE"),
    "03_empty.jpg": (b"", "E_EMPTY_FILE"),
    "04_text.jpg": (b"this is a text file, not a JPEG\n", "E_UNSUPPORTED_TYPE"),
    "05_encrypted.pdf": (None, "E_ENCRYPTED_PDF"),
}


@pytest.fixture
def batch_store(s3_env):
    store = open_store(settings=s3_env)
    prefix = f"intake/{BATCH}/u1"
    store.put(f"{prefix}/A1/manifest.json", _manifest("A1", ["01_title.png", *BAD_FILES]))
    store.put(f"{prefix}/A1/docs/01_title.png", _page_png(GOOD_PAGE))
    for name, (data, _) in BAD_FILES.items():
        store.put(f"{prefix}/A1/docs/{name}", encrypted_pdf_bytes() if data is None else data)
    store.put(f"{prefix}/A2/manifest.json", b'{"schema": "zcps.manifest/1", "nonsense": [1, 2]}')
    store.put(f"{prefix}/A2/docs/01_title.png", _page_png(GOOD_PAGE[:2]))
    return store


def _result(store, applicant: str, file: str) -> DocumentResult:
    ref = DocumentRef(batch=BATCH, unit="u1", applicant=applicant, file=file)
    return DocumentResult.model_validate_json(store.get(document_result_key(ref)))


def test_bad_files_fail_with_codes_and_rerun_completes_only_them(batch_store):
    summary = run_batch(BATCH, store_url=batch_store.url)
    assert summary.done == 2 and summary.failed == len(BAD_FILES)
    assert {f.key.rsplit("/", 1)[1]: f.code for f in summary.failures} == {k: v[1] for k, v in BAD_FILES.items()}
    good = _result(batch_store, "A1", "01_title.png")
    assert good.status is Status.done and good.page_count == 1
    assert any("张三" in line.text for line in good.pages[0].lines)

    review = Review.model_validate_json(batch_store.get(review_key(BATCH, "u1", "A1")))
    assert review.verdict in ("needs_review", "not_eligible")
    assert {f.extracted for f in review.findings if f.rule == "file.unreadable"} >= {v[1] for v in BAD_FILES.values()}
    broken_manifest = Review.model_validate_json(batch_store.get(review_key(BATCH, "u1", "A2")))
    assert broken_manifest.verdict == "needs_review"
    assert [f.rule for f in broken_manifest.findings] == ["manifest.invalid"]

    ledger = Ledger(batch_store, BATCH)
    before = {(e.applicant, e.file): e for e in ledger.entries()}
    batch_store.put(f"intake/{BATCH}/u1/A1/docs/02_corrupt.pdf", _page_png(GOOD_PAGE))

    rerun = run_batch(BATCH, store_url=batch_store.url, only_failed=True)
    assert rerun.done == 1 and rerun.failed == len(BAD_FILES) - 1
    after = {(e.applicant, e.file): e for e in ledger.entries()}
    assert after[("A1", "02_corrupt.pdf")].status is Status.done
    assert after[("A1", "02_corrupt.pdf")].attempts == 2
    for key in (("A1", "01_title.png"), ("A2", "01_title.png")):
        assert after[key] == before[key], "files that were done must be left untouched"

    again = run_batch(BATCH, store_url=batch_store.url)
    assert again.done == 0 and again.skipped == 3
