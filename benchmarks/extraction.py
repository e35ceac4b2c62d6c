"""Extraction accuracy on a fixture batch: document type, field families and OCR character error rate.

Reads ``{root}/intake/{unit}/{applicant}/docs/{file}`` and the truth next to it at
``{root}/truth/{unit}/{applicant}/docs/{file}.json``. Text comes from the real OCR models through
the ``work/ocr/{sha256}.json`` cache, so a second run only re-extracts. Mismatches never show the
values of personal fields (names, ID numbers).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rapidfuzz.distance import Levenshtein

from benchmarks.fixture_truth import read_json, truth_files
from extractors.acquire import acquire_text_cached
from extractors.extract import extract_document, page_images_of
from storage.base import ObjectStore
from storage.local import LocalStore
from zcps.errors import InputError
from zcps.models import DocumentText, Extraction

log = logging.getLogger(__name__)

FAMILIES = {
    "dates": ("graduated_on", "conferred_on", "qualified_on", "appointed_on", "signed_on", "obtained_on", "issued_on"),
    "grades": ("grade",),
    "levels": ("education_level", "degree", "title_level", "title_name", "skill_level"),
    "names": ("name",),
    "id_numbers": ("id_number",),
}
PERSONAL = {"name", "id_number"}
DEFAULT_CACHE = Path.home() / ".cache" / "zcps" / "bench-ocr"
TARGETS = {"doc_type": 0.98, "dates": 0.97, "grades": 0.99, "ce_hours": 0.97, "id_numbers": 0.99}


class _FieldTruth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    value: str | int | None
    deliberately_invalid: bool | None = None


class _RecordTruth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    year: int
    public_hours: float
    professional_hours: float
    total: float
    verified_on: str | None


class _DateTruth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    value: str


class _LineTruth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    page: int


class _Truth(BaseModel):
    """The parts of a fixture truth file (fixtures/README.md) the benchmark scores."""

    model_config = ConfigDict(extra="ignore")
    doc_type: str
    bad_file: str | None = None
    fields: dict[str, _FieldTruth] = {}
    records: list[_RecordTruth] = []
    dates: list[_DateTruth] = []
    lines: list[_LineTruth] = []


class Score(BaseModel):
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def add(self, ok: bool) -> None:
        self.correct += ok
        self.total += 1


class Mismatch(BaseModel):
    document: str
    item: str
    expected: str
    extracted: str


class BenchResult(BaseModel):
    documents: int = 0
    bad_files_skipped: int = 0
    doc_type: Score = Score()
    families: dict[str, Score] = {}
    printed_dates_found: Score = Score()  # recall over every date the page prints (Extraction.dates)
    reported_dates_printed: Score = Score()  # precision: reported dates that the page prints
    ocr_char_errors: int = 0
    ocr_chars: int = 0
    seconds: float = 0.0
    mismatches: list[Mismatch] = []

    @property
    def cer(self) -> float | None:
        return self.ocr_char_errors / self.ocr_chars if self.ocr_chars else None

    def meets_targets(self) -> dict[str, bool]:
        scores = {"doc_type": self.doc_type, **self.families}
        return {name: (scores[name].accuracy or 0.0) >= target for name, target in TARGETS.items() if name in scores}

    def table(self) -> str:
        rows = [("document type", self.doc_type, TARGETS["doc_type"])]
        rows += [(name, score, TARGETS.get(name)) for name, score in self.families.items()]
        out = [f"{'measure':<16}{'correct':>9}{'total':>7}{'accuracy':>10}{'target':>8}"]
        for name, score, target in rows:
            accuracy = f"{score.accuracy:.2%}" if score.accuracy is not None else "-"
            out.append(f"{name:<16}{score.correct:>9}{score.total:>7}{accuracy:>10}{f'{target:.0%}' if target else '':>8}")
        for name, score in (("printed dates", self.printed_dates_found), ("dates reported", self.reported_dates_printed)):
            accuracy = f"{score.accuracy:.2%}" if score.accuracy is not None else "-"
            out.append(f"{name:<16}{score.correct:>9}{score.total:>7}{accuracy:>10}")
        not_printed = self.reported_dates_printed.total - self.reported_dates_printed.correct
        out.append(f"dates reported but not printed: {not_printed} of {self.reported_dates_printed.total}"
                   + (f" ({not_printed / self.reported_dates_printed.total:.2%}, target ≤ 3%)" if self.reported_dates_printed.total else ""))
        cer = f"{self.cer:.2%}" if self.cer is not None else "-"
        out.append(f"OCR character error rate: {cer} over {self.ocr_chars} characters; "
                   f"{self.documents} documents ({self.bad_files_skipped} bad files skipped) in {self.seconds:.0f}s")
        return "\n".join(out)


def _shown(field: str, value: object) -> str:
    return "<personal>" if field in PERSONAL else str(value)


def _score_fields(result: BenchResult, label: str, truth: _Truth, extraction: Extraction) -> None:
    for family, names in FAMILIES.items():
        score = result.families.setdefault(family, Score())
        for name in names:
            expected = truth.fields.get(name)
            if expected is None or expected.deliberately_invalid:
                continue
            got = extraction.fields.get(name)
            ok = got is not None and got.value == expected.value
            score.add(ok)
            if not ok:
                result.mismatches.append(Mismatch(document=label, item=name, expected=_shown(name, expected.value),
                                                  extracted=_shown(name, got.value if got else None)))


def _score_records(result: BenchResult, label: str, truth: _Truth, extraction: Extraction) -> None:
    hours = result.families.setdefault("ce_hours", Score())
    dates = result.families.setdefault("dates", Score())
    by_year = {r.year: r for r in extraction.records}
    for expected in truth.records:
        got = by_year.get(expected.year)
        for item in ("public_hours", "professional_hours", "total"):
            ok = got is not None and getattr(got, item) == getattr(expected, item)
            hours.add(ok)
            if not ok:
                result.mismatches.append(Mismatch(document=label, item=f"{expected.year}.{item}",
                                                  expected=str(getattr(expected, item)),
                                                  extracted=str(getattr(got, item) if got else None)))
        if expected.verified_on is not None:
            ok = got is not None and got.verified_on == expected.verified_on
            dates.add(ok)
            if not ok:
                result.mismatches.append(Mismatch(document=label, item=f"{expected.year}.verified_on",
                                                  expected=expected.verified_on,
                                                  extracted=str(got.verified_on if got else None)))


def _score_dates(result: BenchResult, truth: _Truth, extraction: Extraction) -> None:
    """Every printed date found (recall) and every reported date printed (precision), as multisets."""
    printed = Counter(d.value for d in truth.dates)
    reported = Counter(str(d.value) for d in extraction.dates if d.value is not None)
    for value, count in printed.items():
        for index in range(count):
            result.printed_dates_found.add(index < reported.get(value, 0))
    for value, count in reported.items():
        for index in range(count):
            result.reported_dates_printed.add(index < printed.get(value, 0))


def _score_ocr(result: BenchResult, truth: _Truth, text: DocumentText) -> None:
    """Character errors over each page's text with whitespace removed (OCR spaces CJK freely)."""
    for page in text.pages:
        expected = "".join(line.text for line in truth.lines if line.page == page.number)
        got = "".join(line.text for line in page.lines)
        expected, got = "".join(expected.split()), "".join(got.split())
        result.ocr_char_errors += Levenshtein.distance(expected, got)
        result.ocr_chars += len(expected)


def run_extraction_bench(fixtures_root: Path | str, store: ObjectStore | None = None) -> BenchResult:
    """Score every fixture document; ``store`` holds the OCR cache (default: ``DEFAULT_CACHE``)."""
    root = Path(fixtures_root)
    store = store or LocalStore(DEFAULT_CACHE)
    result = BenchResult()
    started = time.perf_counter()
    for truth_file in truth_files(root):
        document, label = truth_file.document, truth_file.label
        truth = read_truth(truth_file.path)
        if truth.bad_file is not None or not document.exists():
            result.bad_files_skipped += 1
            continue
        try:
            text, _ = acquire_text_cached(store, document.read_bytes(), document.name)
        except InputError as exc:
            log.warning("bench: %s failed: %s", label, exc.code)
            result.doc_type.add(False)
            result.mismatches.append(Mismatch(document=label, item="file", expected=truth.doc_type, extracted=exc.code))
            continue
        extraction = extract_document(text, page_images=page_images_of(document.read_bytes(), document.name, text))
        score_document(result, label, truth, text, extraction)
    result.seconds = time.perf_counter() - started
    return result


def read_truth(path: Path) -> _Truth:
    return _Truth.model_validate(read_json(path))


def score_document(result: BenchResult, label: str, truth: _Truth, text: DocumentText, extraction: Extraction) -> None:
    """Add one extracted document's document type, field families, CE records, printed dates and OCR errors
    to ``result``."""
    result.documents += 1
    result.doc_type.add(extraction.doc_type.value == truth.doc_type)
    if extraction.doc_type.value != truth.doc_type:
        result.mismatches.append(Mismatch(document=label, item="doc_type", expected=truth.doc_type,
                                          extracted=extraction.doc_type.value))
    _score_fields(result, label, truth, extraction)
    _score_records(result, label, truth, extraction)
    _score_dates(result, truth, extraction)
    _score_ocr(result, truth, text)
