"""The report's view model: one typed object that every output format renders.

``build_report_data`` is the only place that decides what a report shows. In the committee kind
it replaces applicant ids with pseudonyms and drops file keys and operator messages, so that no
renderer can reintroduce personal data that masking removed (docs/contracts.md, "Release").
"""

from __future__ import annotations

import shlex
from collections import Counter
from typing import Literal, get_args

from pydantic import Field as PydField, field_validator

from storage.ledger import LedgerEntry
from validators.engine import doc_name
from zcps.errors import ReportInputError
from validators.schema import rules_for_batch, rules_of
from zcps.labels import PENDING_STATUS, RECHECK_LABEL, SEVERITY_LABELS, UNDECIDED_LABEL, VERDICT_LABELS, decision_text
from zcps.models import (AppliedDecision, BBox, DocumentRef, Model, Review, ReviewedStatus, RulesRef, Severity,
                         Verdict, severity_rank)
from zcps.text import visible

SCHEMA = "zcps.report/4"

ReportKind = Literal["unit", "committee"]
KIND_LABELS: dict[str, str] = {"unit": "单位内部审核报告", "committee": "评委会报告"}
UNKNOWN_LEVEL = "未注明"
REVIEWED_STATUSES: tuple[str, ...] = get_args(ReviewedStatus)
_FORMULA_LEADS = ("=", "+", "@", "\t", "\r")


def safe_cell_text(value: str | None) -> str:
    """Text for a spreadsheet cell; OCR text is applicant-controlled and must never run as a formula."""
    if value is None:
        return ""
    if value.startswith(_FORMULA_LEADS) or (value.startswith("-") and not _is_number(value)):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class ReportRow(Model):
    """Every string a report shows passes ``visible``: control and bidi characters become escapes, so no
    writer (XLSX, CSV, HTML, JSON) meets a value it cannot hold and no value can reorder the text around it."""

    @field_validator("*", mode="after")
    @classmethod
    def _visible(cls, value):
        return visible(value) if isinstance(value, str) else value


class FailedFile(Model):
    """One file (or intake object, or stage) the pipeline gave up on, as the flow reads it from ``storage.ledger``.

    ``key`` is the document's key inside the batch, ``DocumentRef.label`` (``unit/applicant/file``),
    which is what ``zcps rerun --batch B KEY`` takes; ``scope`` says whether a rerun of the file helps.
    """

    key: str
    unit: str
    applicant_id: str
    file: str
    error_code: str
    message: str = ""
    attempts: int = 0
    scope: str = "document"  # document | object | stage (storage.ledger.Scope)

    @classmethod
    def from_ref(cls, ref: DocumentRef, error_code: str, message: str = "", attempts: int = 0) -> "FailedFile":
        return cls(key=ref.label, unit=ref.unit, applicant_id=ref.applicant, file=ref.file,
                   error_code=error_code, message=message, attempts=attempts)

    @classmethod
    def from_ledger(cls, entry: LedgerEntry) -> "FailedFile":
        return cls(key=entry.label, unit=entry.unit, applicant_id=entry.applicant, file=entry.file,
                   error_code=entry.error_code or "E_INTERNAL", message=entry.error_message or "",
                   attempts=entry.attempts, scope=entry.scope)

    def rerun_command(self, batch: str) -> str | None:
        """The command that retries this failure, or None where only the unit can fix it (move or rename)."""
        if self.scope == "document":
            return f"zcps rerun --batch {shlex.quote(batch)} {shlex.quote(self.key)}"
        if self.scope == "stage":
            return f"zcps run --batch {shlex.quote(batch)}" + (f" --unit {shlex.quote(self.unit)}" if self.unit else "")
        return None


class IgnoredFile(Model):
    """An intake object left alone by a policy of ``storage.intake.IGNORED``, with the policy's reason."""

    key: str  # below intake/{batch}/
    unit: str
    applicant_id: str
    code: str
    reason: str

    @classmethod
    def from_ledger(cls, entry: LedgerEntry) -> "IgnoredFile":
        return cls(key=entry.label, unit=entry.unit, applicant_id=entry.applicant, code=entry.error_code or "",
                   reason=entry.error_message or "")


class DecisionCell(ReportRow):
    """A reviewer's decision on a finding or task, as reports show it (review/decisions.py)."""

    state: str  # 已处理 | 需重新确认 | 未处理
    decision: str | None  # 属实 / 误报 / 已补正 / 待补件 / 核验一致 / 核验不符; null unless it applies now
    note: str | None
    reviewer: str | None
    decided_on: str | None
    text: str  # one line for HTML and the dossier

    @classmethod
    def of(cls, applied: AppliedDecision | None) -> "DecisionCell":
        if applied is None:
            return cls(state=UNDECIDED_LABEL, decision=None, note=None, reviewer=None, decided_on=None,
                       text=UNDECIDED_LABEL)
        current = not applied.stale
        decision = applied.decision
        return cls(state="已处理" if current else RECHECK_LABEL, decision=decision.decision if current else None,
                   note=decision.note or None, reviewer=decision.reviewer, decided_on=decision.decided_on,
                   text=decision_text(applied))


class EvidenceRef(ReportRow):
    document: str | None = None
    page: int | None = None
    bbox: BBox | None = None


class FindingRow(ReportRow):
    id: str
    applicant: str
    unit: str
    target_level: str | None
    rule: str
    severity: Severity
    severity_label: str
    section: str
    message: str
    declared: str | None
    extracted: str | None
    evidence: EvidenceRef | None
    fingerprint: str | None  # the decision's key (review/decisions.py); null in the committee kind
    decision: DecisionCell
    # Where the page image comes from: "{unit}/{applicant_id}/{document}"; internal, never rendered.
    page_source: str | None = PydField(default=None, exclude=True)


class ExplanationRow(ReportRow):
    id: str  # X0001…: names the evidence crop
    topic: str
    text: str
    evidence: EvidenceRef | None
    page_source: str | None = PydField(default=None, exclude=True)


class TaskRow(ReportRow):
    """A 学信网 online check for the reviewer to tick off; zcps never claims to have done it."""

    id: str  # T0001…
    applicant: str
    doc_type_label: str
    document: str | None
    certificate_number: str | None  # null in the committee kind
    verification_code: str | None
    structure: str
    fingerprint: str | None
    decision: DecisionCell


class ApplicantRow(ReportRow):
    applicant: str
    applicant_id: str | None
    pseudonym: str | None
    name: str | None  # the applicant's name (unit kind only)
    unit: str
    unit_name: str  # from the manifest; the folder when no manifest named it
    target_level: str | None
    verdict: Verdict
    verdict_label: str
    reviewed_status: str  # 待审核 / 审核通过 / 不予通过 / 待补件 (review/decisions.py)
    path: str | None
    path_label: str | None
    path_explanation: str | None
    fee_yuan: int | None
    scoring: str | None
    finding_counts: dict[str, int]
    first_finding: str | None
    failed_files: int
    explanation: list[ExplanationRow]
    stale_decisions: list[str]  # decisions whose finding is gone (需重新确认), one line each


class LevelSummary(ReportRow):
    level: str
    applicants: int = 0
    eligible: int = 0
    not_eligible: int = 0
    needs_review: int = 0
    fees_yuan: int = 0


class Summary(ReportRow):
    applicants: int
    eligible: int
    not_eligible: int
    needs_review: int
    fees_yuan: int
    findings: dict[str, int]
    reviewed: dict[str, int]  # applicants per reviewed status
    levels: list[LevelSummary]


class FailedFileRow(ReportRow):
    applicant: str
    unit: str
    key: str | None
    error_code: str
    message: str | None
    attempts: int
    rerun_command: str | None


class IgnoredFileRow(ReportRow):
    applicant: str
    unit: str
    key: str
    code: str
    reason: str


class ReportData(ReportRow):
    schema_: str = PydField(default=SCHEMA, alias="schema")
    kind: ReportKind
    kind_label: str
    title: str
    batch: str
    unit: str | None
    summary: Summary
    applicants: list[ApplicantRow]
    findings: list[FindingRow]
    tasks: list[TaskRow]
    failed_files: list[FailedFileRow]
    rerun_all_command: str | None
    ignored_files: list[IgnoredFileRow] = PydField(default_factory=list)
    rules: list[RulesRef] = PydField(default_factory=list)  # the rules files the reviews were made under

    model_config = Model.model_config | {"populate_by_name": True}


def build_report_data(batch: str, reviews: list[Review], failed_files: list[FailedFile], *,
                      kind: ReportKind, unit: str | None = None,
                      pseudonyms: dict[str, str] | None = None,
                      ignored_files: list[IgnoredFile] = ()) -> ReportData:
    """Select, label and order everything a report shows; ``pseudonyms`` maps applicant_id → pseudonym.

    Ignored files are listed in the unit kind only: their keys name applicant folders and files."""
    if kind not in KIND_LABELS:
        raise ReportInputError(f"unknown report kind {kind!r}")
    pseudonyms = pseudonyms or {}
    chosen = [r for r in reviews if r.batch == batch and (unit is None or r.unit == unit)]
    failures = [f for f in failed_files if unit is None or f.unit == unit]
    labels = {r.applicant_id: _applicant_label(r.applicant_id, kind, pseudonyms) for r in chosen}
    chosen.sort(key=lambda r: (r.unit, labels[r.applicant_id]))

    findings: list[FindingRow] = []
    tasks: list[TaskRow] = []
    applicants: list[ApplicantRow] = []
    explained = 0
    failed_per_applicant = Counter((f.unit, f.applicant_id) for f in failures)
    for review in chosen:
        label = labels[review.applicant_id]
        rows = _finding_rows(review, label, kind, start=len(findings) + 1)
        findings.extend(rows)
        tasks.extend(_task_rows(review, label, kind, start=len(tasks) + 1))
        applicant = _applicant_row(review, label, kind, rows, failed_per_applicant[(review.unit, review.applicant_id)],
                                   explanation=_explanation_rows(review, start=explained + 1))
        explained += len(applicant.explanation)
        applicants.append(applicant)

    names = {r.unit_name for r in chosen if r.unit == unit and r.unit_name}
    scope = (names.pop() if len(names) == 1 else unit) if unit is not None else "全部单位"
    return ReportData(
        kind=kind, kind_label=KIND_LABELS[kind], title=f"{batch} 年度职称评审 {KIND_LABELS[kind]}（{scope}）",
        batch=batch, unit=unit, summary=_summary(batch, chosen, findings), applicants=applicants, findings=findings,
        tasks=tasks,
        failed_files=[_failed_row(f, batch, kind, pseudonyms) for f in sorted(failures, key=lambda f: f.key)],
        rerun_all_command=(f"zcps rerun --batch {shlex.quote(batch)} --failed"
                           if any(f.scope == "document" for f in failures) and kind == "unit" else None),
        ignored_files=[IgnoredFileRow(applicant=f.applicant_id, unit=f.unit, key=f.key, code=f.code, reason=f.reason)
                       for f in sorted(ignored_files, key=lambda f: f.key)
                       if kind == "unit" and (unit is None or f.unit == unit)],
        rules=sorted({r.rules for r in chosen if r.rules is not None}, key=lambda ref: (ref.file, ref.sha256)),
    )


def _applicant_label(applicant_id: str, kind: ReportKind, pseudonyms: dict[str, str]) -> str:
    if kind == "unit":
        return applicant_id
    if applicant_id in pseudonyms.values():
        return applicant_id  # masking.redact_text.mask_review already put the pseudonym in its place
    if applicant_id not in pseudonyms:
        # Fail closed: without a pseudonym the only label left is the real applicant id.
        raise ReportInputError("a review in the committee report has no pseudonym",
                               hint="Pass the batch's pseudonym map (masking.release) for every released review.")
    return pseudonyms[applicant_id]


def _finding_rows(review: Review, label: str, kind: ReportKind, *, start: int) -> list[FindingRow]:
    ordered = sorted(review.findings, key=lambda f: severity_rank(f.severity))
    rows = []
    for offset, finding in enumerate(ordered):
        evidence = finding.evidence
        has_document = evidence is not None and evidence.document is not None
        rows.append(FindingRow(
            id=f"F{start + offset:04d}", applicant=label, unit=review.unit, target_level=review.target_level,
            rule=finding.rule, severity=finding.severity, severity_label=SEVERITY_LABELS[finding.severity],
            section=finding.section, message=finding.message, declared=finding.declared,
            extracted=finding.extracted,
            evidence=EvidenceRef(**evidence.model_dump()) if evidence is not None else None,
            fingerprint=finding.fingerprint if kind == "unit" else None, decision=DecisionCell.of(finding.decision),
            page_source=f"{review.unit}/{review.applicant_id}/{evidence.document}" if has_document else None,
        ))
    return rows


def _task_rows(review: Review, label: str, kind: ReportKind, *, start: int) -> list[TaskRow]:
    return [TaskRow(id=f"T{start + offset:04d}", applicant=label,
                    doc_type_label=doc_name(task.doc_type), document=task.document,
                    certificate_number=task.certificate_number if kind == "unit" else None,
                    verification_code=task.verification_code if kind == "unit" else None,
                    structure=task.structure, fingerprint=task.fingerprint if kind == "unit" else None,
                    decision=DecisionCell.of(task.decision))
            for offset, task in enumerate(review.tasks)]


def _explanation_rows(review: Review, *, start: int) -> list[ExplanationRow]:
    rows = []
    for offset, item in enumerate(review.explanation):
        evidence = item.evidence
        source = (f"{review.unit}/{review.applicant_id}/{evidence.document}"
                  if evidence is not None and evidence.document else None)
        rows.append(ExplanationRow(id=f"X{start + offset:04d}", topic=item.topic, text=item.text,
                                   evidence=EvidenceRef(**evidence.model_dump()) if evidence is not None else None,
                                   page_source=source))
    return rows


def _applicant_row(review: Review, label: str, kind: ReportKind, rows: list[FindingRow],
                   failed: int, explanation: list[ExplanationRow]) -> ApplicantRow:
    counts = Counter(row.severity for row in rows)
    return ApplicantRow(
        applicant=label,
        applicant_id=review.applicant_id if kind == "unit" else None,
        # The unit report never pairs ids with pseudonyms: together with a committee report that re-identifies.
        pseudonym=label if kind == "committee" else None,
        name=review.applicant_name if kind == "unit" else None,
        unit=review.unit, unit_name=review.unit_name or review.unit, target_level=review.target_level,
        verdict=review.verdict, verdict_label=VERDICT_LABELS[review.verdict],
        reviewed_status=review.reviewed_status or PENDING_STATUS,
        path=review.path, path_label=rules_of(review).path_name(review.path),
        path_explanation=review.path_explanation, fee_yuan=review.fee_yuan, scoring=review.scoring,
        finding_counts={severity: counts[severity] for severity in SEVERITY_LABELS},
        first_finding=rows[0].id if rows else None,
        failed_files=max(failed, len(review.failed_files)),
        explanation=explanation,
        stale_decisions=[f"{RECHECK_LABEL}：{d.rule}（{d.document or '无证据文件'}）原意见{d.decision}"
                         + (f"：{d.note}" if d.note else "") + "；该问题在本次审核中已不再出现"
                         for d in review.stale_decisions],
    )


def _summary(batch: str, reviews: list[Review], findings: list[FindingRow]) -> Summary:
    levels: dict[str, LevelSummary] = {}
    for review in reviews:
        level = review.target_level or UNKNOWN_LEVEL
        entry = levels.setdefault(level, LevelSummary(level=level))
        entry.applicants += 1
        setattr(entry, review.verdict, getattr(entry, review.verdict) + 1)
        entry.fees_yuan += review.fee_yuan or 0
    order = {level: rank for rank, level in enumerate(rules_for_batch(batch).levels)}
    ordered = sorted(levels.values(), key=lambda e: (order.get(e.level, len(order)), e.level))
    verdicts = Counter(r.verdict for r in reviews)
    severities = Counter(f.severity for f in findings)
    reviewed = Counter(r.reviewed_status or PENDING_STATUS for r in reviews)
    return Summary(applicants=len(reviews), eligible=verdicts["eligible"], not_eligible=verdicts["not_eligible"],
                   needs_review=verdicts["needs_review"], fees_yuan=sum(e.fees_yuan for e in ordered),
                   findings={severity: severities[severity] for severity in SEVERITY_LABELS},
                   reviewed={status: reviewed[status] for status in REVIEWED_STATUSES}, levels=ordered)


def _failed_row(failure: FailedFile, batch: str, kind: ReportKind, pseudonyms: dict[str, str]) -> FailedFileRow:
    if kind == "unit":
        return FailedFileRow(applicant=failure.applicant_id, unit=failure.unit, key=failure.key,
                             error_code=failure.error_code, message=failure.message, attempts=failure.attempts,
                             rerun_command=failure.rerun_command(batch))
    # The committee cannot re-run anything; keys and messages name applicant folders and files.
    return FailedFileRow(applicant=pseudonyms.get(failure.applicant_id, "未发布"), unit=failure.unit, key=None,
                         error_code=failure.error_code, message=None, attempts=failure.attempts,
                         rerun_command=None)
