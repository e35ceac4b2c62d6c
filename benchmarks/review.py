"""`zcps bench review`: the whole check on applicants with known verdicts — how often does a misreading
block an eligible applicant?

A fixture tree holds ``intake/{unit}/{applicant}/`` (manifest.json, docs/) and
``truth/{unit}/{applicant}/expected.json`` with the hand-derived verdict, plus one truth file per
document (``truth/.../docs/{file}.json``). Documents come from one of two sources:

- ``truth``: the fixture truth itself, as confident readings — isolates the rules from OCR;
- ``ocr``: the real OCR models and the real extractors; text is cached under ``work/ocr/`` in the
  extraction benchmark's cache, so only the first run pays for OCR.

Any further fixture tree of the same shape (the generator family's unseen layouts) is measured with
``--fixtures DIR`` (repeatable). Nothing printed names a person: applicants by id, findings by rule.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field as PydField

from benchmarks.extraction import DEFAULT_CACHE
from benchmarks.fixture_truth import expected_review, read_json, truth_applicants, truth_files
from pipeline.document import read_document
from storage.base import ObjectStore
from storage.local import LocalStore
from validators.check import check_applicant
from validators.duplicates import duplicate_findings
from validators.schema import default_rules
from zcps.manifest import parse_manifest
from zcps.models import (
    CERecord, DocType, DocumentRef, DocumentResult, ErrorInfo, Extraction, Field, Finding, Status, Verdict,
)

log = logging.getLogger(__name__)

Source = Literal["truth", "ocr"]
VERDICTS: tuple[Verdict, ...] = ("eligible", "needs_review", "not_eligible")
DOUBT_MARK = "识别存疑"


def _box(values: list[float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = values
    return (x0, y0, x1, y1)


def truth_document(root: Path, unit: str, applicant: str, truth_path: Path) -> DocumentResult:
    """The document as a perfect extractor would read it: every value confident, the name the holder's."""
    truth = read_json(truth_path)
    file = truth["file"].removeprefix("docs/")
    data = (root / "intake" / unit / applicant / "docs" / file).read_bytes()
    ref = DocumentRef(batch="2024", unit=unit, applicant=applicant, file=file)
    sha256 = hashlib.sha256(data).hexdigest()
    if truth["bad_file"]:
        return DocumentResult(ref=ref, status=Status.failed, sha256=sha256,
                              errors=[ErrorInfo(code=truth["bad_file"], message="from truth", stage="acquire")])
    fields = {name: Field(value=f["value"], raw=str(f["value"]), confidence=1.0, page=f["page"], bbox=_box(f["bbox"]),
                          role="holder" if name == "name" else None)
              for name, f in truth["fields"].items()}
    dates = [Field(value=d["value"], raw=d["raw"], confidence=1.0, page=d["page"], bbox=_box(d["bbox"]))
             for d in truth["dates"]]
    records = [CERecord(year=r["year"], public_hours=r["public_hours"], professional_hours=r["professional_hours"],
                        total=r["total"], verified_on=r["verified_on"], verifier=r["verifier"], page=r["page"],
                        bbox=_box(r["bbox"]), verified=False if r["verified_on"] is None else None)
               for r in truth["records"]]
    extraction = Extraction(doc_type=DocType(truth["doc_type"]), doc_type_confidence=1.0, fields=fields, dates=dates,
                            records=records)
    return DocumentResult(ref=ref, status=Status.done, sha256=sha256, extraction=extraction)


def ocr_document(root: Path, unit: str, applicant: str, file: str, cache: ObjectStore) -> DocumentResult:
    """The document stage on the file, through ``cache``; the pages are dropped (the review needs none)."""
    ref = DocumentRef(batch="2024", unit=unit, applicant=applicant, file=file)
    try:
        result = read_document(ref, (root / "intake" / unit / applicant / "docs" / file).read_bytes(), store=cache)
    except Exception as exc:  # an extractor bug on one layout is a failed document, scored as such
        log.warning("bench: %s/%s failed: %s", applicant, file, type(exc).__name__)
        return DocumentResult(ref=ref, status=Status.failed, errors=[
            ErrorInfo(code="E_INTERNAL", message=type(exc).__name__, stage="extract")])
    return result.model_copy(update={"pages": []})


class Doubtful(BaseModel):
    """A failing rule whose evidence was doubtful: kept as a review (or, if a block, a defect)."""

    applicant: str
    expected: Verdict
    rule: str
    severity: str
    document: str | None
    message: str


def _weak_evidence(finding: Finding, documents: list[DocumentResult], threshold: float) -> bool:
    """Checked on the extraction itself, independently of the engine: does a block point at a crop
    whose reading was below the block threshold or carried a doubt?"""
    evidence = finding.evidence
    if evidence is None or evidence.document is None:
        return False
    for result in documents:
        if f"docs/{result.ref.file}" != evidence.document or result.extraction is None:
            continue
        readings = [*result.extraction.fields.values(), *result.extraction.records]
        return any(r.page == evidence.page and tuple(r.bbox) == tuple(evidence.bbox or ())
                   and (r.confidence < threshold or r.doubts) for r in readings)
    return False


class ReviewBench(BaseModel):
    source: Source
    fixtures: str
    applicants: int = 0
    confusion: dict[str, dict[str, int]] = PydField(default_factory=dict)  # expected → got → count
    false_blocks: list[str] = PydField(default_factory=list)  # applicant ids: eligible → not_eligible
    lost_blocks: list[str] = PydField(default_factory=list)  # not_eligible → something else
    doubtful: list[Doubtful] = PydField(default_factory=list)
    # applicant → "+rule/severity" (not expected) and "-rule/severity" (expected, missing)
    finding_differences: dict[str, list[str]] = PydField(default_factory=dict)
    seconds: float = 0.0

    def count(self, expected: str, got: str) -> int:
        return self.confusion.get(expected, {}).get(got, 0)

    @property
    def eligible(self) -> int:
        return sum(self.confusion.get("eligible", {}).values())

    @property
    def review_rate_on_eligible(self) -> float | None:
        return self.count("eligible", "needs_review") / self.eligible if self.eligible else None

    def table(self) -> str:
        width = max(len(v) for v in VERDICTS) + 2
        out = [f"review bench: {self.applicants} applicants, source {self.source}, fixtures {self.fixtures}, "
               f"{self.seconds:.0f}s",
               "expected \\ got".ljust(width + 2) + "".join(v.rjust(width) for v in VERDICTS)]
        for expected in VERDICTS:
            out.append(expected.ljust(width + 2) + "".join(str(self.count(expected, got)).rjust(width)
                                                          for got in VERDICTS))
        rate = self.review_rate_on_eligible
        out.append(f"false blocks (eligible → not_eligible): {len(self.false_blocks)} "
                   f"{' '.join(self.false_blocks)}".rstrip())
        out.append(f"lost blocks (not_eligible → other): {len(self.lost_blocks)} {' '.join(self.lost_blocks)}".rstrip())
        out.append(f"review rate on eligible: {'-' if rate is None else f'{rate:.0%}'} "
                   f"({self.count('eligible', 'needs_review')} of {self.eligible}); "
                   f"eligible → eligible {self.count('eligible', 'eligible')} of {self.eligible}")
        blocks = [d for d in self.doubtful if d.severity == "block"]
        out.append(f"blocks on doubtful evidence or on eligible applicants: {len(blocks)}; "
                   f"failing rules kept as review for a doubt: {len(self.doubtful) - len(blocks)}")
        for item in self.doubtful:
            out.append(f"  {item.applicant} (expected {item.expected}) {item.rule} [{item.severity}] "
                       f"{item.document or ''}: {item.message}")
        out.append(f"applicants whose (rule, severity) findings differ from expected.json: "
                   f"{len(self.finding_differences)}")
        for applicant, differences in self.finding_differences.items():
            out.append(f"  {applicant}: {' '.join(differences)}")
        return "\n".join(out)


def _documents(root: Path, unit: str, applicant: str, source: Source, cache: ObjectStore) -> list[DocumentResult]:
    if source == "truth":
        return [truth_document(root, unit, applicant, t.path) for t in truth_files(root, unit, applicant)]
    files = sorted(p.name for p in (root / "intake" / unit / applicant / "docs").iterdir() if p.is_file())
    return [ocr_document(root, unit, applicant, file, cache) for file in files]


def run_review_bench(fixtures: Path | str, source: Source = "truth", cache: ObjectStore | None = None) -> ReviewBench:
    root = Path(fixtures)
    cache = cache or LocalStore(DEFAULT_CACHE)
    result = ReviewBench(source=source, fixtures=str(root))
    threshold = default_rules().certainty.block_confidence
    started = time.perf_counter()
    keys = truth_applicants(root)
    documents = {key: _documents(root, *key, source, cache) for key in keys}
    duplicates = duplicate_findings(d for docs in documents.values() for d in docs)
    counts: Counter[tuple[str, str]] = Counter()
    for unit, applicant in keys:
        truth = expected_review(root, unit, applicant)
        expected: Verdict = truth["verdict"]
        manifest = parse_manifest((root / "intake" / unit / applicant / "manifest.json").read_bytes())
        review = check_applicant(manifest, documents[(unit, applicant)], batch="2024", unit=unit,
                                 batch_findings=duplicates.get((unit, applicant), []))
        counts[(expected, review.verdict)] += 1
        got = Counter(f"{f.rule}/{f.severity}" for f in review.findings)
        want = Counter(f"{f['rule']}/{f['severity']}" for f in truth["findings"])
        differences = [f"+{k}" for k in (got - want).elements()] + [f"-{k}" for k in (want - got).elements()]
        if differences:
            result.finding_differences[applicant] = differences
        if expected == "eligible" and review.verdict == "not_eligible":
            result.false_blocks.append(applicant)
        if expected == "not_eligible" and review.verdict != "not_eligible":
            result.lost_blocks.append(applicant)
        for finding in review.findings:
            block = finding.severity == "block"
            weak = block and _weak_evidence(finding, documents[(unit, applicant)], threshold)
            if finding.message.startswith(DOUBT_MARK) or weak or (block and expected == "eligible"):
                result.doubtful.append(Doubtful(
                    applicant=applicant, expected=expected, rule=finding.rule, severity=finding.severity,
                    document=finding.evidence.document if finding.evidence else None, message=finding.message))
    result.applicants = len(keys)
    result.confusion = {e: {g: counts[(e, g)] for g in VERDICTS} for e in VERDICTS}
    result.seconds = time.perf_counter() - started
    return result
