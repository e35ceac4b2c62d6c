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
from validators.evidence import document_path
from validators.schema import RuleSet, default_rules, rules_for_batch
from zcps.models import DocumentFingerprint, DocumentResult, Evidence, Finding, Status

ApplicantKey = tuple[str, str]  # (unit, applicant_id)


def fingerprint(result: DocumentResult) -> DocumentFingerprint:
    """The document's hash and normalised certificate number with where it was read."""
    field = result.extraction.fields.get("certificate_number") if result.extraction else None
    number = None if field is None or field.value in (None, "") else "".join(str(field.value).split()).upper()
    return DocumentFingerprint(ref=result.ref, status=result.status, sha256=result.sha256,
                               pipeline_version=result.pipeline_version, certificate_number=number,
                               certificate_page=field.page if number else None,
                               certificate_bbox=field.bbox if number else None)


def _evidence(print_: DocumentFingerprint, rule: str) -> Evidence:
    if rule == "duplicate.same_certificate":
        return Evidence(document=document_path(print_), page=print_.certificate_page, bbox=print_.certificate_bbox)
    return Evidence(document=document_path(print_))


def _group_findings(groups: dict[str, list[DocumentFingerprint]], rule: str, maker: FindingMaker,
                    findings: dict[ApplicantKey, list[Finding]]) -> None:
    for value, prints in groups.items():
        owners = {(p.ref.unit, p.ref.applicant) for p in prints}
        if len(owners) < 2:
            continue
        for print_ in prints:
            key = (print_.ref.unit, print_.ref.applicant)
            others = sorted(f"{unit}/{applicant}" for unit, applicant in owners if (unit, applicant) != key)
            findings[key].append(maker.make(rule, extracted=value, declared=None, evidence=_evidence(print_, rule),
                                            file=document_path(print_), other="、".join(others)))


def duplicate_findings_of(prints: Iterable[DocumentFingerprint], rules: RuleSet | None = None
                          ) -> dict[ApplicantKey, list[Finding]]:
    """Findings per (unit, applicant) for every document another applicant of the batch also submitted.

    Findings follow the order of ``prints``: callers pass them sorted by (unit, applicant, file)."""
    prints = list(prints)
    maker = FindingMaker(rules or (rules_for_batch(prints[0].ref.batch) if prints else default_rules()))
    by_hash: dict[str, list[DocumentFingerprint]] = defaultdict(list)
    by_number: dict[str, list[DocumentFingerprint]] = defaultdict(list)
    for print_ in prints:
        if print_.status is Status.failed:
            continue
        if print_.sha256:
            by_hash[print_.sha256].append(print_)
        if print_.certificate_number:
            by_number[print_.certificate_number].append(print_)
    findings: dict[ApplicantKey, list[Finding]] = defaultdict(list)
    _group_findings(by_hash, "duplicate.same_file", maker, findings)
    _group_findings(by_number, "duplicate.same_certificate", maker, findings)
    return dict(findings)


def duplicate_findings(documents: Iterable[DocumentResult], rules: RuleSet | None = None
                       ) -> dict[ApplicantKey, list[Finding]]:
    """``duplicate_findings_of`` over whole results (one applicant's check, tests, benchmarks)."""
    return duplicate_findings_of((fingerprint(result) for result in documents), rules)
