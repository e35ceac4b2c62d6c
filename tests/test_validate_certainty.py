"""Consistency checks before the rules, and severity following certainty: a block rests only on
confident, consistent evidence with no alternative reading that would pass; otherwise it is a
review naming the doubt. Names are compared only when read as the holder's."""

from __future__ import annotations

import pytest
from support.validate_samples import BOX, ce_record, document, documents_for, field, manifest, review_rules

from validators.check import check_applicant
from validators.consistency import assessment_doubts, ce_hours_doubts, ce_verified_doubts, date_order_doubts
from validators.evidence import CEYear, Fact
from validators.schema import load_rules
from zcps.models import Candidate, CERecord

RULES = load_rules("2024")


def check(m, docs):
    return check_applicant(m, docs, batch="2024", unit="u")


def _without(docs, doc_type):
    return [d for d in docs if d.extraction.doc_type.value != doc_type]


def _severities(review, rule):
    return [f.severity for f in review.findings if f.rule == rule]


def _finding(review, rule):
    return next(f for f in review.findings if f.rule == rule)


# --- the consistency checks, each with near misses -------------------------------------------------

@pytest.mark.parametrize(("public", "professional", "total", "doubt"), [
    (30, 60, 90, None),
    (30, 60, 90.5, None),        # within the card's half-hour rounding
    (30, 60, 89.5, None),
    (30, 60, 91, "合计与分项不符"),  # just past the rounding
    (30, 60, 2, "合计与分项不符"),   # the CE register misread as 合计 2 学时
    (None, 60, 2, None),          # a part missing: nothing to compare
])
def test_ce_sum(public, professional, total, doubt):
    doubts = ce_hours_doubts(CEYear(year=2022, public_hours=public, professional_hours=professional,
                                    total_hours=total), RULES)
    assert (doubts[0][:7] if doubts else None) == doubt


@pytest.mark.parametrize(("public", "professional", "total", "doubtful"), [
    (30, 60, 90, False),
    (None, 60, 90, False),   # the share can still be judged
    (None, None, 2, True),   # a total alone: 合计 2 学时 with no parts read
    (30, None, 90, True),
])
def test_ce_professional_hours_missing(public, professional, total, doubtful):
    doubts = ce_hours_doubts(CEYear(year=2022, public_hours=public, professional_hours=professional,
                                    total_hours=total), RULES)
    assert any("未读到2022年度专业科目学时" in d for d in doubts) is doubtful


@pytest.mark.parametrize(("verified_on", "doubtful"), [
    ("2022-01-01", False), ("2022-01", False), ("2022-12-15", False),
    ("2021-12-31", True), ("2021-12", True),
])
def test_ce_verified_after_the_year_starts(verified_on, doubtful):
    doubts = ce_verified_doubts(CEYear(year=2022, public_hours=30, professional_hours=60, total_hours=90,
                                       verified_on=verified_on), RULES)
    assert any("早于该年度开始" in d for d in doubts) is doubtful


@pytest.mark.parametrize(("hours", "doubtful"), [(360, False), (0, False), (361, True), (-1, True)])
def test_ce_hours_in_a_plausible_range(hours, doubtful):
    doubts = ce_hours_doubts(CEYear(year=2022, public_hours=hours, professional_hours=0, total_hours=hours), RULES)
    assert any("超出合理范围" in d for d in doubts) is doubtful


@pytest.mark.parametrize(("dates", "doubtful"), [
    ({"birth": "1985-03-15", "graduated_on": "2008-07-01", "title_on": "2012-12-28"}, set()),
    ({"birth": "1985-03-15", "graduated_on": "2008-07-01", "title_on": "2008-07-02"}, set()),
    ({"birth": "1985-03-15", "graduated_on": "2008-07-01", "title_on": "2008-07-01"}, {"graduated_on", "title_on"}),
    ({"birth": "1985-03-15", "graduated_on": "2008-07", "title_on": "2008-06-30"}, {"graduated_on", "title_on"}),
    ({"birth": "1985-03-15", "graduated_on": "1985-03", "title_on": "2012-12-28"}, {"birth", "graduated_on"}),
    ({"birth": "1985-03-15", "graduated_on": None, "title_on": "1984-12"}, {"birth", "title_on"}),
    ({"birth": None, "graduated_on": "2008-07-01", "title_on": "2024-06-30"}, {"title_on", "cutoff"}),
])
def test_dates_in_order(dates, doubtful):
    found = date_order_doubts({**dates, "cutoff": "2024-06-30"}, RULES)
    assert set(found) == doubtful


def _year(value, *others):
    return Fact(value=value, field="year", file="docs/a.jpg",
                alternatives=[Fact(value=o, field="year", file="docs/a.jpg") for o in others])


@pytest.mark.parametrize(("printed", "signed_on", "doubtful"), [
    (_year(2022), "2023-01-16", False),
    (_year(2022), "2022-12-30", False),
    (_year(2022, 2022), "2023-01-16", False),   # the same year printed twice
    (_year(2022), "2024-01-10", True),          # signed two years later: not this year's form
    (_year(2022), "2021-12-30", True),          # signed before the year it assesses
    (_year(2022, 2023), "2023-01-16", True),    # two different years printed on the form
])
def test_assessment_year_matches(printed, signed_on, doubtful):
    signed = Fact(value=signed_on, field="signed_on", file="docs/a.jpg")
    assert bool(assessment_doubts(2022, printed, signed, RULES)) is doubtful


# --- a block downgraded to review, one case per kind of doubt ----------------------------------------

def _ce_card(*records):
    return document("ce_card", "05_ce_card.jpg", records=list(records))


def _with_card(m, *records):
    return _without(documents_for(m), "ce_card") + [_ce_card(*records)]


def test_confident_consistent_ce_shortfall_stays_a_block():
    m = manifest()
    review = check(m, _with_card(m, ce_record(2021), ce_record(2022, public=30, professional=40), ce_record(2023)))
    assert _severities(review, "ce.hours_short") == ["block"] and review.verdict == "not_eligible"


@pytest.mark.parametrize(("record", "doubt"), [
    # the CE register read as 合计 2 学时 at 0.61
    (CERecord(year=2022, public_hours=0, professional_hours=2, total=2, confidence=0.61, bbox=BOX,
              verified_on="2022-12-15"), "识别置信度偏低（0.61）"),
    # high confidence, but the total disagrees with its parts
    (CERecord(year=2022, public_hours=30, professional_hours=60, total=2, confidence=0.95, bbox=BOX,
              verified_on="2022-12-15"), "合计与分项不符"),
    # verified before the year it certifies
    (CERecord(year=2022, public_hours=30, professional_hours=40, total=70, confidence=0.95, bbox=BOX,
              verified_on="2021-06-01"), "早于该年度开始"),
    # an implausible reading
    (CERecord(year=2022, public_hours=400, professional_hours=0, total=400, confidence=0.95, bbox=BOX,
              verified_on="2022-12-15"), "超出合理范围"),
    # only a total was read
    (CERecord(year=2022, total=2, confidence=0.95, bbox=BOX, verified_on="2022-12-15"), "未读到2022年度专业科目学时"),
    # the extractor's own doubt
    (CERecord(year=2022, public_hours=30, professional_hours=40, total=70, confidence=0.95, bbox=BOX,
              verified_on="2022-12-15", doubts=["表格行列未对齐"]), "表格行列未对齐"),
])
def test_doubtful_ce_reading_is_a_review_naming_the_doubt(record, doubt):
    m = manifest()
    review = check(m, _with_card(m, ce_record(2021), record, ce_record(2023)))
    finding = _finding(review, "ce.hours_short")
    assert finding.severity == "review" and review.verdict == "needs_review"
    assert finding.message.startswith("识别存疑") and doubt in finding.message
    assert finding.evidence.document == "docs/05_ce_card.jpg"


def test_ce_sum_doubt_shows_the_values_both_ways():
    m = manifest()
    record = ce_record(2022).model_copy(update={"total": 2})
    finding = _finding(check(m, _with_card(m, ce_record(2021), record, ce_record(2023))), "ce.hours_short")
    assert "按识别值合计2学时：不符合；按分项之和90学时：符合" in finding.message


def test_two_doubtful_years_are_each_shown_both_ways():
    """Each year's alternative is judged on that year: the other year's shortfall does not hide it."""
    m = manifest()
    misread = [ce_record(year).model_copy(update={"total": 2}) for year in (2021, 2022)]
    review = check(m, _with_card(m, *misread, ce_record(2023)))
    messages = [f.message for f in review.findings if f.rule == "ce.hours_short"]
    assert len(messages) == 2 and all("按分项之和90学时：符合" in message for message in messages)


@pytest.mark.parametrize(("record", "severity"), [
    (ce_record(2023, verified_on="2024-07-02"), "block"),
    # hours that do not add up do not weaken a rule about the verification date
    (ce_record(2023, verified_on="2024-07-02").model_copy(update={"total": 2}), "block"),
    (ce_record(2023, verified_on="2024-07-02", confidence=0.6), "review"),
    (ce_record(2023, verified_on="2024-07-02").model_copy(update={"doubts": ["审验日期被印章遮挡"]}), "review"),
])
def test_ce_verified_after_the_cutoff(record, severity):
    m = manifest()
    review = check(m, _with_card(m, ce_record(2021), ce_record(2022), record))
    assert _severities(review, "cutoff.ce_verified_after") == [severity]


@pytest.mark.parametrize(("confidence", "severity"), [(0.79, "review"), (0.80, "block"), (0.99, "block")])
def test_block_confidence_threshold(confidence, severity):
    m = manifest()
    short = ce_record(2022, public=30, professional=40, confidence=confidence)
    assert _severities(check(m, _with_card(m, ce_record(2021), short, ce_record(2023))), "ce.hours_short") == [severity]


def _title_docs(m, qualified_on, *others, confidence=0.99):
    docs = documents_for(m)
    title = next(d for d in docs if d.extraction.doc_type.value == "title_certificate")
    title.extraction.fields["qualified_on"] = field(qualified_on, confidence).model_copy(update={
        "label": "取得资格时间",
        "alternatives": [Candidate(value=o, raw=o, confidence=0.99, page=1, bbox=BOX, label="发证日期")
                         for o in others]})
    return docs


@pytest.mark.parametrize(("alternatives", "severity"), [
    ((), "block"),                    # one date, confidently read: a true block
    (("2020-07-20",), "block"),       # the other date would fail too
    (("2020-05-20",), "review"),      # the other date would pass
    (("1985-03",), "block"),          # a birth month is no qualification date (dates out of order)
    (("2011-06-30",), "block"),       # before graduation: not a real alternative
    (("2020-07-20", "2020-05-20"), "review"),
])
def test_title_certificate_with_two_dates(alternatives, severity):
    m = manifest(current_title={"obtained_on": "2020-08-18"})
    review = check(m, _title_docs(m, "2020-08-18", *alternatives))
    assert _severities(review, "qualification.years_short") == [severity]
    if severity == "review":
        message = _finding(review, "qualification.years_short").message
        dates = " / ".join(sorted({"2020-08-18", *alternatives}))
        count = "两" if len(alternatives) == 1 else "三"
        assert f"专业技术资格证书上有{count}个日期：{dates}" in message
        assert "按识别值2020-08-18：不符合；按2020-05-20：符合" in message


def test_title_date_before_graduation_is_doubtful():
    m = manifest(education={"graduated_on": "2021-07-01"}, current_title={"obtained_on": "2021-06-01"})
    finding = _finding(check(m, documents_for(m)), "qualification.years_short")
    assert finding.severity == "review" and "职称取得时间（2021-06-01）不晚于毕业时间（2021-07-01）" in finding.message


def test_low_confidence_title_date_is_a_review():
    m = manifest(current_title={"obtained_on": "2020-08-18"})
    review = check(m, _title_docs(m, "2020-08-18", confidence=0.61))
    assert _severities(review, "qualification.years_short") == ["review"]
    assert review.verdict == "needs_review"


def test_block_on_declared_evidence_only_stays_a_block():
    """No title certificate submitted: the declared date is the applicant's own statement."""
    m = manifest(current_title={"obtained_on": "2020-08-18"})
    review = check(m, _without(documents_for(m), "title_certificate"))
    assert _severities(review, "qualification.years_short") == ["block"]


@pytest.mark.parametrize(("signed_on", "severity"), [("2023-01-16", "block"), ("2025-01-10", "review")])
def test_grade_below_on_a_form_whose_year_disagrees(signed_on, severity):
    m = manifest(assessments={"2021": "称职", "2022": "基本称职", "2023": "称职"})
    docs = documents_for(m)
    form = next(d for d in docs if d.ref.file == "06_assessment_2022.jpg")
    form.extraction.fields["signed_on"] = field(signed_on)
    review = check(m, docs)
    assert _severities(review, "performance.grade_below") == [severity]
    if severity == "review":
        assert "考核表所印年度（2022）与签署日期2025-01-10不符" in _finding(review, "performance.grade_below").message


def test_declared_value_among_the_candidates_is_said():
    m = manifest(current_title={"obtained_on": "2020-05-20"})
    finding = _finding(check(m, _title_docs(m, "2020-08-18", "2020-05-20")), "declared.date_mismatch")
    assert finding.severity == "review"
    assert "申报值与该材料上的另一读数（发证日期2020-05-20）一致" in finding.message


def test_declared_value_not_among_the_candidates_says_nothing_more():
    m = manifest(current_title={"obtained_on": "2020-04-01"})
    finding = _finding(check(m, _title_docs(m, "2020-05-20", "2020-08-18")), "declared.date_mismatch")
    assert "另一读数" not in finding.message


# --- names -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "role", "confidence", "rules"), [
    ("李四", "holder", 0.95, {("identity.name_mismatch", "review")}),
    ("李四", "holder", 0.80, {("identity.name_mismatch", "review")}),
    ("李四", "holder", 0.79, {("identity.name_unknown", "note")}),
    ("王建国", "holder", 0.95, set()),
    ("王建国", "holder", 0.50, set()),   # an uncertain reading that agrees leaves nothing to doubt
    ("王建国", None, 0.99, set()),
    ("李四", "signer", 0.99, set()),     # a signatory is never compared
    ("李四", None, 0.99, {("identity.name_unknown", "note")}),  # found without a holder label
])
def test_name_compared_only_when_read_as_the_holders(name, role, confidence, rules):
    m = manifest()
    docs = documents_for(m)
    pledge = next(d for d in docs if d.extraction.doc_type.value == "pledge")
    pledge.extraction.fields["name"] = field(name, confidence, role=role)
    review = check(m, docs)
    assert review_rules(review) == rules
    assert len(review.findings) == len(rules)  # once per document


@pytest.mark.parametrize(("verified", "sector", "rules"), [
    (None, "public", set()),
    (True, "public", set()),
    (False, "public", {("ce.unverified", "review")}),
    (False, "non_public", {("ce.non_public", "note")}),  # CE is no hard requirement there
])
def test_unverified_ce_year_is_never_silently_verified(verified, sector, rules):
    m = manifest(sector=sector)
    unverified = ce_record(2022).model_copy(update={"verified": verified})
    review = check(m, _with_card(m, ce_record(2021), unverified, ce_record(2023)))
    assert review_rules(review) == rules
    if sector == "non_public":
        assert "2022年度未见审验" in _finding(review, "ce.non_public").message
