"""One applicant's review: resolve the evidence, choose the path, apply the shared requirements and
collect the discrepancies; the verdict is that of the most serious finding (``zcps.models.verdict_of``)."""

from __future__ import annotations

from validators.certainty import settle
from validators.certificates import verification_tasks
from validators.consistency import check_consistency
from validators.discrepancies import (declared_vs_extracted, identity, low_confidence, text_layer_mismatches,
                                      unreadable_files)
from validators.engine import FindingMaker
from validators.evidence import Facts, resolve_facts
from validators.explain import explain
from validators.paths import PathContext, PathOutcome
from validators.requirements import (
    continuing_education, missing_documents, performance, required_documents, senior_checklist,
)
from validators.schema import RuleSet, rules_for_batch
from validators.special_paths import evaluate_path
from zcps.errors import ZcpsError
from zcps.manifest import Manifest
from zcps.models import DocumentResult, Finding, Review, Status, severity_rank, verdict_of

RURAL_SERVICE = "rural_service_3y"


def _rural_service(manifest: Manifest, facts: Facts, rules: RuleSet,
                   maker: FindingMaker) -> tuple[int, list[Finding], str]:
    """§一(一)7(3): ≥ 3 years of township service since the current title → one year earlier."""
    spec = rules.rural_service
    since = int(str(facts.title_on.value)[:4]) if facts.title_on is not None else None
    months = sum(m for year, m in manifest.township_service_months.items() if since is None or int(year) >= since)
    if months >= spec.min_months:
        note = maker.make("rural_service.early", section=spec.section, declared=months, months=months,
                          years=spec.years_earlier)
        return spec.years_earlier, [note], ""
    return 0, [], f"取得现有职称后服务基层累计{months}个月，不足{spec.min_months}个月，不能提前申报（{spec.section}）"


def choose_path(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker
                ) -> tuple[PathOutcome, list[Finding], str | None]:
    """(outcome used for the documents check, path findings, explanation when no path qualifies)."""
    years_earlier, extra, service_text = 0, [], ""
    if RURAL_SERVICE in manifest.paths:
        years_earlier, extra, service_text = _rural_service(manifest, facts, rules, maker)
    context = PathContext(manifest=manifest, facts=facts, rules=rules, maker=maker, years_earlier=years_earlier)
    declared = list(dict.fromkeys(p for p in manifest.paths if p != RURAL_SERVICE)) or ["standard"]
    outcomes = [evaluate_path(context, path) for path in declared]
    chosen = next((o for o in outcomes if o.qualifies), None)
    if chosen is not None:
        return chosen, chosen.findings + extra, None
    findings = [f for o in outcomes for f in o.findings]
    explanation = "；".join(filter(None, [*(o.explanation for o in outcomes), service_text]))
    return outcomes[0], findings, explanation or "未满足任一申报路径的条件"


def check_applicant(manifest: Manifest, documents: list[DocumentResult], *, batch: str, unit: str,
                    rules: RuleSet | None = None, batch_findings: list[Finding] | None = None) -> Review:
    rules = rules or rules_for_batch(batch)
    maker = FindingMaker(rules)
    facts = resolve_facts(manifest, documents, rules)
    check_consistency(facts, manifest, rules)
    outcome, path_findings, explanation = choose_path(manifest, facts, rules, maker)

    def recheck(other: Facts) -> list[Finding]:
        """The rule findings under another reading of one value."""
        return [*choose_path(manifest, other, rules, maker)[1], *performance(manifest, other, rules, maker),
                *continuing_education(manifest, other, rules, maker)]

    missing = missing_documents(manifest, facts, rules, maker, outcome)
    missing_types = {t for t in required_documents(manifest, rules, outcome) if not facts.has_document(t)}
    tasks, number_findings = verification_tasks(documents, rules, maker)
    findings = [
        *unreadable_files(documents, maker),
        *missing,
        *senior_checklist(manifest, facts, rules, maker, missing_types),
        *identity(manifest, documents, rules, maker),
        *(batch_findings or []),
        *declared_vs_extracted(manifest, facts, rules, maker),
        *low_confidence(facts, rules.certainty.block_confidence, maker),
        *text_layer_mismatches(documents, maker),
        *number_findings,
        *facts.cutoff_findings,
        *path_findings,
        *performance(manifest, facts, rules, maker),
        *continuing_education(manifest, facts, rules, maker),
    ]
    findings = settle(findings, facts, manifest, rules, recheck)
    findings.sort(key=lambda f: severity_rank(f.severity))
    level = manifest.target_level
    return Review(batch=batch, unit=unit, applicant_id=manifest.applicant_id, target_level=level,
                  verdict=verdict_of(findings), path=None if explanation else outcome.path,
                  path_explanation=explanation, fee_yuan=rules.fees_yuan[level], scoring=rules.scoring[level],
                  findings=findings, rules=rules.source,
                  failed_files=[f"docs/{d.ref.file}" for d in documents if d.status is Status.failed],
                  unit_name=manifest.unit, applicant_name=manifest.name,
                  explanation=explain(manifest, facts, outcome, rules), tasks=tasks)


def check_invalid_manifest(applicant_id: str, unit: str, batch: str, error: BaseException,
                           rules: RuleSet | None = None) -> Review:
    """A manifest that fails validation cannot be checked; the reviewer sees which field to fix."""
    rules = rules or rules_for_batch(batch)
    maker = FindingMaker(rules)
    detail = error.detail if isinstance(error, ZcpsError) and error.detail else type(error).__name__
    finding = maker.make("manifest.invalid", extracted=getattr(error, "code", None), error=detail)
    return Review(batch=batch, unit=unit, applicant_id=applicant_id, verdict=verdict_of([finding]),
                  path_explanation="申报数据不符合规范，未进行资格审核", findings=[finding], rules=rules.source)
