"""Batch-level duplicate detection (§二(四)): the same file bytes or the same certificate number
submitted by different applicants of one batch.

Failed files are left out: two unreadable uploads (e.g. two empty files) share a hash without
sharing a document. Approval numbers (批准文号) are shared by everyone in one approval and are not
compared; certificate numbers are, after removing spaces and upper-casing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from validators.engine import FindingMaker
from validators.evidence import document_path, field_evidence
from validators.schema import RuleSet, default_rules, rules_for_batch
from zcps.models import DocumentResult, Evidence, Finding, Status

ApplicantKey = tuple[str, str]  # (unit, applicant_id)


def _certificate_number(result: DocumentResult) -> str | None:
    field = result.extraction.fields.get("certificate_number") if result.extraction else None
    if field is None or field.value in (None, ""):
        return None
    return "".join(str(field.value).split()).upper()


def _group_findings(groups: dict[str, list[DocumentResult]], rule: str, maker: FindingMaker,
                    findings: dict[ApplicantKey, list[Finding]], value_of) -> None:
    for value, results in groups.items():
        owners = {(r.ref.unit, r.ref.applicant) for r in results}
        if len(owners) < 2:
            continue
        for result in results:
            key = (result.ref.unit, result.ref.applicant)
            others = sorted(f"{unit}/{applicant}" for unit, applicant in owners if (unit, applicant) != key)
            findings[key].append(maker.make(rule, extracted=value_of(result), declared=None,
                                            evidence=_evidence(result, rule), file=document_path(result),
                                            other="、".join(others)))


def _evidence(result: DocumentResult, rule: str) -> Evidence:
    field = result.extraction.fields.get("certificate_number") if result.extraction else None
    if rule == "duplicate.same_certificate" and field is not None:
        return field_evidence(result, field)
    return Evidence(document=document_path(result))


def duplicate_findings(documents: Iterable[DocumentResult], rules: RuleSet | None = None
                       ) -> dict[ApplicantKey, list[Finding]]:
    """Findings per (unit, applicant) for every document another applicant of the batch also submitted."""
    documents = list(documents)
    maker = FindingMaker(rules or (rules_for_batch(documents[0].ref.batch) if documents else default_rules()))
    by_hash: dict[str, list[DocumentResult]] = defaultdict(list)
    by_number: dict[str, list[DocumentResult]] = defaultdict(list)
    for result in documents:
        if result.status is Status.failed:
            continue
        if result.sha256:
            by_hash[result.sha256].append(result)
        number = _certificate_number(result)
        if number:
            by_number[number].append(result)
    findings: dict[ApplicantKey, list[Finding]] = defaultdict(list)
    _group_findings(by_hash, "duplicate.same_file", maker, findings, lambda r: r.sha256)
    _group_findings(by_number, "duplicate.same_certificate", maker, findings, _certificate_number)
    return dict(findings)
