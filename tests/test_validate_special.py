"""Special paths: green channel §6, rural §7, non-public §8, skilled workers §9, §10, transfer §11 and
the 2023 transitional rules (attachment 2)."""

from __future__ import annotations

import pytest
from support.validate_samples import documents_for, manifest, review_rules

from validators.check import check_applicant

BACHELOR = {"level": "本科", "degree": "学士"}
COLLEGE = {"level": "大专", "degree": None}
SECONDARY = {"level": "中专", "degree": None}
MASTER = {"level": "硕士", "degree": "硕士"}
DOCTOR = {"level": "博士", "degree": "博士"}


def title(level: str, obtained_on: str = "2015-12-20", series: str = "电力工程") -> dict:
    names = {"员级": "技术员", "助理级": "助理工程师", "中级": "工程师", "副高级": "高级工程师"}
    return {"level": level, "name": names[level], "obtained_on": obtained_on, "series": series}


def run(*, without: tuple[str, ...] = (), **changes):
    m = manifest(**changes)
    return check_applicant(m, documents_for(m, without=without), batch="2024", unit="u")


def assert_outcome(review, verdict, path, rules):
    assert (review.verdict, review.path, review_rules(review)) == (verdict, path, rules), \
        [f.message for f in review.findings]


@pytest.mark.parametrize(("item", "verdict", "rules"), [
    (1, "not_eligible", {("green_channel.other_committee", "block")}),
    (6, "not_eligible", {("green_channel.other_committee", "block")}),
    (7, "needs_review", {("green_channel.manual", "review")}),
    (8, "needs_review", {("green_channel.manual", "review")}),
])
def test_green_channel_items(item, verdict, rules):
    review = run(target_level="副高级", current_title=title("中级", "2022-12-22"), paths=[f"green_channel:{item}"])
    assert review.verdict == verdict and review_rules(review) == rules
    assert review.path == (f"green_channel:{item}" if verdict != "not_eligible" else None)


def test_green_channel_without_form():
    review = run(target_level="副高级", current_title=title("中级", "2022-12-22"), paths=["green_channel:7"],
                 without=("green_channel_form",))
    assert review_rules(review) == {("green_channel.manual", "review"), ("green_channel.form_missing", "review")}


RURAL = [
    ("rural_county_30y", "county", "副高级", title("中级"), "1994-06-30", "eligible", set()),
    ("rural_county_30y", "township", "副高级", title("中级"), "1994-06-30", "eligible", set()),
    ("rural_county_30y", "county", "副高级", title("中级"), "1994-07-01", "not_eligible", {("rural.years_short", "block")}),
    ("rural_county_30y", "city", "副高级", title("中级"), "1990-01-01", "not_eligible",
     {("path.not_applicable", "block")}),
    ("rural_county_30y", "county", "正高级", title("中级"), "1990-01-01", "not_eligible",
     {("path.not_applicable", "block")}),
    ("rural_township_20y", "township", "中级", title("助理级"), "2004-06-30", "eligible", set()),
    ("rural_township_20y", "township", "中级", title("助理级"), "2004-07-01", "not_eligible",
     {("rural.years_short", "block")}),
    ("rural_township_20y", "county", "中级", title("助理级"), "2000-01-01", "not_eligible",
     {("path.not_applicable", "block")}),
]


@pytest.mark.parametrize(("path", "location", "target", "held", "start", "verdict", "rules"), RURAL)
def test_rural_long_service_ignores_education(path, location, target, held, start, verdict, rules):
    review = run(paths=[path], unit_location=location, target_level=target, current_title=held,
                 technical_work_start=start, education=SECONDARY)
    assert_outcome(review, verdict, path if verdict == "eligible" else None, rules)


@pytest.mark.parametrize(("education", "start", "location", "target", "verdict", "rules"), [
    (BACHELOR, "2022-06-30", "township", "中级", "eligible", set()),
    (BACHELOR, "2022-07-01", "township", "中级", "not_eligible", {("township_institution.years_short", "block")}),
    (COLLEGE, "2020-06-30", "township", "中级", "eligible", set()),
    (COLLEGE, "2020-07-01", "township", "中级", "not_eligible", {("township_institution.years_short", "block")}),
    (SECONDARY, "2010-01-01", "township", "中级", "not_eligible", {("qualification.education", "block")}),
    (BACHELOR, "2010-01-01", "city", "中级", "not_eligible", {("path.not_applicable", "block")}),
    (BACHELOR, "2010-01-01", "township", "副高级", "not_eligible", {("path.not_applicable", "block")}),
])
def test_township_institution(education, start, location, target, verdict, rules):
    review = run(paths=["township_institution"], education=education, technical_work_start=start,
                 unit_location=location, target_level=target, current_title=None)
    assert_outcome(review, verdict, "township_institution" if verdict == "eligible" else None, rules)


@pytest.mark.parametrize(("months", "verdict", "rules"), [
    ({"2021": 12, "2022": 12, "2023": 12}, "eligible", {("rural_service.early", "note")}),
    ({"2021": 12, "2022": 12, "2023": 11}, "not_eligible", {("qualification.years_short", "block")}),
    # service before the current title does not count
    ({"2019": 12, "2022": 12, "2023": 12}, "not_eligible", {("qualification.years_short", "block")}),
])
def test_rural_service_one_year_earlier(months, verdict, rules):
    review = run(paths=["standard", "rural_service_3y"], current_title=title("助理级", "2021-06-30"),
                 township_service_months=months)
    assert {r for r in review_rules(review) if r[0] != "ce.township_exempt"} == rules
    assert review.verdict == verdict


NON_PUBLIC = [
    (BACHELOR, "中级", "2019-06-30", "eligible", set()),
    (BACHELOR, "中级", "2019-07-01", "not_eligible", {("non_public.years_short", "block")}),
    (COLLEGE, "中级", "2016-06-30", "eligible", set()),
    (COLLEGE, "中级", "2016-07-01", "not_eligible", {("non_public.years_short", "block")}),
    (BACHELOR, "副高级", "2012-06-30", "eligible", set()),
    (BACHELOR, "副高级", "2012-07-01", "not_eligible", {("non_public.years_short", "block")}),
    (COLLEGE, "副高级", "2000-01-01", "not_eligible", {("qualification.education", "block")}),
    (SECONDARY, "中级", "2000-01-01", "not_eligible", {("qualification.education", "block")}),
]


@pytest.mark.parametrize(("education", "target", "start", "verdict", "rules"), NON_PUBLIC)
def test_non_public_skips_levels(education, target, start, verdict, rules):
    review = run(paths=["non_public"], sector="non_public", education=education, target_level=target,
                 technical_work_start=start, current_title=None)
    assert_outcome(review, verdict, "non_public" if verdict == "eligible" else None, rules)


def test_non_public_path_needs_a_non_public_employer():
    review = run(paths=["non_public"], sector="public", current_title=None, technical_work_start="2010-01-01")
    assert_outcome(review, "not_eligible", None, {("path.not_applicable", "block")})


SKILLED = [
    ("高级工", "助理级", "2022-06-30", "eligible", set()),
    ("高级工", "助理级", "2022-07-01", "not_eligible", {("skilled.years_short", "block")}),
    ("技师", "中级", "2021-06-30", "eligible", set()),
    ("技师", "中级", "2021-07-01", "not_eligible", {("skilled.years_short", "block")}),
    ("高级技师", "副高级", "2020-06-30", "eligible", set()),
    ("高级技师", "副高级", "2020-07", "not_eligible", {("skilled.years_short", "block")}),
    ("高级工", "中级", "2010-01-01", "not_eligible", {("path.not_applicable", "block")}),
]


@pytest.mark.parametrize(("skill", "target", "obtained", "verdict", "rules"), SKILLED)
def test_skilled_workers(skill, target, obtained, verdict, rules):
    review = run(paths=["skilled_worker"], education=SECONDARY, target_level=target, current_title=None,
                 skill={"level": skill, "obtained_on": obtained, "school_class": None})
    assert_outcome(review, verdict, "skilled_worker" if verdict == "eligible" else None, rules)


def test_skilled_worker_needs_the_vocational_certificate():
    review = run(paths=["skilled_worker"], education=SECONDARY, target_level="助理级", current_title=None,
                 skill={"level": "高级工", "obtained_on": "2020-01-01", "school_class": None},
                 without=("vocational_qualification",))
    assert review_rules(review) == {("docs.missing", "review")}


@pytest.mark.parametrize(("school_class", "target", "held", "verdict", "path"), [
    ("高级工班", "助理级", title("员级", "2022-06-30"), "eligible", "standard:助理级③"),  # counts as 大专
    ("中级工班", "助理级", title("员级", "2022-06-30"), "not_eligible", None),  # 中专 needs 4 years
    ("预备技师班", "员级", None, "eligible", "standard:员级①"),  # counts as 本科
    ("技师班", "员级", None, "eligible", "standard:员级①"),
])
def test_technical_school_classes_count_as_education(school_class, target, held, verdict, path):
    review = run(education=SECONDARY, target_level=target, current_title=held, technical_work_start="2024-06-01",
                 skill={"level": "高级工", "obtained_on": "2020-01-01", "school_class": school_class})
    assert (review.verdict, review.path) == (verdict, path), [f.message for f in review.findings]


def test_qualification_equivalence_is_manual():
    review = run(paths=["qualification_equivalence"])
    assert_outcome(review, "needs_review", "qualification_equivalence",
                   {("qualification_equivalence.manual", "review")})


@pytest.mark.parametrize(("target", "held", "start", "verdict", "rules"), [
    ("中级", title("中级", "2016-12-20", "机械工程"), "2023-06-30", "eligible", set()),
    ("中级", title("中级", "2016-12-20", "机械工程"), "2023-07-01", "not_eligible", {("transfer.years_short", "block")}),
    ("中级", title("中级", "2016-12-20"), "2010-01-01", "not_eligible", {("path.not_applicable", "block")}),
    ("副高级", title("中级", "2023-07-01"), "2010-01-01", "not_eligible", {("transfer.years_short", "block")}),
    ("副高级", title("中级", "2019-06-30"), "2010-01-01", "eligible", set()),
    ("正高级", title("中级", "2010-01-01", "机械工程"), "2010-01-01", "not_eligible",
     {("path.not_applicable", "block")}),
])
def test_transfer_of_series(target, held, start, verdict, rules):
    review = run(paths=["transfer"], target_level=target, current_title=held, technical_work_start=start)
    assert (review.verdict, review_rules(review)) == (verdict, rules), [f.message for f in review.findings]


TRANSITIONAL = [
    (COLLEGE, "city", "助理级", "2021-06-30", "eligible", set()),
    (COLLEGE, "city", "助理级", "2021-07-01", "not_eligible", {("transitional.years_short", "block")}),
    (COLLEGE, "county", "助理级", "2022-06-30", "eligible", set()),  # county units: one year earlier
    (COLLEGE, "county", "助理级", "2022-07-01", "not_eligible", {("transitional.years_short", "block")}),
    (BACHELOR, "city", "助理级", "2023-06-30", "eligible", set()),
    (BACHELOR, "city", "助理级", "2023-07-01", "not_eligible", {("transitional.years_short", "block")}),
    (BACHELOR, "county", "助理级", "2024-06-01", "eligible", set()),
    (MASTER, "city", "中级", "2022-06-30", "eligible", set()),
    (MASTER, "city", "中级", "2022-07-01", "not_eligible", {("transitional.years_short", "block")}),
    (MASTER, "county", "中级", "2023-06-30", "eligible", set()),
    (DOCTOR, "city", "中级", "2024-06-01", "eligible", set()),
    (MASTER, "township", "中级", "2010-01-01", "not_eligible", {("transitional.township_recognition", "block")}),
    (SECONDARY, "city", "助理级", "2010-01-01", "not_eligible", {("qualification.education", "block")}),
    (BACHELOR, "city", "中级", "2010-01-01", "not_eligible", {("qualification.education", "block")}),
    (BACHELOR, "city", "副高级", "2010-01-01", "not_eligible", {("path.not_applicable", "block")}),
]


@pytest.mark.parametrize(("education", "location", "target", "start", "verdict", "rules"), TRANSITIONAL)
def test_transitional_2023(education, location, target, start, verdict, rules):
    review = run(paths=["transitional_2023"], education=education, unit_location=location, target_level=target,
                 technical_work_start=start, current_title=None)
    assert_outcome(review, verdict, "transitional_2023" if verdict == "eligible" else None, rules)


def test_first_qualifying_declared_path_wins():
    review = run(paths=["non_public", "standard"], sector="public", current_title=title("助理级", "2019-12-28"))
    assert (review.verdict, review.path, review.findings) == ("eligible", "standard:中级③", [])
