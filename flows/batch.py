"""``batch_review``: the Prefect flow that sequences intake → documents → reviews → release → reports.

It holds no business logic: every step is a stage function from another package. Every future
is waited on and its state inspected, so a crashed task shows up as a failure in the summary
instead of hiding behind a Completed flow. A stage that fails is a failure of that applicant (or
that report), recorded in the ledger with its code; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import time

from prefect import flow
from prefect.futures import as_completed

from flows.applicant_task import Gathered, gather_results_task, release_task, review_task
from flows.document_task import document_task_for
from flows.report_task import ReportsOutcome, report_task
from flows.summary import BatchSummary, FailedItem, crashed_result, outcome, stage_failure
from storage.factory import open_store
from storage.intake import Intake, check_batch_name, discover, record_intake
from storage.ledger import Ledger, LedgerEntry, stage_entry
from validators.duplicates import duplicate_findings
from validators.schema import rules_for_batch
from zcps.errors import ReviewInputsIncomplete, ZcpsError
from zcps.models import DocumentRef, DocumentResult, ErrorInfo, Status
from zcps.settings import get_settings

log = logging.getLogger("zcps.flow")
progress = logging.getLogger("zcps.progress")


def _select(refs: list[DocumentRef], entries: list[LedgerEntry], only_failed: bool,
            keys: list[str] | None) -> set[DocumentRef]:
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


def _problem_results(intake: Intake) -> list[DocumentResult]:
    """A document under docs/ that intake could not take (bad key, symlink) is a failed file of its applicant."""
    return [DocumentResult(ref=p.document, status=Status.failed, errors=[ErrorInfo(code=p.code, message=p.message,
                                                                                   stage="intake")])
            for p in intake.problems if p.document is not None and not p.ignored]


class _StageBook:
    """Stage failures of this run, and the ledger's stage entries that this run's success clears."""

    def __init__(self, ledger: Ledger, entries: list[LedgerEntry]):
        self.ledger = ledger
        self.previous = {(e.file, e.unit, e.applicant): e for e in entries if e.scope == "stage"}
        self.failures: list[FailedItem] = []

    def failed(self, stage: str, unit: str, applicant: str | None, exc: BaseException) -> None:
        label = f"({stage}) {unit}/{applicant}" if applicant else f"({stage}) {unit or 'batch'}"
        self.failed_item(stage, unit, applicant, stage_failure(label, exc))

    def failed_item(self, stage: str, unit: str, applicant: str | None, item: FailedItem) -> None:
        log.warning("%s stage failed: %s", stage, item.code)
        self.failures.append(item)
        entry = stage_entry(self.ledger.batch, unit, applicant, stage, item.code, item.message)
        self._safely(self.ledger.record, entry, self.previous.pop((stage, unit, applicant or ""), None))

    def passed(self, stage: str, unit: str, applicant: str | None) -> None:
        entry = self.previous.pop((stage, unit, applicant or ""), None)
        if entry is not None:
            self._safely(self.ledger.remove, entry)

    def _safely(self, action, *args) -> None:
        try:
            action(*args)
        except ZcpsError as exc:  # the store itself is failing: the summary still carries the failure
            log.warning("could not update the ledger: %s", exc.code)


@flow(name="batch_review", log_prints=False, validate_parameters=False)
def batch_review(batch: str, units: list[str] | None = None, store_url: str | None = None,
                 only_failed: bool = False, keys: list[str] | None = None, force: bool = False,
                 release: bool = True, reports: bool = True) -> BatchSummary:
    settings = get_settings()
    started = time.perf_counter()
    check_batch_name(batch)
    rules_for_batch(batch, settings)  # no rules file for the batch: a configuration error before any file is read
    store = open_store(store_url, settings)
    intake = discover(store, batch, units)
    ledger = Ledger(store, batch)
    entries = ledger.entries()
    intake_changed = record_intake(ledger, intake, entries, units)
    stages = _StageBook(ledger, entries)
    selected = _select(intake.documents, entries, only_failed, keys)
    document_task = document_task_for(settings)
    futures = {ref: document_task.submit(ref, store.url, force) for ref in intake.documents if ref in selected}
    results: dict[DocumentRef, DocumentResult] = {}
    refs_by_future = {future: ref for ref, future in futures.items()}
    for done, future in enumerate(as_completed(list(futures.values())), start=1):
        ref = refs_by_future[future]
        results[ref] = outcome(future, lambda exc, ref=ref: crashed_result(ref, exc, ledger))
        progress.info("document %d/%d", done, len(futures), extra={"done": done, "total": len(futures)})
    # Applicants with newly read pages are released again; a file that failed again has nothing to release.
    processed = {(r.ref.unit, r.ref.applicant) for r in results.values() if not r.reused and r.status is Status.done}
    unprocessed = [d for d in intake.documents if d not in results]
    gathered = outcome(gather_results_task.submit(unprocessed, store.url),
                       lambda exc: Gathered(unreadable=unprocessed))
    # A review is never rebuilt from a subset of its documents: those applicants keep their review.
    incomplete = {(ref.unit, ref.applicant) for ref in gathered.unreadable}
    # Completion order varies with the runner; reviews (and their findings' order) must not.
    documents = sorted([*results.values(), *gathered.results, *_problem_results(intake)],
                       key=lambda r: (r.ref.unit, r.ref.applicant, r.ref.file))
    batch_findings = duplicate_findings(documents)
    by_applicant: dict[tuple[str, str], list[DocumentResult]] = {}
    for result in documents:
        by_applicant.setdefault((result.ref.unit, result.ref.applicant), []).append(result)
    review_futures = []
    for applicant in intake.applicants:
        key = (applicant.unit, applicant.applicant)
        if key in incomplete:
            missing = sum(1 for ref in gathered.unreadable if (ref.unit, ref.applicant) == key)
            stages.failed("review", *key, ReviewInputsIncomplete(f"{missing} document result(s) missing or unreadable"))
            continue
        review_futures.append((applicant, review_task.submit(applicant, by_applicant.get(key, []),
                                                             batch_findings.get(key, []), store.url)))
    reviews = []
    for applicant, future in review_futures:
        reviewed = outcome(future, lambda exc, a=applicant: stages.failed("review", a.unit, a.applicant, exc))
        if reviewed is not None:
            stages.passed("review", applicant.unit, applicant.applicant)
            reviews.append((applicant, reviewed))
    changed = [(a, r.review) for a, r in reviews if r.changed or (a.unit, a.applicant) in processed]
    if release:
        _release(changed, store.url, [a.applicant for a in intake.applicants], stages)
    if reports and (changed or stages.failures or intake_changed):
        _reports(batch, store.url, sorted({a.unit for a in intake.applicants}), stages)
    summary = BatchSummary.from_results(batch, list(results.values()), intake.problems, len(reviews),
                                        seconds=time.perf_counter() - started,
                                        skipped_unselected=len(intake.documents) - len(futures),
                                        stage_failures=stages.failures)
    log.info("batch %s: %s", batch, summary.one_line())
    return summary


def _release(changed: list, store_url: str, everyone: list[str], stages: _StageBook) -> None:
    futures = [(applicant, release_task.submit(applicant, review, store_url, everyone))
               for applicant, review in changed]
    for applicant, future in futures:
        failed = []
        outcome(future, failed.append)
        if failed:
            stages.failed("release", applicant.unit, applicant.applicant, failed[0])
        else:
            stages.passed("release", applicant.unit, applicant.applicant)


def _reports(batch: str, store_url: str, units: list[str], stages: _StageBook) -> None:
    written: ReportsOutcome | None = outcome(report_task.submit(batch, store_url, units),
                                             lambda exc: stages.failed("reports", "", None, exc))
    if written is None:
        return
    failed_scopes = {failure.unit or "" for failure in written.failures}
    for failure in written.failures:
        label = f"(reports) {failure.unit or 'batch'} {failure.kind}"
        stages.failed_item("reports", failure.unit or "", None,
                           FailedItem(key=label, code=failure.code, message=failure.message))
    for unit in ["", *units]:
        if unit not in failed_scopes:
            stages.passed("reports", unit, None)
