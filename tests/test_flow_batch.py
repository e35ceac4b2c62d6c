"""The batch flow end to end on the loopback S3 server: bad files fail with their codes while the
rest completes, unchanged files are skipped, and ``rerun --failed`` touches only the failed files."""

from __future__ import annotations

import json

import pytest

from flows.runner import run_batch
from storage.factory import open_store
from storage.layout import document_result_key, review_key
from storage.ledger import Ledger
from support.batch_samples import BATCH, manifest_dict, page_png
from support.pdf_samples import encrypted_pdf_bytes
from zcps.models import DocumentRef, DocumentResult, Review, Status

pytestmark = [pytest.mark.s3, pytest.mark.models]

SIZE = (1240, 900)
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
    manifest = manifest_dict("A1", ["01_title.png", *BAD_FILES])
    store.put(f"{prefix}/A1/manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
    store.put(f"{prefix}/A1/docs/01_title.png", page_png(GOOD_PAGE, SIZE))
    for name, (data, _) in BAD_FILES.items():
        store.put(f"{prefix}/A1/docs/{name}", encrypted_pdf_bytes() if data is None else data)
    store.put(f"{prefix}/A2/manifest.json", b'{"schema": "zcps.manifest/1", "nonsense": [1, 2]}')
    store.put(f"{prefix}/A2/docs/01_title.png", page_png(GOOD_PAGE[:2], SIZE))
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
    batch_store.put(f"intake/{BATCH}/u1/A1/docs/02_corrupt.pdf", page_png(GOOD_PAGE, SIZE))

    rerun = run_batch(BATCH, store_url=batch_store.url, only_failed=True)
    assert rerun.done == 1 and rerun.failed == len(BAD_FILES) - 1
    after = {(e.applicant, e.file): e for e in ledger.entries()}
    assert after[("A1", "02_corrupt.pdf")].status is Status.done
    replaced = after[("A1", "02_corrupt.pdf")]
    assert replaced.sha256 != before[("A1", "02_corrupt.pdf")].sha256
    assert replaced.attempts == 1, "new content starts a fresh attempt count"
    for key in (("A1", "01_title.png"), ("A2", "01_title.png")):
        assert after[key] == before[key], "files that were done must be left untouched"

    again = run_batch(BATCH, store_url=batch_store.url)
    assert again.done == 0 and again.skipped == 3
