"""§一(一)2 (1)–(5): every target level with every education path, at and just past the cutoff."""

from __future__ import annotations

import pytest
from support.validate_samples import documents_for, manifest, review_rules

from validators.check import check_applicant

NO_TITLE = None
BACHELOR = {"level": "本科", "degree": "学士", "specialty_related": True}
SECOND_BACHELOR = {"level": "本科", "degree": "第二学士", "specialty_related": True}
MASTER = {"level": "硕士", "degree": "硕士", "specialty_related": True}
MASTER_OTHER_FIELD = {"level": "硕士", "degree": "硕士", "specialty_related": False}
DOCTOR = {"level": "博士", "degree": "博士", "specialty_related": True}
COLLEGE = {"level": "大专", "degree": None, "specialty_related": True}
SECONDARY = {"level": "中专", "degree": None, "specialty_related": True}

TITLE_NAMES = {"员级": "技术员", "助理级": "助理工程师", "中级": "工程师", "副高级": "高级工程师"}


def title(level: str, obtained_on: str) -> dict:
    return {"level": level, "name": TITLE_NAMES[level], "obtained_on": obtained_on, "series": "电力工程"}


def run(target, education, current_title, work_start="2012-07-15"):
    m = manifest(target_level=target, education={**education, "graduated_on": "2012-07-01"},
                 current_title=current_title, technical_work_start=work_start)
    return check_applicant(m, documents_for(m), batch="2024", unit="hhht")


# (target, education, title, work start, verdict, qualifying path or blocking rule)
CASES = [
    ("员级", BACHELOR, NO_TITLE, "2024-06-01", "eligible", "standard:员级①"),
    ("员级", COLLEGE, NO_TITLE, "2023-06-30", "eligible", "standard:员级②"),
    ("员级", COLLEGE, NO_TITLE, "2023-07-01", "not_eligible", "qualification.years_short"),
    ("员级", SECONDARY, NO_TITLE, "2023-06", "eligible", "standard:员级②"),
    ("员级", SECONDARY, NO_TITLE, "2023-07", "not_eligible", "qualification.years_short"),
    ("助理级", MASTER, NO_TITLE, "2024-06-01", "eligible", "standard:助理级①"),
    ("助理级", SECOND_BACHELOR, NO_TITLE, "2024-06-01", "eligible", "standard:助理级①"),
    ("助理级", BACHELOR, NO_TITLE, "2023-06-30", "eligible", "standard:助理级②"),
    ("助理级", BACHELOR, NO_TITLE, "2023-07-01", "not_eligible", "qualification.years_short"),
    ("助理级", COLLEGE, title("员级", "2022-06-30"), "2012-07-15", "eligible", "standard:助理级③"),
    ("助理级", COLLEGE, title("员级", "2022-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("助理级", COLLEGE, NO_TITLE, "2012-07-15", "not_eligible", "qualification.prerequisite_title"),
    ("助理级", SECONDARY, title("员级", "2020-06-30"), "2012-07-15", "eligible", "standard:助理级④"),
    ("助理级", SECONDARY, title("员级", "2020-07"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("中级", DOCTOR, NO_TITLE, "2024-06-01", "eligible", "standard:中级①"),
    ("中级", MASTER_OTHER_FIELD, title("助理级", "2022-06-30"), "2012-07-15", "eligible", "standard:中级②"),
    ("中级", MASTER_OTHER_FIELD, title("助理级", "2022-07-01"), "2012-07-15", "not_eligible",
     "qualification.years_short"),
    ("中级", MASTER, title("助理级", "2023-06-30"), "2012-07-15", "eligible", "standard:中级②"),
    ("中级", MASTER, title("助理级", "2023-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("中级", SECOND_BACHELOR, title("助理级", "2022-06-30"), "2012-07-15", "eligible", "standard:中级②"),
    ("中级", SECOND_BACHELOR, title("助理级", "2023-06-30"), "2012-07-15", "not_eligible",
     "qualification.years_short"),  # a second bachelor's degree is not a 硕士学位: no early year
    ("中级", BACHELOR, title("助理级", "2020-06-30"), "2012-07-15", "eligible", "standard:中级③"),
    ("中级", BACHELOR, title("助理级", "2020-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("中级", BACHELOR, title("助理级", "2020-06"), "2012-07-15", "eligible", "standard:中级③"),
    ("中级", BACHELOR, title("助理级", "2020-07"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("中级", COLLEGE, title("助理级", "2020-06-30"), "2012-07-15", "eligible", "standard:中级④"),
    ("中级", COLLEGE, title("助理级", "2020-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("中级", SECONDARY, title("助理级", "2010-01-01"), "2012-07-15", "not_eligible", "qualification.education"),
    ("中级", BACHELOR, NO_TITLE, "2012-07-15", "not_eligible", "qualification.prerequisite_title"),
    ("中级", BACHELOR, title("员级", "2010-01-01"), "2012-07-15", "not_eligible", "qualification.prerequisite_title"),
    ("副高级", DOCTOR | {"specialty_related": False}, title("中级", "2022-06-30"), "2012-07-15", "eligible",
     "standard:副高级①"),
    ("副高级", DOCTOR, title("中级", "2023-06-30"), "2012-07-15", "eligible", "standard:副高级①"),
    ("副高级", DOCTOR, title("中级", "2023-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("副高级", MASTER, title("中级", "2020-06-30"), "2012-07-15", "eligible", "standard:副高级②"),
    ("副高级", MASTER, title("中级", "2020-07-15"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("副高级", MASTER_OTHER_FIELD, title("中级", "2020-06-30"), "2012-07-15", "not_eligible",
     "qualification.years_short"),
    ("副高级", BACHELOR, title("中级", "2019-06-30"), "2012-07-15", "eligible", "standard:副高级②"),
    ("副高级", BACHELOR, title("中级", "2019-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("副高级", COLLEGE, title("中级", "2010-01-01"), "2012-07-15", "not_eligible", "qualification.education"),
    ("正高级", BACHELOR, title("副高级", "2019-06-30"), "2012-07-15", "eligible", "standard:正高级"),
    ("正高级", BACHELOR, title("副高级", "2019-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("正高级", MASTER, title("副高级", "2020-06-30"), "2012-07-15", "eligible", "standard:正高级"),
    ("正高级", DOCTOR, title("副高级", "2020-07-01"), "2012-07-15", "not_eligible", "qualification.years_short"),
    ("正高级", COLLEGE, title("副高级", "2010-01-01"), "2012-07-15", "not_eligible", "qualification.education"),
]


@pytest.mark.parametrize(("target", "education", "current_title", "work_start", "verdict", "outcome"), CASES,
                         ids=[f"{c[0]}-{c[1]['level']}{c[1]['degree'] or ''}-{(c[2] or {}).get('obtained_on', c[3])}"
                              f"-{c[4]}" for c in CASES])
def test_standard_paths(target, education, current_title, work_start, verdict, outcome):
    review = run(target, education, current_title, work_start)
    assert review.verdict == verdict, [f.message for f in review.findings]
    if verdict == "eligible":
        assert review.path == outcome and review.findings == []
    else:
        assert review_rules(review) == {(outcome, "block")}
        assert review.path is None and review.path_explanation


def test_years_short_message_states_the_shortfall_and_section():
    review = run("副高级", MASTER, title("中级", "2020-07-15"))
    (finding,) = review.findings
    assert finding.message == ("取得中级职称后从事技术工作满4年（本专业硕士提前1年）的要求未满足："
                               "截至2024年6月30日仅满3年11个月（§一(一)2(4)②）")
    assert finding.section == "§一(一)2(4)②"
    assert finding.evidence.document == "docs/03_title.jpg" and finding.evidence.bbox is not None


def test_title_date_counts_from_the_certificate_not_the_declaration():
    m = manifest(current_title={"obtained_on": "2020-06-30"})
    docs = documents_for(m)
    next(d for d in docs if d.extraction.doc_type.value == "title_certificate").extraction.fields[
        "qualified_on"].value = "2020-08-01"
    review = check_applicant(m, docs, batch="2024", unit="hhht")
    assert review_rules(review) == {("declared.date_mismatch", "review"), ("qualification.years_short", "block")}


@pytest.mark.parametrize(("level", "fee", "weights"), [
    ("员级", 100, "5:5"), ("助理级", 100, "5:5"), ("中级", 150, "5:5"), ("副高级", 280, "4:6"), ("正高级", 320, "面试"),
])
def test_fee_and_scoring_per_level(level, fee, weights):
    review = run(level, BACHELOR, title({"员级": "员级", "助理级": "员级", "中级": "助理级", "副高级": "中级",
                                         "正高级": "副高级"}[level], "2010-01-01"))
    assert review.fee_yuan == fee and weights in review.scoring
