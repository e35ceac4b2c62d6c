"""The batch as a whole: which documents to process, applicants in groups of bounded size, and the
compact index that the batch-wide checks (duplicate files and certificate numbers) run on.

What grows with the batch in the flow's process is only ``BatchIndex`` (one ``DocumentFingerprint``
per document, a few hundred bytes) and the summary counts; results and reviews are read by the
stage that needs them and dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from pipeline.applicant import ReviewOutcome
from pipeline.document import DocumentOutcome, readable_result
from pipeline.stages import StageBook
from storage.base import ObjectStore
from storage.factory import open_store
from storage.intake import ApplicantRef, Intake, check_batch_name
from storage.layout import applicant_index_key
from storage.ledger import LedgerEntry
from validators.duplicates import ApplicantKey, duplicate_findings_of, fingerprint
from validators.schema import rules_for_batch
from zcps.settings import Settings
from zcps.models import ApplicantIndex, DocumentFingerprint, DocumentRef, DocumentResult, ErrorInfo, Finding, Status


LedgerState = tuple[str | None, str]  # a document's (sha256, pipeline version) in the ledger


def check_batch(batch: str, settings: Settings) -> None:
    """A bad batch name, or a batch with no rules file, is a configuration error before any file is read."""
    check_batch_name(batch)
    rules_for_batch(batch, settings)


def ledger_states(entries: list[LedgerEntry]) -> dict[DocumentRef, LedgerState]:
    return {e.ref: (e.sha256, e.pipeline_version) for e in entries if e.scope == "document"}


def select_documents(refs: list[DocumentRef], entries: list[LedgerEntry], only_failed: bool,
                     keys: list[str] | None) -> set[DocumentRef]:
    """The documents this run processes: the named ones, the failed and never attempted, or all."""
    if keys:
        wanted = set(keys)
        return {r for r in refs if r.label in wanted or f"{r.unit}/{r.applicant}/docs/{r.file}" in wanted}
    if only_failed:
        # Failed, stale and never attempted: a review is only rebuilt once all its documents have results.
        documents = [e for e in entries if e.scope == "document"]
        failed = {e.ref for e in documents if e.status in (Status.failed, Status.running, Status.pending)}
        attempted = {e.ref for e in documents}
        return {r for r in refs if r in failed or r not in attempted}
    return set(refs)


def problem_results(intake: Intake) -> list[DocumentResult]:
    """A document under docs/ that intake could not take (bad key, symlink) is a failed file of its applicant."""
    return [DocumentResult(ref=p.document, status=Status.failed, errors=[ErrorInfo(code=p.code, message=p.message,
                                                                                   stage="intake")])
            for p in intake.problems if p.document is not None and not p.ignored]


class GroupWork(BaseModel):
    """Up to ``ZCPS_APPLICANTS_PER_FLOW`` applicants, run as one Prefect subflow so that no flow run
    holds more task runs than one group's documents (or reviews and releases)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    number: int
    applicants: list[ApplicantRef]

    @model_serializer
    def _recorded(self) -> dict[str, int]:
        # Prefect records a flow run's parameters in its database and UI; folder and file names can
        # carry names and ID numbers, so a group is recorded by its number and size only.
        return {"number": self.number, "applicants": len(self.applicants)}


class DocumentsWork(GroupWork):
    process: list[DocumentRef]  # in intake order
    unselected: dict[DocumentRef, LedgerState | None]  # not processed this run: fingerprints are gathered
    force: bool = False
    done_before: int = 0  # documents of earlier groups, for progress
    total: int = 0


class GroupDocuments(BaseModel):
    outcomes: list[DocumentOutcome] = Field(default_factory=list)
    gathered: list[DocumentFingerprint] = Field(default_factory=list)


class ReviewsWork(GroupWork):
    batch_findings: dict[ApplicantKey, list[Finding]]
    known: dict[ApplicantKey, list[DocumentResult]]
    newly_read: set[ApplicantKey]
    everyone: list[str]  # every applicant id of the batch (release masks the others' names too)
    release: bool = True
    stages: StageBook

    def findings_of(self, applicant: ApplicantRef) -> list[Finding]:
        return self.batch_findings.get((applicant.unit, applicant.applicant), [])

    def known_of(self, applicant: ApplicantRef) -> list[DocumentResult]:
        return self.known.get((applicant.unit, applicant.applicant), [])

    def changed(self, applicant: ApplicantRef, reviewed: ReviewOutcome) -> bool:
        """The review changed or pages were newly read: the applicant is released again (a file
        that failed again has nothing new to release) and the reports are rewritten."""
        return reviewed.changed or (applicant.unit, applicant.applicant) in self.newly_read


class GroupReviewed(BaseModel):
    reviewed: int = 0
    changed: int = 0

    def __add__(self, other: "GroupReviewed") -> "GroupReviewed":
        return GroupReviewed(reviewed=self.reviewed + other.reviewed, changed=self.changed + other.changed)


class BatchIndex(BaseModel):
    """Every document's fingerprint, the applicants whose pages were newly read, and the failed
    results that have no stored result (intake problems, crashed tasks), which reviews are given."""

    fingerprints: list[DocumentFingerprint] = Field(default_factory=list)
    newly_read: set[ApplicantKey] = Field(default_factory=set)
    known: dict[ApplicantKey, list[DocumentResult]] = Field(default_factory=dict)

    def add(self, outcome: DocumentOutcome) -> None:
        key = (outcome.ref.unit, outcome.ref.applicant)
        self.fingerprints.append(outcome.fingerprint)
        if outcome.newly_read:
            self.newly_read.add(key)
        if not outcome.stored:
            self.known.setdefault(key, []).append(outcome.unstored_result())

    def add_problems(self, results: list[DocumentResult]) -> None:
        for result in results:
            self.fingerprints.append(fingerprint(result))
            self.known.setdefault((result.ref.unit, result.ref.applicant), []).append(result)

    def duplicate_findings(self) -> dict[ApplicantKey, list[Finding]]:
        # Completion order varies with the runner; findings (and their order) must not.
        ordered = sorted(self.fingerprints, key=lambda p: (p.ref.unit, p.ref.applicant, p.ref.file))
        return duplicate_findings_of(ordered)


def _stored_index(store: ObjectStore, applicant: ApplicantRef) -> dict[DocumentRef, DocumentFingerprint]:
    stored = store.get_optional(applicant_index_key(applicant.batch, applicant.unit, applicant.applicant))
    if stored is None:
        return {}
    try:
        return {p.ref: p for p in ApplicantIndex.model_validate_json(stored).documents}
    except ValueError:  # a damaged index is rebuilt from the results
        return {}


def gather_fingerprints(applicants: list[ApplicantRef], unselected: dict[DocumentRef, LedgerState | None],
                        store_url: str) -> list[DocumentFingerprint]:
    """Fingerprints of the documents this run does not process: from each applicant's stored index
    where it matches the ledger's (sha256, pipeline version) of the document, else from the stored
    result. A document with neither is left out: its applicant's review reports the missing result."""
    store = open_store(store_url)
    prints = []
    for applicant in applicants:
        wanted = [ref for ref in applicant.documents if ref in unselected]
        if not wanted:
            continue
        index = _stored_index(store, applicant)
        for ref in wanted:
            indexed = index.get(ref)
            if indexed is not None and unselected[ref] == (indexed.sha256, indexed.pipeline_version):
                prints.append(indexed)
                continue
            result = readable_result(store, ref)
            if result is not None:
                prints.append(fingerprint(result))
    return prints


def _groups(applicants: list[ApplicantRef], size: int) -> list[list[ApplicantRef]]:
    size = max(1, size)
    return [applicants[start:start + size] for start in range(0, len(applicants), size)]


class BatchPlan:
    """The groups of a run: first every group's documents, then (once the index is complete) every
    group's reviews and releases."""

    def __init__(self, intake: Intake, entries: list[LedgerEntry], *, only_failed: bool = False,
                 keys: list[str] | None = None, force: bool = False, group_size: int = 50):
        self.intake = intake
        self.selected = select_documents(intake.documents, entries, only_failed, keys)
        self.states = ledger_states(entries)
        self.force = force
        self.groups = _groups(intake.applicants, group_size)

    @property
    def to_process(self) -> int:
        return len(self.selected)

    def documents_work(self) -> Iterator[DocumentsWork]:
        done = 0
        for number, applicants in enumerate(self.groups, start=1):
            refs = [ref for applicant in applicants for ref in applicant.documents]
            process = [ref for ref in refs if ref in self.selected]
            yield DocumentsWork(number=number, applicants=applicants, process=process, force=self.force,
                                unselected={ref: self.states.get(ref) for ref in refs if ref not in self.selected},
                                done_before=done, total=len(self.selected))
            done += len(process)

    def reviews_work(self, index: BatchIndex, stages: StageBook, release: bool) -> Iterator[ReviewsWork]:
        findings = index.duplicate_findings()
        everyone = [a.applicant for a in self.intake.applicants]
        for number, applicants in enumerate(self.groups, start=1):
            keys = {(a.unit, a.applicant) for a in applicants}
            yield ReviewsWork(number=number, applicants=applicants, everyone=everyone, release=release,
                              stages=stages, newly_read=index.newly_read & keys,
                              batch_findings={k: v for k, v in findings.items() if k in keys},
                              known={k: v for k, v in index.known.items() if k in keys})
