"""Per-applicant tasks: gather the fingerprints of documents not processed this run, review an
applicant, release a masked copy. Each is one call of a ``pipeline`` stage."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.slots import ocr_slot_of
from masking.release import ReleaseResult
from pipeline.applicant import ReviewOutcome, release_reviewed, review_applicant
from pipeline.batch import LedgerState, gather_fingerprints
from storage.intake import ApplicantRef
from zcps.models import DocumentFingerprint, DocumentRef, DocumentResult, Finding, Review


@task(name="gather", cache_policy=NO_CACHE, persist_result=False)
def gather_task(applicants: list[ApplicantRef], unselected: dict[DocumentRef, LedgerState | None],
                store_url: str) -> list[DocumentFingerprint]:
    return gather_fingerprints(applicants, unselected, store_url)


@task(name="review", task_run_name="review-{applicant.log_id}", cache_policy=NO_CACHE, persist_result=False)
def review_task(applicant: ApplicantRef, store_url: str, batch_findings: list[Finding],
                known: list[DocumentResult]) -> ReviewOutcome:
    return review_applicant(applicant, store_url, batch_findings, known)


@task(name="release", task_run_name="release-{applicant.log_id}", cache_policy=NO_CACHE, persist_result=False)
def release_task(applicant: ApplicantRef, review: Review, store_url: str, batch_applicants: list[str],
                 ocr_limit: str) -> ReleaseResult | None:
    return release_reviewed(applicant, review, store_url, batch_applicants, ocr_slot=ocr_slot_of(ocr_limit))
