"""The extraction benchmark on a small fixture tree whose OCR cache holds recorded PaddleOCR output,
so it scores real OCR text without loading the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.extraction import run_extraction_bench
from extractors.ocr import engine_name
from storage.layout import ocr_cache_key
from storage.base import sha256_hex
from storage.local import LocalStore
from zcps.models import DocumentText

OCR_DIR = Path(__file__).parent / "data" / "ocr"
DOCS = {"ce_card_table": "ce_card", "assessment_ticked": "annual_assessment", "title_certificate": "title_certificate"}


def _truth_lines(text: DocumentText) -> list[dict]:
    # The recorded OCR text stands in for the drawn lines, with one character changed per page.
    lines = [{"text": line.text, "page": page.number, "bbox": list(line.bbox)} for page in text.pages for line in page.lines]
    lines[0]["text"] = "X" + lines[0]["text"][1:]
    return lines


def build_tree(root: Path, cache: LocalStore, truth_edits: dict[str, dict] | None = None) -> None:
    for index, (name, doc_type) in enumerate(DOCS.items()):
        recorded = json.loads((OCR_DIR / f"{name}.json").read_text(encoding="utf-8"))
        data = f"stand-in bytes of {name}".encode()
        text = DocumentText.model_validate(recorded["text"]).model_copy(
            update={"sha256": sha256_hex(data), "engine": engine_name()})
        cache.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
        intake = root / "intake" / "unit-a" / "app-1" / "docs" / f"{index:02d}_{name}.png"
        intake.parent.mkdir(parents=True, exist_ok=True)
        intake.write_bytes(data)
        truth = recorded["truth"]
        fields = {k: {"value": v, "page": 1, "bbox": [0, 0, 1, 1]} for k, v in truth["fields"].items()}
        for field, value in (truth_edits or {}).get(name, {}).items():
            fields[field]["value"] = value
        payload = {"file": intake.name, "doc_type": doc_type, "fields": fields, "records": truth["records"],
                   "dates": [{"value": v} for v in truth.get("dates", [])], "lines": _truth_lines(text)}
        truth_file = root / "truth" / "unit-a" / "app-1" / "docs" / f"{intake.name}.json"
        truth_file.parent.mkdir(parents=True, exist_ok=True)
        truth_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    bad = root / "truth" / "unit-a" / "app-1" / "docs" / "99_empty.pdf.json"
    bad.write_text(json.dumps({"file": "99_empty.pdf", "doc_type": "other", "bad_file": "empty"}), encoding="utf-8")


def test_bench_scores_recorded_documents(tmp_path):
    cache = LocalStore(tmp_path / "cache")
    build_tree(tmp_path / "sample", cache)
    result = run_extraction_bench(tmp_path / "sample", store=cache)
    assert result.documents == 3 and result.bad_files_skipped == 1
    assert result.doc_type.accuracy == 1.0
    assert result.families["ce_hours"].total == 9 and result.families["ce_hours"].accuracy == 1.0
    assert result.families["grades"].accuracy == 1.0
    assert result.families["id_numbers"].total == 2
    assert result.ocr_char_errors == 3  # one changed character per page
    assert all(result.meets_targets().values())
    assert "document type" in result.table()


@pytest.mark.parametrize(("edits", "family", "item", "shown"), [
    ({"assessment_ticked": {"grade": "称职"}}, "grades", "grade", "称职"),
    ({"title_certificate": {"qualified_on": "2019-12-29"}}, "dates", "qualified_on", "2019-12-29"),
    ({"title_certificate": {"name": "王小明"}}, "names", "name", "<personal>"),
])
def test_bench_reports_mismatches_without_personal_values(tmp_path, edits, family, item, shown):
    cache = LocalStore(tmp_path / "cache")
    build_tree(tmp_path / "sample", cache, edits)
    result = run_extraction_bench(tmp_path / "sample", store=cache)
    assert result.families[family].correct == result.families[family].total - 1
    (mismatch,) = [m for m in result.mismatches if m.item == item]
    assert mismatch.expected == shown


def test_bench_scores_printed_dates_both_ways(tmp_path):
    cache = LocalStore(tmp_path / "cache")
    build_tree(tmp_path / "sample", cache)
    exact = run_extraction_bench(tmp_path / "sample", store=cache)
    assert exact.printed_dates_found.total > 0 and exact.printed_dates_found.accuracy == 1.0
    assert exact.reported_dates_printed.accuracy == 1.0
    # the truth stops listing one printed date: one reported date is now "not printed", one fewer to find
    truth_file = next((tmp_path / "sample" / "truth").glob("*/*/docs/*title_certificate*.json"))
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    truth["dates"] = truth["dates"][1:]
    truth_file.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    edited = run_extraction_bench(tmp_path / "sample", store=cache)
    assert edited.reported_dates_printed.correct == exact.reported_dates_printed.correct - 1
    assert edited.printed_dates_found.total == exact.printed_dates_found.total - 1
    assert "dates reported but not printed: 1 of" in edited.table()
