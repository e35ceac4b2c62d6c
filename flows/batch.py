"""``batch_review``: the Prefect flow that sequences intake → documents → reviews → release → reports.

It holds no business logic: every step is a stage function from another package. Every future
is waited on and its state inspected, so a crashed task shows up as a failed file in the summary
instead of hiding behind a Completed flow.
"""

from __future__ import annotations

import logging
import time

from prefect import flow
from prefect.futures import as_completed, wait

from flows.applicant_task import release_task, review_task
from flows.document_task import document_task_for
from flows.report_task import report_task
from flows.summary import BatchSummary, crashed_result
from storage.factory import open_store
from storage.intake import check_batch_name, discover
from storage.ledger import Ledger
from zcps.models import DocumentRef, DocumentResult, Status
from zcps.settings import get_settings

log = logging.getLogger("zcps.flow")
progress = logging.getLogger("zcps.progress")


def _select(refs: list[DocumentRef], ledger: Ledger, only_failed: bool, keys: list[str] | None) -> set[DocumentRef]:
    if keys:
        wanted = set(keys)
        return {r for r in refs if r.label in wanted or f"{r.unit}/{r.applicant}/docs/{r.file}" in wanted}
    if only_failed:
        failed = {(e.unit, e.applicant, e.file) for e in ledger.entries() if e.status in (Status.failed, Status.running)}
        return {r for r in refs if (r.unit, r.applicant, r.file) in failed}
    return set(refs)


@flow(name="batch_review", log_prints=False, validate_parameters=False)
def batch_review(batch: str, units: list[str] | None = None, store_url: str | None = None,
                 only_failed: bool = False, keys: list[str] | None = None, force: bool = False,
                 release: bool = True, reports: bool = True) -> BatchSummary:
    settings = get_settings()
    started = time.perf_counter()
    check_batch_name(batch)
    store = open_store(store_url, settings)
    intake = discover(store, batch, units)
    ledger = Ledger(store, batch)
    selected = _select(intake.documents, ledger, only_failed, keys)
    document_task = document_task_for(settings)
    futures = {ref: document_task.submit(ref, store.url, force) for ref in intake.documents if ref in selected}
    results: dict[DocumentRef, DocumentResult] = {}
    refs_by_future = {future: ref for ref, future in futures.items()}
    for done, future in enumerate(as_completed(list(futures.values())), start=1):
        ref = refs_by_future[future]
        results[ref] = future.result() if future.state.is_completed() else crashed_result(ref, future.state, ledger)
        progress.info("document %d/%d", done, len(futures), extra={"done": done, "total": len(futures)})
    touched = {(ref.unit, ref.applicant) for ref in results}
    review_futures = [
        (applicant, review_task.submit(applicant, [results.get(doc) for doc in applicant.documents], store.url))
        for applicant in intake.applicants if (applicant.unit, applicant.applicant) in touched
    ]
    wait([f for _, f in review_futures])
    reviews = [(applicant, f.result()) for applicant, f in review_futures if f.state.is_completed()]
    if release:
        wait([release_task.submit(applicant, review, store.url) for applicant, review in reviews])
    if reports:
        report_task(batch, store.url, sorted({a.unit for a in intake.applicants}))
    summary = BatchSummary.from_results(batch, list(results.values()), intake.problems, len(reviews),
                                        seconds=time.perf_counter() - started,
                                        skipped_unselected=len(intake.documents) - len(futures))
    log.info("batch %s: %s", batch, summary.one_line())
    return summary
