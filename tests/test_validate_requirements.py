"""Continuing education §一(一)4, performance §一(一)5, the cutoff §一(一)3 and required documents."""

from __future__ import annotations

import pytest
from support.validate_samples import ce_record, document, documents_for, failed, manifest, review_rules

from validators.check import check_applicant
from zcps.models import Field


def ce_docs(m, records):
    docs = [d for d in documents_for(m) if d.extraction.doc_type.value != "ce_card"]
    return docs + [document("ce_card", "05_ce_card.jpg", records=records)]


def hours(public, professional):
    return {"public": public, "professional": professional}


CE_CASES = [
    # (2022 public, 2022 professional, verified_on, verdict, rules)
    (29, 60, None, "not_eligible", {("ce.hours_short", "block")}),  # 89 学时
    (30, 60, None, "eligible", set()),  # 90 学时, 60/90 professional
    (31, 59, None, "not_eligible", {("ce.hours_short", "block")}),  # professional 59/90 < 2/3
    (41, 79, None, "not_eligible", {("ce.hours_short", "block")}),  # 79/120 < 2/3
    (40, 80, None, "eligible", set()),  # 80/120 = 2/3
    (0, 90, None, "eligible", set()),
    (30, 60, "2024-06-30", "eligible", set()),
    (30, 60, "2024-07-01", "not_eligible", {("cutoff.ce_verified_after", "block")}),
    (30, 60, "2024-07", "not_eligible", {("cutoff.ce_verified_after", "block")}),
]


@pytest.mark.parametrize(("public", "professional", "verified_on", "verdict", "rules"), CE_CASES)
def test_ce_hours_per_year(public, professional, verified_on, verdict, rules):
    m = manifest(ce_hours={"2021": hours(30, 60), "2022": hours(public, professional), "2023": hours(30, 60)})
    records = [ce_record(2021), ce_record(2022, public, professional, verified_on), ce_record(2023)]
    review = check_applicant(m, ce_docs(m, records), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == (verdict, rules), [f.message for f in review.findings]


def test_ce_hours_short_message_and_evidence():
    m = manifest(ce_hours={"2021": hours(30, 60), "2022": hours(29, 60), "2023": hours(30, 60)})
    review = check_applicant(m, ce_docs(m, [ce_record(2021), ce_record(2022, 29, 60), ce_record(2023)]),
                             batch="2024", unit="u")
    (finding,) = review.findings
    assert finding.message == ("2022年度继续教育合计89学时、专业科目60学时，未达到每年不少于90学时且专业科目不少于2/3的要求"
                               "（§一(一)4）")
    assert finding.evidence.document == "docs/05_ce_card.jpg"


def test_ce_year_missing_from_card_is_review():
    m = manifest(ce_hours={"2021": hours(30, 60), "2023": hours(30, 60)})
    review = check_applicant(m, ce_docs(m, [ce_record(2021), ce_record(2023)]), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == ("needs_review", {("ce.year_missing", "review")})


@pytest.mark.parametrize(("months", "verdict", "rules"), [
    (3, "eligible", {("ce.township_exempt", "note")}),
    (6, "eligible", {("ce.township_exempt", "note")}),
    (2, "not_eligible", {("ce.hours_short", "block")}),
])
def test_township_service_exempts_that_years_ce(months, verdict, rules):
    m = manifest(ce_hours={"2021": hours(30, 60), "2022": hours(10, 20), "2023": hours(30, 60)},
                 township_service_months={"2022": months})
    review = check_applicant(m, ce_docs(m, [ce_record(2021), ce_record(2022, 10, 20), ce_record(2023)]),
                             batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == (verdict, rules)


@pytest.mark.parametrize("records", [
    [ce_record(2021), ce_record(2022, 16, 24), ce_record(2023)],
    [ce_record(2021), ce_record(2023)],
    [ce_record(2021), ce_record(2022, verified_on="2024-07-05"), ce_record(2023)],
])
def test_non_public_ce_shortfalls_are_one_note(records):
    m = manifest(sector="non_public", paths=["non_public"], current_title=None, technical_work_start="2017-08-01",
                 ce_hours={})
    review = check_applicant(m, ce_docs(m, records), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == ("eligible", {("ce.non_public", "note")})


def test_non_public_without_ce_card_is_not_a_missing_document():
    m = manifest(sector="non_public", paths=["non_public"], current_title=None, technical_work_start="2017-08-01",
                 ce_hours={})
    docs = [d for d in documents_for(m) if d.extraction.doc_type.value != "ce_card"]
    review = check_applicant(m, docs, batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == ("eligible", {("ce.non_public", "note")})


@pytest.mark.parametrize(("grade", "verdict", "rules"), [
    ("称职", "eligible", set()),
    ("合格", "eligible", set()),
    ("优秀", "eligible", set()),
    ("基本称职", "not_eligible", {("performance.grade_below", "block")}),
    ("基本合格", "not_eligible", {("performance.grade_below", "block")}),
    ("不称职", "not_eligible", {("performance.grade_below", "block")}),
    ("不合格", "not_eligible", {("performance.grade_below", "block")}),
])
def test_assessment_grades(grade, verdict, rules):
    m = manifest(assessments={"2021": "称职", "2022": grade, "2023": "称职"})
    review = check_applicant(m, documents_for(m), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == (verdict, rules)


@pytest.mark.parametrize(("declared", "verdict", "rules"), [
    ({"2022": "称职", "2023": "称职"}, "needs_review", {("performance.year_missing", "review")}),
    ({"2021": "称职", "2022": "称职"}, "needs_review", {("performance.year_missing", "review")}),
])
def test_assessment_year_missing(declared, verdict, rules):
    m = manifest(assessments=declared)
    review = check_applicant(m, documents_for(m), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == (verdict, rules)


def test_declared_failing_grade_without_a_form_still_blocks():
    m = manifest(assessments={"2021": "不称职", "2022": "称职", "2023": "称职"})
    docs = [d for d in documents_for(m) if d.ref.file != "06_assessment_2021.jpg"]
    review = check_applicant(m, docs, batch="2024", unit="u")
    assert review_rules(review) == {("performance.year_missing", "review"), ("performance.grade_below", "block")}


@pytest.mark.parametrize(("missing", "rules"), [
    ("pledge", {("docs.missing", "review")}),
    ("unit_evaluation", {("docs.missing", "review")}),
    ("education_certificate", {("docs.missing", "review")}),
    ("title_certificate", {("docs.missing", "review")}),
    ("ce_card", {("docs.missing", "review")}),
])
def test_missing_required_documents(missing, rules):
    m = manifest()
    review = check_applicant(m, documents_for(m, without=(missing,)), batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == ("needs_review", rules)


def test_unreadable_required_document_is_reported_once():
    m = manifest(documents=[{"file": "docs/05_ce_card.jpg", "declared_type": "ce_card"}])
    docs = documents_for(m, without=("ce_card",)) + [failed("05_ce_card.jpg", "E_CORRUPT_FILE")]
    review = check_applicant(m, docs, batch="2024", unit="u")
    assert review_rules(review) == {("file.unreadable", "review")}
    assert review.findings[0].extracted == "E_CORRUPT_FILE" and review.failed_files == ["docs/05_ce_card.jpg"]


def senior(**changes):
    return manifest(target_level="正高级", current_title={"level": "副高级", "name": "高级工程师",
                                                          "obtained_on": "2018-11-25"}, **changes)


@pytest.mark.parametrize(("drop", "rules"), [
    (None, set()),
    ("education_certificate", set()),  # 附件1: 正高级 submit no education certificate
    ("appointment_letter", {("docs.senior_checklist", "review")}),
    ("achievement", {("docs.senior_checklist", "review")}),
    ("ce_card", {("docs.missing", "review")}),
])
def test_senior_checklist(drop, rules):
    m = senior()
    review = check_applicant(m, documents_for(m, without=(drop,) if drop else ()), batch="2024", unit="u")
    assert review_rules(review) == rules, [f.message for f in review.findings]


def test_senior_checklist_counts_three_assessment_forms():
    m = senior(assessments={"2022": "称职", "2023": "称职"})
    review = check_applicant(m, documents_for(m), batch="2024", unit="u")
    assert review_rules(review) == {("docs.senior_checklist", "review"), ("performance.year_missing", "review")}
    assert any("仅2份（应为3份）" in f.message for f in review.findings)


@pytest.mark.parametrize(("doc_type", "fields", "dates", "rules"), [
    ("achievement", {"issued_on": "2024-06-30"}, [], set()),
    ("achievement", {"issued_on": "2024-07-01"}, [], {("cutoff.evidence_after", "note")}),
    ("achievement", {}, ["2023-01-05", "2024-08-01"], {("cutoff.evidence_after", "note")}),
    ("other", {}, ["2023-01-05", "2024-06"], set()),
    ("other", {}, ["2024-07"], {("cutoff.evidence_after", "note")}),
])
def test_evidence_after_cutoff_is_reported(doc_type, fields, dates, rules):
    m = manifest()
    extra = document(doc_type, "10_extra.jpg", fields)
    extra.extraction.dates = [Field(value=d, raw=d, confidence=0.99, page=1, bbox=(1, 2, 3, 4)) for d in dates]
    review = check_applicant(m, documents_for(m) + [extra], batch="2024", unit="u")
    assert (review.verdict, review_rules(review)) == ("eligible", rules)


def test_title_obtained_after_cutoff_does_not_count():
    m = manifest(current_title={"obtained_on": "2019-12-28"})
    docs = documents_for(m)
    next(d for d in docs if d.ref.file == "03_title.jpg").extraction.fields["qualified_on"].value = "2024-07-03"
    review = check_applicant(m, docs, batch="2024", unit="u")
    assert review_rules(review) == {("cutoff.evidence_after", "note"), ("qualification.prerequisite_title", "block")}
