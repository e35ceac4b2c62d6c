"""Why an applicant got their verdict: each requirement and what in the materials meets it.

Shown for every applicant, eligible ones included (a reviewer trusts an "eligible" only when they can see
why): the education with its evidence, the prerequisite title and its date, the "满 N 年" arithmetic to the
cutoff, continuing education per year and the annual assessments per year.
"""

from __future__ import annotations

from validators.evidence import Facts
from validators.paths import PathOutcome
from validators.periods import chinese_date, describe_months, full_months_between, parse_partial
from validators.schema import RuleSet
from zcps.manifest import Manifest
from zcps.models import ExplanationItem

_MISSING = "未见材料"


def _source(fact) -> str:
    if fact is None:
        return ""
    return f"（{fact.file}）" if fact.from_document else "（申报数据，未见证明材料）"


def explain(manifest: Manifest, facts: Facts, outcome: PathOutcome, rules: RuleSet) -> list[ExplanationItem]:
    items = [_education(facts), *_degree(facts), *_title(facts), _wait(outcome, rules)]
    items += _continuing_education(facts, rules) + _assessments(facts, rules)
    return items


def _education(facts: Facts) -> ExplanationItem:
    level, graduated = facts.education_level, facts.graduated_on
    if level is None:
        return ExplanationItem(topic="学历", text=f"学历：{_MISSING}")
    when = f"，毕业时间{graduated.value}" if graduated is not None else ""
    return ExplanationItem(topic="学历", text=f"{level.value}{when}{_source(level)}", evidence=level.evidence)


def _degree(facts: Facts) -> list[ExplanationItem]:
    if facts.degree is None:
        return []
    return [ExplanationItem(topic="学位", text=f"{facts.degree.value}{_source(facts.degree)}",
                            evidence=facts.degree.evidence)]


def _title(facts: Facts) -> list[ExplanationItem]:
    if facts.title_level is None:
        return []
    when = f"，取得时间{facts.title_on.value}" if facts.title_on is not None else "，取得时间未见材料"
    evidence = facts.title_on.evidence if facts.title_on is not None else facts.title_level.evidence
    return [ExplanationItem(topic="现有职称", text=f"{facts.title_level.value}{when}{_source(facts.title_level)}",
                            evidence=evidence)]


def _wait(outcome: PathOutcome, rules: RuleSet) -> ExplanationItem:
    """The 满 N 年 arithmetic: from the start date to the cutoff, in whole months."""
    if outcome.requirement is None:
        return ExplanationItem(topic="任职年限", text=outcome.explanation or "按所选申报途径的条件审核")
    cutoff = chinese_date(rules.cutoff)
    if outcome.start is None:
        return ExplanationItem(topic="任职年限", text=f"{outcome.requirement}：未提供起算日期，无法计算")
    months = full_months_between(parse_partial(outcome.start), rules.cutoff)
    met = "满足" if months >= (outcome.years or 0) * 12 else "不满足"
    text = (f"{outcome.requirement}：自{outcome.start}至{cutoff}共{describe_months(months)}"
            f"（{months}个月，须满{(outcome.years or 0) * 12}个月），{met}")
    return ExplanationItem(topic="任职年限", text=text)


def _per_year(topic: str, years: list[str], found: dict, describe) -> list[ExplanationItem]:
    """One item per year the rules count: ``describe(year, what was found)``, or that nothing was found."""
    return [ExplanationItem(topic=topic, text=f"{year}年度：{_MISSING}") if found.get(year) is None
            else describe(year, found[year]) for year in years]


def _continuing_education(facts: Facts, rules: RuleSet) -> list[ExplanationItem]:
    spec = rules.continuing_education

    def describe(year: str, record) -> ExplanationItem:
        verified = f"，审验日期{record.verified_on}" if record.verified_on else "，未见审验"
        source = f"（{record.file}）" if record.from_document else "（申报数据）"
        text = (f"{year}年度：公需科目{record.public_hours or 0:g}学时、专业科目{record.professional_hours or 0:g}"
                f"学时，合计{record.total:g}学时（须满{spec.min_total_hours:g}学时）{verified}{source}")
        return ExplanationItem(topic="继续教育", text=text, evidence=record.evidence)

    return _per_year("继续教育", spec.years, facts.ce_years, describe)


def _assessments(facts: Facts, rules: RuleSet) -> list[ExplanationItem]:
    spec = rules.performance

    def describe(year: str, grade) -> ExplanationItem:
        passing = "达到" if str(grade.value) in spec.passing_grades else "未达到"
        return ExplanationItem(topic="年度考核", text=f"{year}年度：{grade.value}（{passing}称职及以上）{_source(grade)}",
                               evidence=grade.evidence)

    return _per_year("年度考核", spec.years, facts.assessments, describe)
