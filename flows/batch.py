"""``batch_review``: the Prefect flow that sequences intake → documents → reviews → release → reports.

It holds no business logic: every step is a ``pipeline`` stage. Applicants run in groups of
``ZCPS_APPLICANTS_PER_FLOW``, each group a subflow, so that no flow run holds more task runs than
one group's: first every group's documents (the flow keeps only their fingerprints and counts),
then every group's reviews and releases. Every future is waited on and its state inspected, so a
crashed task shows up as a failure in the summary instead of hiding behind a Completed flow.
"""

from __future__ import annotations

import logging
import time

from prefect import flow
from prefect.context import FlowRunContext
from prefect.futures import as_completed

from flows import handover
from flows.applicant_task import gather_task, release_task, review_task
from flows.document_task import document_task_for
from flows.futures import outcome
from flows.report_task import report_task
from flows.slots import set_ocr_limit
from pipeline.batch import (BatchIndex, BatchPlan, DocumentsWork, GroupDocuments, GroupReviewed, ReviewsWork,
                            check_batch, problem_results)
from pipeline.document import crashed_outcome
from pipeline.reports import ReportsOutcome
from pipeline.stages import StageBook
from pipeline.summary import BatchSummary
from storage.factory import open_store
from storage.intake import discover, record_intake
from storage.ledger import Ledger
from storage.selection import load_selection
from zcps.settings import get_settings

log = logging.getLogger("zcps.flow")
progress = logging.getLogger("zcps.progress")


@flow(name="batch_review", log_prints=False, validate_parameters=False)
def batch_review(batch: str, selection: str | None = None, store_url: str | None = None,
                 only_failed: bool = False, force: bool = False, release: bool = True,
                 reports: bool = True) -> BatchSummary:
    """``selection``: the reference of the stored units and file keys (``storage/selection.py``), never the
    keys themselves, as Prefect stores and shows every flow run's parameters; None for the whole batch."""
    settings = get_settings()
    started = time.perf_counter()
    check_batch(batch, settings)
    store = open_store(store_url, settings)
    selected = load_selection(store, batch, selection)
    units = list(selected.units) if selected.units else None
    intake = discover(store, batch, units)
    ledger = Ledger(store, batch)
    entries = ledger.entries()
    intake_changed = record_intake(ledger, intake, entries, units)
    stages = StageBook(ledger, entries)
    plan = BatchPlan(intake, entries, only_failed=only_failed, keys=list(selected.keys or ()) or None, force=force,
                     group_size=settings.applicants_per_flow)
    del entries
    ocr_limit = set_ocr_limit(settings)
    summary, index = BatchSummary(batch=batch), BatchIndex()
    index.add_problems(problem_results(intake))
    for work in plan.documents_work():
        documents = _subflow(documents_flow)(batch, work.number, handover.put(work), store.url, ocr_limit)
        for document in documents.outcomes:
            summary.add(document)
            index.add(document)
        index.fingerprints += documents.gathered
    reviewed = GroupReviewed()
    for work in plan.reviews_work(index, stages, release):
        reviewed += _subflow(reviews_flow)(batch, work.number, handover.put(work), store.url, ocr_limit)
    units_reported = sorted({a.unit for a in intake.applicants})
    if reports and (reviewed.changed or stages.failures or intake_changed):
        written: ReportsOutcome | None = outcome(report_task.submit(batch, store.url, units_reported),
                                                 lambda exc: stages.failed("reports", "", None, exc))
        if written is not None:
            stages.reports(written, units_reported)
    summary.close(intake.problems, stages.failures, applicants=reviewed.reviewed, seconds=time.perf_counter() - started,
                  skipped_unselected=len(intake.documents) - plan.to_process)
    log.info("batch %s: %s", batch, summary.one_line())
    return summary


def _subflow(subflow):
    """The subflow on a copy of this flow's task runner (the same Dask cluster, or as many threads)."""
    return subflow.with_options(task_runner=FlowRunContext.get().task_runner.duplicate())


@flow(name="documents", flow_run_name="documents-{number}", log_prints=False, validate_parameters=False,
      persist_result=False)
def documents_flow(batch: str, number: int, work_id: str, store_url: str, ocr_limit: str) -> GroupDocuments:
    work: DocumentsWork = handover.take(work_id)
    ledger = Ledger(open_store(store_url), batch)
    document_task = document_task_for(get_settings())
    futures = {document_task.submit(ref, store_url, work.force, ocr_limit): ref for ref in work.process}
    gathered = gather_task.submit(work.applicants, work.unselected, store_url) if work.unselected else None
    group = GroupDocuments()
    for done, future in enumerate(as_completed(list(futures)), start=work.done_before + 1):
        ref = futures[future]
        group.outcomes.append(outcome(future, lambda exc, ref=ref: crashed_outcome(ref, exc, ledger)))
        progress.info("document %d/%d", done, work.total, extra={"done": done, "total": work.total})
    if gathered is not None:
        group.gathered = outcome(gathered, lambda exc: [])
    return group


@flow(name="reviews", flow_run_name="reviews-{number}", log_prints=False, validate_parameters=False,
      persist_result=False)
def reviews_flow(batch: str, number: int, work_id: str, store_url: str, ocr_limit: str) -> GroupReviewed:
    """Review every applicant of the group, then release those whose review or pages changed."""
    work: ReviewsWork = handover.take(work_id)
    stages = work.stages
    futures = [(applicant, review_task.submit(applicant, store_url, work.findings_of(applicant),
                                              work.known_of(applicant)))
               for applicant in work.applicants]
    releases, group = [], GroupReviewed()
    for applicant, future in futures:
        review = outcome(future, lambda exc, a=applicant: stages.failed("review", a.unit, a.applicant, exc))
        if review is None:
            continue
        group.reviewed += 1
        stages.passed("review", applicant.unit, applicant.applicant)
        if work.changed(applicant, review):
            group.changed += 1
            if work.release:
                releases.append((applicant, release_task.submit(applicant, review.review, store_url, work.everyone,
                                                                ocr_limit)))
    for applicant, future in releases:
        failed = []
        outcome(future, failed.append)
        if failed:
            stages.failed("release", applicant.unit, applicant.applicant, failed[0])
        else:
            stages.passed("release", applicant.unit, applicant.applicant)
    return group
