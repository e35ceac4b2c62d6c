"""Decisions on findings: stable fingerprints, the per-applicant decision store and the reviewed status.

A finding's fingerprint hashes its rule, the applicant, the content hash of its evidence document, where
on that document it points (file and page) and the declared and extracted values. A re-run that produces
the same finding produces the same fingerprint, so the decision still applies. When the evidence changed
(a file was replaced), the fingerprint changes: the old decision is found again by rule and document, shown
as 需重新确认 and never applied; one whose finding is gone entirely is kept in ``Review.stale_decisions``.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.base import ObjectStore
from storage.layout import decisions_key
from zcps.errors import DecisionsInvalid
from zcps.models import AppliedDecision, Decision, DocumentResult, Finding, Review, ReviewedStatus, VerificationTask, log_id

SCHEMA = "zcps.decisions/1"
TASK_RULE = "xuexin.verify"
RECHECK = "需重新确认"
# Decisions that take a finding off the table; on a 不符合 finding only with a note (说明).
CLEARING = ("误报", "已补正")


class ApplicantDecisions(BaseModel):
    """``results/{batch}/decisions/{unit}/{applicant}.json``: every decision on one applicant's findings."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=SCHEMA, alias="schema")
    batch: str
    unit: str
    applicant_id: str
    decisions: list[Decision] = Field(default_factory=list)

    def merged(self, new: list[Decision]) -> "ApplicantDecisions":
        """These decisions with ``new`` replacing any on the same fingerprint; the rest kept as they were."""
        by_fingerprint = {d.fingerprint: d for d in self.decisions}
        by_fingerprint.update({d.fingerprint: d for d in new})
        return self.model_copy(update={"decisions": sorted(by_fingerprint.values(), key=lambda d: d.fingerprint)})


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]


def finding_fingerprint(applicant_id: str, finding: Finding, sha256: dict[str, str]) -> str:
    evidence = finding.evidence
    document = evidence.document if evidence is not None else None
    page = evidence.page if evidence is not None else None
    return _digest(finding.rule, applicant_id, sha256.get(document or "", ""), document, page,
                   finding.declared, finding.extracted)


def task_fingerprint(applicant_id: str, task: VerificationTask, sha256: dict[str, str]) -> str:
    return _digest(TASK_RULE, applicant_id, sha256.get(task.document or "", ""), task.document,
                   task.certificate_number, task.verification_code)


def fingerprinted(review: Review, documents: list[DocumentResult]) -> Review:
    """The review with a fingerprint on every finding and task (``documents``: its document results)."""
    sha256 = {f"docs/{d.ref.file}": d.sha256 for d in documents if d.sha256}
    findings = [f.model_copy(update={"fingerprint": finding_fingerprint(review.applicant_id, f, sha256)})
                for f in review.findings]
    tasks = [t.model_copy(update={"fingerprint": task_fingerprint(review.applicant_id, t, sha256)})
             for t in review.tasks]
    return review.model_copy(update={"findings": findings, "tasks": tasks})


def _document(item: Finding | VerificationTask) -> str | None:
    if isinstance(item, VerificationTask):
        return item.document
    return item.evidence.document if item.evidence is not None else None


def _rule(item: Finding | VerificationTask) -> str:
    return TASK_RULE if isinstance(item, VerificationTask) else item.rule


def apply_decisions(review: Review, decisions: ApplicantDecisions | None) -> Review:
    """The review with each decision on its finding (or task) and the reviewed status derived from them."""
    recorded = {d.fingerprint: d for d in (decisions.decisions if decisions else [])}
    items: list[Finding | VerificationTask] = [*review.findings, *review.tasks]
    applied: list[AppliedDecision | None] = [None] * len(items)
    for index, item in enumerate(items):
        decision = recorded.pop(item.fingerprint, None) if item.fingerprint else None
        if decision is not None:
            applied[index] = AppliedDecision(decision=decision)
    stale = []
    for decision in recorded.values():
        # The same rule on the same document, not decided under its current fingerprint: its evidence changed.
        index = next((i for i, item in enumerate(items) if applied[i] is None and _rule(item) == decision.rule
                      and _document(item) == decision.document), None)
        if index is None:
            stale.append(decision)
        else:
            applied[index] = AppliedDecision(decision=decision, stale=True)
    updated = [item.model_copy(update={"decision": decision}) for item, decision in zip(items, applied)]
    findings, tasks = updated[:len(review.findings)], updated[len(review.findings):]
    return review.model_copy(update={"findings": findings, "tasks": tasks, "stale_decisions": stale,
                                     "reviewed_status": reviewed_status(findings, tasks)})


def current(item: Finding | VerificationTask) -> str | None:
    """The decision that applies to the item now; None when undecided or 需重新确认."""
    if item.decision is None or item.decision.stale:
        return None
    return item.decision.decision.decision


def reviewed_status(findings: list[Finding], tasks: list[VerificationTask]) -> ReviewedStatus:
    """不予通过 once a 不符合/需核实 finding is confirmed (属实) or a 学信网 check failed; else 待补件 while
    material is awaited; else 待审核 while any finding or task is undecided or 需重新确认, or a 不符合 finding
    was dismissed without a note; else 审核通过. 提示 findings need no decision (but 待补件 on one counts)."""
    actionable = [f for f in findings if f.severity != "note"]
    kinds = [current(f) for f in actionable] + [current(t) for t in tasks]
    if "属实" in kinds[:len(actionable)] or "核验不符" in kinds:
        return "不予通过"
    if "待补件" in kinds or any(current(f) == "待补件" for f in findings):  # asked for, even on a 提示
        return "待补件"
    unexplained = any(f.severity == "block" and current(f) in CLEARING and not f.decision.decision.note.strip()
                      for f in actionable)
    if None in kinds or unexplained:
        return "待审核"
    return "审核通过"


def load_decisions(store: ObjectStore, batch: str, unit: str, applicant_id: str) -> ApplicantDecisions | None:
    data = store.get_optional(decisions_key(batch, unit, applicant_id))
    if data is None:
        return None
    try:
        return ApplicantDecisions.model_validate_json(data)
    except (ValidationError, ValueError):
        # Never silently drop what reviewers recorded: the stage fails and the object stays for the operator.
        raise DecisionsInvalid(f"decisions of {log_id('applicant', batch, unit, applicant_id)}") from None


def save_decisions(store: ObjectStore, decisions: ApplicantDecisions) -> str:
    key = decisions_key(decisions.batch, decisions.unit, decisions.applicant_id)
    store.put(key, decisions.model_dump_json(by_alias=True, indent=2).encode())
    return key


def with_decisions(store: ObjectStore, review: Review, documents: list[DocumentResult] | None = None) -> Review:
    """The review stage's hook: fingerprints (when ``documents`` are given) and the stored decisions applied."""
    if documents is not None:
        review = fingerprinted(review, documents)
    return apply_decisions(review, load_decisions(store, review.batch, review.unit, review.applicant_id))
