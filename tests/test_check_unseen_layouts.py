"""The rules on documents read by the layout engine: a CE card in blocks per year and enterprise assessment
sheets with （√） grades give the same verdict as documents whose fields are known exactly."""

from __future__ import annotations

import unicodedata

import pytest

from extractors.extract import extract_document
from support.validate_samples import APPLICANT_ID_NUMBER, APPLICANT_NAME, documents_for, manifest, review_rules
from validators.check import check_applicant
from zcps.models import DocumentRef, DocumentResult, DocumentText, Page, Status, TextLine

CHAR = 34
GRADES = ("优秀", "称职", "基本称职", "不称职")


def _text(cells: list[tuple[str, int, int]]) -> DocumentText:
    lines = []
    for text, x, y in cells:
        width = sum(CHAR if unicodedata.east_asian_width(ch) in "WF" else CHAR // 2 for ch in text)
        lines.append(TextLine(text=text, bbox=(x, y, x + width, y + 32), score=0.97))
    return DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=1654, height=2339, lines=lines)])


def ce_blocks(hours: dict[int, tuple[int, int]], verified: dict[int, str]) -> DocumentText:
    rows = ["专业技术人员继续教育审验卡", f"持证人：{APPLICANT_NAME}", f"身份证号：{APPLICANT_ID_NUMBER}"]
    for year, (public, professional) in sorted(hours.items()):
        rows += [f"{year}年度", f"公需科目：{public} 学时", f"专业科目：{professional} 学时"]
        if year in verified:
            rows.append(f"审验日期：{verified[year]}")
    return _text([(text, 150, 150 + 60 * i) for i, text in enumerate(rows)])


def confirmation_sheet(year: int, grade: str) -> DocumentText:
    options = "  ".join(f"{option}（{'√' if option == grade else ' '}）" for option in GRADES)
    return _text([(f"{year}年度员工绩效考核结果确认单", 380, 150), ("员工姓名", 150, 320), (APPLICANT_NAME, 400, 320),
                  ("考核结果", 150, 420), (options, 400, 420), (f"员工签字：{APPLICANT_NAME}", 150, 700),
                  ("人力资源部（盖章）", 1000, 900), (f"{year + 1}年1月15日", 1000, 960)])


def _read(ideal: list[DocumentResult], doc_type: str, texts: list[DocumentText]) -> list[DocumentResult]:
    """The ideal documents with those of ``doc_type`` replaced by what the engine reads from ``texts``."""
    kept = [d for d in ideal if d.extraction.doc_type.value != doc_type]
    read = [DocumentResult(ref=DocumentRef(batch="2024", unit="hhht", applicant="2024-HH-0007", file=f"9{i}_{doc_type}.jpg"),
                           status=Status.done, sha256=f"sha-read-{doc_type}-{i}", extraction=extract_document(text))
            for i, text in enumerate(texts)]
    return kept + read


CE_CASES = [
    # every year verified: nothing to say about CE
    ({2021: (30, 60), 2022: (30, 60), 2023: (30, 60)}, {2021: "2021.12.20", 2022: "2022.12.23", 2023: "2023.12.18"}),
    # near miss: a year below 90 学时 is still a block when read from blocks
    ({2021: (30, 60), 2022: (30, 50), 2023: (30, 60)}, {2021: "2021.12.20", 2022: "2022.12.23", 2023: "2023.12.18"}),
    # near miss: a year verified after the cutoff
    ({2021: (30, 60), 2022: (30, 60), 2023: (30, 60)}, {2021: "2021.12.20", 2022: "2022.12.23", 2023: "2024.07.02"}),
]


@pytest.mark.parametrize(("hours", "verified"), CE_CASES)
def test_ce_card_in_blocks_gives_the_verdict_of_its_facts(hours, verified):
    m = manifest(ce_hours={str(y): {"public": p, "professional": q} for y, (p, q) in hours.items()})
    ideal = documents_for(m)
    for result in ideal:
        for record in result.extraction.records:
            record.verified_on = "-".join(f"{int(part):02d}" for part in verified[record.year].split("."))
    expected = check_applicant(m, ideal, batch="2024", unit="hhht")
    review = check_applicant(m, _read(ideal, "ce_card", [ce_blocks(hours, verified)]), batch="2024", unit="hhht")
    assert review.verdict == expected.verdict
    assert review_rules(review) == review_rules(expected)


@pytest.mark.parametrize("grades", [
    {2021: "称职", 2022: "优秀", 2023: "称职"},
    {2021: "称职", 2022: "基本称职", 2023: "称职"},  # near miss: a grade below 称职 blocks
])
def test_enterprise_sheets_give_the_verdict_of_their_grades(grades):
    m = manifest(assessments={str(y): g for y, g in grades.items()})
    ideal = documents_for(m)
    expected = check_applicant(m, ideal, batch="2024", unit="hhht")
    sheets = [confirmation_sheet(year, grade) for year, grade in sorted(grades.items())]
    review = check_applicant(m, _read(ideal, "annual_assessment", sheets), batch="2024", unit="hhht")
    assert review.verdict == expected.verdict
    assert review_rules(review) == review_rules(expected)
