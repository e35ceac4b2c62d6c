"""``batch_review``: the Prefect flow that sequences intake → documents → reviews → release → reports.

It holds no business logic: every step is a stage function from another package. Every future
is waited on and its state inspected, so a crashed task shows up as a failed file in the summary
instead of hiding behind a Completed flow.
"""

from __future__ import annotations

import logging
import time

from prefect import flow
from prefect.futures import as_completed

from flows.applicant_task import gather_results_task, release_task, review_task
from flows.document_task import document_task_for
from flows.report_task import report_task
from flows.summary import BatchSummary, crashed_result, outcome
from storage.factory import open_store
from storage.intake import check_batch_name, discover
from storage.ledger import Ledger
from validators.duplicates import duplicate_findings
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
    failures: list[BaseException] = []
    ledger = Ledger(store, batch)
    selected = _select(intake.documents, ledger, only_failed, keys)
    document_task = document_task_for(settings)
    futures = {ref: document_task.submit(ref, store.url, force) for ref in intake.documents if ref in selected}
    results: dict[DocumentRef, DocumentResult] = {}
    refs_by_future = {future: ref for ref, future in futures.items()}
    for done, future in enumerate(as_completed(list(futures.values())), start=1):
        ref = refs_by_future[future]
        results[ref] = outcome(future, lambda exc, ref=ref: crashed_result(ref, exc, ledger))
        progress.info("document %d/%d", done, len(futures), extra={"done": done, "total": len(futures)})
    processed = {(r.ref.unit, r.ref.applicant) for r in results.values() if not r.reused}
    stored = outcome(gather_results_task.submit([d for d in intake.documents if d not in results], store.url),
                     failures.append) or []
    # Completion order varies with the runner; reviews (and their findings' order) must not.
    documents = sorted([*results.values(), *stored], key=lambda r: (r.ref.unit, r.ref.applicant, r.ref.file))
    batch_findings = duplicate_findings(documents)
    by_applicant: dict[tuple[str, str], list[DocumentResult]] = {}
    for result in documents:
        by_applicant.setdefault((result.ref.unit, result.ref.applicant), []).append(result)
    review_futures = [
        (applicant, review_task.submit(applicant, by_applicant.get(key, []), batch_findings.get(key, []), store.url))
        for applicant in intake.applicants for key in [(applicant.unit, applicant.applicant)]
    ]
    reviews = [(applicant, outcome(f, failures.append)) for applicant, f in review_futures]
    reviews = [(a, r) for a, r in reviews if r is not None]
    changed = [(a, r.review) for a, r in reviews if r.changed or (a.unit, a.applicant) in processed]
    if release:
        everyone = [a.applicant for a in intake.applicants]
        for future in [release_task.submit(applicant, review, store.url, everyone) for applicant, review in changed]:
            outcome(future, failures.append)
    if reports and changed:
        outcome(report_task.submit(batch, store.url, sorted({a.unit for a in intake.applicants})), failures.append)
    summary = BatchSummary.from_results(batch, list(results.values()), intake.problems, len(reviews),
                                        seconds=time.perf_counter() - started,
                                        skipped_unselected=len(intake.documents) - len(futures),
                                        stage_errors=failures)
    log.info("batch %s: %s", batch, summary.one_line())
    return summary
