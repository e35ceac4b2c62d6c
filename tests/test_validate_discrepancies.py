"""Declared vs extracted values, identity, low confidence, unreadable files, duplicates, bad manifests."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein
from stdnum.cn import ric

from support.validate_samples import (
    APPLICANT_ID_NUMBER, ce_record, document, documents_for, failed, manifest, replace_field, review_rules,
)

from validators.check import check_applicant, check_invalid_manifest
from validators.duplicates import duplicate_findings
from zcps.errors import ManifestInvalid
from zcps.idcard import with_check_digit
from zcps.manifest import parse_manifest


def check(m, docs):
    return check_applicant(m, docs, batch="2024", unit="u")


@pytest.mark.parametrize(("declared", "on_certificate", "rules"), [
    ("2019-12", "2019-12-28", set()),          # coarser precision agrees
    ("2019-12-28", "2019-12", set()),
    ("2019-12-28", "2019-12-28", set()),
    ("2019-12-27", "2019-12-28", {("declared.date_mismatch", "review")}),
    ("2019-11", "2019-12-28", {("declared.date_mismatch", "review")}),
])
def test_title_date_declared_vs_certificate(declared, on_certificate, rules):
    m = manifest(current_title={"obtained_on": declared})
    docs = documents_for(m)
    replace_field(docs, "title_certificate", "qualified_on", on_certificate)
    review = check(m, docs)
    assert review_rules(review) == rules
    if rules:
        finding = review.findings[0]
        assert (finding.declared, finding.extracted) == (declared, on_certificate)
        assert finding.evidence.document == "docs/03_title.jpg" and finding.evidence.page == 1


@pytest.mark.parametrize(("doc_type", "name", "value", "rules"), [
    ("education_certificate", "education_level", "大专", {("declared.level_mismatch", "review")}),
    ("education_certificate", "graduated_on", "2013-07-01", {("declared.date_mismatch", "review")}),
    ("degree_certificate", "degree", "硕士", {("declared.level_mismatch", "review")}),
    ("title_certificate", "title_level", "员级", {("declared.level_mismatch", "review"),
                                                 ("qualification.prerequisite_title", "block")}),
])
def test_levels_and_dates_declared_vs_documents(doc_type, name, value, rules):
    m = manifest()
    docs = documents_for(m)
    replace_field(docs, doc_type, name, value)
    assert review_rules(check(m, docs)) == rules


def test_grade_declared_vs_form():
    m = manifest(assessments={"2021": "称职", "2022": "优秀", "2023": "称职"})
    docs = documents_for(m)
    replace_field(docs, "annual_assessment", "grade", "称职", year=2022)
    review = check(m, docs)
    assert review_rules(review) == {("declared.grade_mismatch", "review")}
    assert (review.findings[0].declared, review.findings[0].extracted) == ("优秀", "称职")


@pytest.mark.parametrize(("public", "professional", "rules"), [
    (30, 60, set()),
    (30, 62, {("declared.hours_mismatch", "review")}),
    (31, 62, {("declared.hours_mismatch", "review")}),
])
def test_hours_declared_vs_card(public, professional, rules):
    m = manifest()
    docs = [d for d in documents_for(m) if d.extraction.doc_type.value != "ce_card"]
    docs.append(document("ce_card", "05_ce_card.jpg",
                         records=[ce_record(2021), ce_record(2022, public, professional), ce_record(2023)]))
    assert review_rules(check(m, docs)) == rules


@pytest.mark.parametrize(("name", "id_number", "rules"), [
    ("王建国", APPLICANT_ID_NUMBER, set()),
    ("王 建国", APPLICANT_ID_NUMBER, set()),
    ("王建民", APPLICANT_ID_NUMBER, {("identity.name_mismatch", "review")}),  # one character: maybe another person
    ("李秀英", APPLICANT_ID_NUMBER, {("identity.name_mismatch", "review")}),
    ("王建国", "150102198503152318", {("identity.id_unknown", "note")}),  # its check digit misread
    ("王建国", "110101199003074514", {("identity.id_mismatch", "review")}),
    ("李秀英", "110101199003074514", {("identity.name_mismatch", "review"), ("identity.id_mismatch", "review")}),
])
def test_identity_on_documents(name, id_number, rules):
    m = manifest()
    docs = documents_for(m) + [document("achievement", "10_award.jpg", {"issued_on": "2023-03-18"},
                                        holder=(name, id_number))]
    assert review_rules(check(m, docs)) == rules


def test_id_check_character_case_is_normalised():
    bases = (f"11010119900307{sequence:03d}" for sequence in range(1000))
    number = next(with_check_digit(b) for b in bases if with_check_digit(b).endswith("X"))
    m = manifest(id_number=number)
    docs = documents_for(m) + [document("pledge", "11_pledge.jpg", {}, holder=(m.name, number.lower()))]
    assert review_rules(check(m, docs)) == set()


def _with_digits(number: str, changes: dict[int, str], *, valid: bool) -> str:
    """``number`` with the digits at ``changes`` replaced and a check digit that is (in)valid."""
    body = list(number[:-1])
    for position, digit in changes.items():
        body[position] = digit
    check = with_check_digit("".join(body))
    return check if valid else check[:-1] + next(c for c in "0123456789X" if c != check[-1])


MISREAD_EDITS = 2  # certainty.id_misread_edits in the 2024 rules


@pytest.mark.parametrize(("read", "rule", "flag"), [
    (_with_digits(APPLICANT_ID_NUMBER, {}, valid=False), "identity.id_unknown", "相差1位"),  # check digit misread
    (_with_digits(APPLICANT_ID_NUMBER, {10: "9"}, valid=False), "identity.id_unknown", None),
    # near misses: past the misread distance, or a valid number (a real ID, perhaps another person's)
    (_with_digits(APPLICANT_ID_NUMBER, {8: "0", 9: "0", 10: "9"}, valid=False), "identity.id_mismatch", "校验位无效"),
    (_with_digits(APPLICANT_ID_NUMBER, {16: "5"}, valid=True), "identity.id_mismatch", None),
])
def test_an_invalid_id_close_to_the_declared_one_is_unknown_not_a_mismatch(read, rule, flag):
    m = manifest()
    edits = Levenshtein.distance(read, m.id_number)
    assert (rule == "identity.id_unknown") == (not ric.is_valid(read) and edits <= MISREAD_EDITS)
    docs = documents_for(m) + [document("pledge", "11_pledge.jpg", {}, holder=(m.name, read))]
    (finding,) = check(m, docs).findings
    assert finding.rule == rule
    assert finding.severity == ("note" if rule == "identity.id_unknown" else "review")
    assert flag is None or flag in finding.message


@pytest.mark.parametrize(("confidence", "rules"), [
    (0.79, {("extract.low_confidence", "review")}),
    (0.80, set()),
    (0.95, set()),
])
def test_low_confidence_field_the_rules_use(confidence, rules):
    m = manifest()
    docs = documents_for(m)
    replace_field(docs, "title_certificate", "qualified_on", m.current_title.obtained_on, confidence=confidence)
    assert review_rules(check(m, docs)) == rules


def test_low_confidence_on_an_unused_field_is_ignored():
    m = manifest()
    docs = documents_for(m)
    replace_field(docs, "pledge", "signed_on", "2024-06-20", confidence=0.3)
    assert review_rules(check(m, docs)) == set()


def test_low_confidence_ce_row():
    m = manifest()
    docs = [d for d in documents_for(m) if d.extraction.doc_type.value != "ce_card"]
    docs.append(document("ce_card", "05_ce_card.jpg",
                         records=[ce_record(2021), ce_record(2022, confidence=0.5), ce_record(2023)]))
    assert review_rules(check(m, docs)) == {("extract.low_confidence", "review")}


@pytest.mark.parametrize("code", ["E_ENCRYPTED_PDF", "E_UNSUPPORTED_TYPE", "E_EMPTY_FILE"])
def test_failed_file_names_file_and_code(code):
    m = manifest()
    review = check(m, documents_for(m) + [failed("12_extra.pdf", code)])
    (finding,) = review.findings
    assert (finding.rule, finding.extracted) == ("file.unreadable", code)
    assert finding.evidence.document == "docs/12_extra.pdf"
    assert code in finding.message and "docs/12_extra.pdf" in finding.message


def _edu(applicant, sha, number, status_failed=False):
    if status_failed:
        return failed("01_education.jpg", applicant=applicant)
    return document("education_certificate", "01_education.jpg", {"certificate_number": number},
                    applicant=applicant, sha256=sha)


@pytest.mark.parametrize(("docs", "expected"), [
    ([_edu("A", "s1", "N1"), _edu("B", "s1", "N1")],
     {"A": {"duplicate.same_file", "duplicate.same_certificate"},
      "B": {"duplicate.same_file", "duplicate.same_certificate"}}),
    ([_edu("A", "s1", "N1"), _edu("B", "s2", " n1 ")], {"A": {"duplicate.same_certificate"},
                                                        "B": {"duplicate.same_certificate"}}),
    ([_edu("A", "s1", "N1"), _edu("B", "s2", "N2")], {}),
    ([_edu("A", "s1", "N1"), _edu("A", "s1", "N1")], {}),  # the same applicant twice is not a duplicate
    ([_edu("A", "", "", True), _edu("B", "", "", True)], {}),  # unreadable files share a hash, not a document
])
def test_duplicates_across_applicants(docs, expected):
    found = duplicate_findings(docs)
    assert {key[1]: {f.rule for f in findings} for key, findings in found.items()} == expected


def test_duplicate_findings_feed_the_review():
    m = manifest()
    batch = duplicate_findings([_edu("2024-HH-0007", "s1", "N1"), _edu("2024-HH-0008", "s1", "N1")])
    review = check_applicant(m, documents_for(m), batch="2024", unit="hhht",
                             batch_findings=batch[("hhht", "2024-HH-0007")])
    assert review.verdict == "needs_review"
    assert "2024-HH-0008" in review.findings[0].message


def test_invalid_manifest_review():
    with pytest.raises(ManifestInvalid) as raised:
        parse_manifest('{"schema": "zcps.manifest/1", "applicant_id": "x"}')
    review = check_invalid_manifest("2024-HH-0009", "hhht", "2024", raised.value)
    assert (review.verdict, review_rules(review)) == ("needs_review", {("manifest.invalid", "review")})
    assert "name" in review.findings[0].message and review.findings[0].extracted == "E_MANIFEST"


@pytest.mark.parametrize(("on_form", "rules"), [
    (7, {("green_channel.manual", "review")}),
    (8, {("green_channel.manual", "review"), ("declared.level_mismatch", "review")}),
])
def test_green_channel_item_declared_vs_form(on_form, rules):
    m = manifest(target_level="副高级", current_title={"level": "中级", "name": "工程师", "obtained_on": "2022-12-22"},
                 paths=["green_channel:7"])
    docs = documents_for(m)
    replace_field(docs, "green_channel_form", "green_channel_item", on_form)
    assert review_rules(check(m, docs)) == rules


@pytest.mark.parametrize("malformed", ["2019年", "2019-13-01", "2019-02-30"])
def test_malformed_certificate_date_falls_back_to_the_declared_one(malformed):
    m = manifest()
    docs = documents_for(m)
    replace_field(docs, "title_certificate", "qualified_on", malformed)
    review = check(m, docs)
    assert (review.verdict, review.path) == ("eligible", "standard:中级③")
