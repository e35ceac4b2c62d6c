"""The CE register generator (course rows with a yearly 小计 line) and the whole check on it: through
the real OCR models it may be misread, but it must never block an eligible applicant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.review import truth_document
from extractors.acquire import acquire_text
from extractors.extract import extract_document
from fixtures.generator import writers
from fixtures.generator.ce_register import ce_register, register_truth, scanned
from fixtures.generator.facts import CEYear
from fixtures.generator.scan import ScanStyle
from validators.check import check_applicant
from zcps.manifest import parse_manifest
from zcps.models import DocumentRef, DocumentResult, Status

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample"
UNIT, APPLICANT = "hhht-power", "2024-HH-0001"  # eligible, 30 + 60 hours a year


def _years(public: int, professional: int) -> list[CEYear]:
    return [CEYear(year=y, public=public, professional=professional, verified_on=date(y, 12, 15))
            for y in (2021, 2022, 2023)]


@pytest.mark.parametrize(("public", "professional", "seed"), [
    (30, 60, 1), (30, 60, 2), (24, 66, 3),
    (1, 89, 4),     # one public course of one hour
    (0, 90, 5),     # no public courses at all
    (30, 59, 6),    # one hour short: the truth says so, not the drawing
])
def test_register_truth_is_seeded_and_sums_per_year(public, professional, seed):
    sheet = ce_register(_years(public, professional), holder="王建国", seed=seed)
    again = ce_register(_years(public, professional), holder="王建国", seed=seed)
    assert [line.text for line in sheet.lines] == [line.text for line in again.lines]
    truth = register_truth(sheet, "04_ce_register.png")
    assert [(r.year, r.public_hours, r.professional_hours, r.total) for r in truth.records] == \
        [(y, public, professional, public + professional) for y in (2021, 2022, 2023)]
    for year in (2021, 2022, 2023):
        subtotal = next(line.text for line in sheet.lines if line.text.startswith(f"{year}年度小计"))
        assert f"合计 {public + professional} 学时" in subtotal
    # the course rows' hours add up to each year's 小计: the register is internally consistent
    texts, running, kinds = [line.text for line in sheet.lines], 0, ("公需", "专业")
    for previous, text in zip(texts, texts[1:]):
        if previous in kinds:
            running += int(text)
        if text.endswith("学时") and "小计" in text:
            assert running == public + professional, text
            running = 0


@pytest.mark.models
@pytest.mark.parametrize(("seed", "style"), [
    (1, None),
    (7, ScanStyle(skew_deg=2.2, phone=True, noise=1.3, lighting=0.09)),  # a tilted phone photo
])
def test_register_through_real_ocr_never_blocks_an_eligible_applicant(seed, style):
    manifest = parse_manifest((SAMPLE / "intake" / UNIT / APPLICANT / "manifest.json").read_bytes())
    sheet = ce_register(_years(30, 60), holder=manifest.name, seed=seed)
    image = sheet.image if style is None else scanned(sheet, style, seed)
    text = acquire_text(writers.png(image, sheet.dpi), "04_ce_register.png")
    register = DocumentResult(ref=DocumentRef(batch="2024", unit=UNIT, applicant=APPLICANT, file="04_ce_register.png"),
                              status=Status.done, sha256=f"register-{seed}", extraction=extract_document(text))
    others = [truth_document(SAMPLE, UNIT, APPLICANT, p)
              for p in sorted((SAMPLE / "truth" / UNIT / APPLICANT / "docs").glob("*.json"))
              if "ce_card" not in p.name]
    review = check_applicant(manifest, [*others, register], batch="2024", unit=UNIT)
    records = [(r.year, r.public_hours, r.professional_hours, r.total, r.confidence)
               for r in register.extraction.records]
    print(f"seed {seed}: read as {register.extraction.doc_type.value}, records {records}; verdict {review.verdict}")
    for finding in review.findings:
        print(f"  {finding.rule} [{finding.severity}] {finding.message}")
    assert review.verdict != "not_eligible", [f.message for f in review.findings]
    for finding in review.findings:
        if finding.rule == "ce.hours_short":  # a misreading may only ever be a stated doubt
            assert finding.severity == "review" and finding.message.startswith("识别存疑"), finding.message
