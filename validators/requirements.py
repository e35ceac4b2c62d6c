"""Requirements every path shares: performance §一(一)5, continuing education §一(一)4, the documents
to submit §一(四)1(1) and, for 正高级, the attachment-1 checklist."""

from __future__ import annotations

from validators.engine import FindingMaker, doc_name
from validators.evidence import CEYear, Facts
from validators.paths import PathOutcome
from validators.schema import RuleSet
from zcps.manifest import Manifest
from zcps.models import Finding


def performance(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker) -> list[Finding]:
    spec, findings = rules.performance, []
    for year in spec.years:
        grade = facts.assessments.get(year)
        if grade is None:
            findings.append(maker.make("performance.year_missing", section=spec.section, year=year,
                                       declared=manifest.assessments.get(str(year))))
            declared = manifest.assessments.get(str(year))
            if declared is not None and declared not in spec.passing_grades:
                findings.append(maker.make("performance.grade_below", section=spec.section, declared=declared,
                                           year=year, grade=declared))
        elif str(grade.value) not in spec.passing_grades:
            findings.append(maker.make("performance.grade_below", section=spec.section, extracted=grade.value,
                                       declared=manifest.assessments.get(str(year)), evidence=grade.evidence,
                                       year=year, grade=grade.value))
    return findings


def _hours_text(record: CEYear) -> str:
    return f"合计{record.total:g}学时、专业科目{record.professional_hours or 0:g}学时"


def _declared_year(manifest: Manifest, year: int) -> CEYear | None:
    hours = manifest.ce_hours.get(str(year))
    if hours is None:
        return None
    return CEYear(year=year, public_hours=hours.public, professional_hours=hours.professional)


def continuing_education(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker) -> list[Finding]:
    """Per required year; for the non-public sector every shortfall becomes one ce.non_public note (§8)."""
    spec = rules.continuing_education
    hard = manifest.sector != "non_public"
    # Without a legible card (absent or unreadable, reported elsewhere) the declared hours are checked.
    have_card = facts.has_document("ce_card")
    findings: list[Finding] = []
    soft: list[str] = []
    share = spec.professional_share
    for year in spec.years:
        months = manifest.township_service_months.get(str(year), 0)
        if months >= spec.township_exempt_months:
            findings.append(maker.make("ce.township_exempt", year=year, months=months, declared=months))
            continue
        late = facts.ce_verified_after.get(year)
        if late is not None:
            if hard:
                findings.append(maker.make("cutoff.ce_verified_after", section=rules.cutoff_section,
                                           extracted=late.verified_on, evidence=late.evidence, year=year,
                                           date=late.verified_on))
            else:
                soft.append(f"{year}年度审验日期晚于截止时间")
            continue
        record = facts.ce_years.get(year) or (None if have_card else _declared_year(manifest, year))
        if record is None:
            if not have_card and not hard:
                soft.append(f"未提供{year}年度继续教育记录")
            elif have_card:
                if hard:
                    findings.append(maker.make("ce.year_missing", year=year))
                else:
                    soft.append(f"审验卡缺少{year}年度记录")
            continue
        if record.verified is False:
            if hard:
                findings.append(maker.make("ce.unverified", year=year, evidence=record.evidence))
            else:
                soft.append(f"{year}年度未见审验")
        professional = record.professional_hours or 0
        if record.total >= spec.min_total_hours and professional * share.denominator >= record.total * share.numerator:
            continue
        if hard:
            findings.append(maker.make(
                "ce.hours_short", extracted=f"{record.total:g}/{professional:g}", evidence=record.evidence,
                year=year, detail=_hours_text(record), min_total=f"{spec.min_total_hours:g}",
                share=f"{share.numerator}/{share.denominator}"))
        else:
            soft.append(f"{year}年度{_hours_text(record)}")
    if soft:
        findings.append(maker.make("ce.non_public", detail="；".join(soft)))
    return findings


def required_documents(manifest: Manifest, rules: RuleSet, outcome: PathOutcome) -> list[str]:
    """A title certificate is asked for only from applicants who declare a title: without one the
    prerequisite-title finding already says what is wrong."""
    required = [doc_type.value for doc_type in rules.required_documents]
    if manifest.target_level in rules.no_education_certificate_levels:
        required.remove("education_certificate")
    if manifest.sector == "non_public":
        required.remove("ce_card")
    if outcome.needs_title and manifest.current_title is not None:
        required.append("title_certificate")
    if outcome.needs_skill:
        required.append("vocational_qualification")
    return required


def missing_documents(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker,
                      outcome: PathOutcome) -> list[Finding]:
    """An unreadable file of the type already has its file.unreadable finding; it is not reported twice."""
    return [maker.make("docs.missing", doc_name=doc_name(doc_type), declared=None, extracted=doc_type)
            for doc_type in required_documents(manifest, rules, outcome)
            if not facts.has_document(doc_type) and doc_type not in facts.failed_types]


def senior_checklist(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker,
                     already_missing: set[str]) -> list[Finding]:
    if manifest.target_level != rules.levels[-1]:
        return []
    findings = []
    for item in rules.senior_checklist:
        gaps = []
        for doc_type in (t.value for t in item.doc_types):
            count = facts.count(doc_type) + facts.failed_types.count(doc_type)
            if doc_type in already_missing or count >= item.min_count:
                continue
            gaps.append(f"缺少{doc_name(doc_type)}" if count == 0 else
                        f"{doc_name(doc_type)}仅{count}份（应为{item.min_count}份）")
        if gaps:
            findings.append(maker.make("docs.senior_checklist", item=item.item, name=item.name,
                                       detail="，".join(gaps)))
    return findings
