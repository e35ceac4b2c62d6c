"""Per-applicant tasks: gather stored results, build the review from the documents, release a masked copy."""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field, ValidationError

from flows.document_task import load_result
from masking.release import ReleaseResult, release_applicant
from review.decisions import with_decisions
from storage.factory import open_store
from storage.intake import ApplicantRef
from storage.layout import doc_key, manifest_key, review_key
from validators.check import check_applicant, check_invalid_manifest
from validators.declared_files import declared_absent
from validators.schema import rules_for_batch
from zcps.errors import InputError, InvalidKey, ManifestInvalid, ObjectNotFound, ZcpsError
from zcps.manifest import Manifest, parse_manifest
from zcps.models import DocumentRef, DocumentResult, Finding, Review, Status

log = logging.getLogger("zcps.flow")


def _read_manifest(store, applicant: ApplicantRef) -> Manifest:
    source = f"{applicant.unit}/{applicant.applicant}/manifest.json"
    if not applicant.has_manifest:
        # Not listed as a regular object (absent, or a symlink intake refused): never read past intake.
        raise ManifestInvalid(f"{source}: no manifest.json in the applicant folder")
    manifest = parse_manifest(store.get(manifest_key(applicant.batch, applicant.unit, applicant.applicant)),
                              source=source)
    if manifest.applicant_id != applicant.applicant:
        raise ManifestInvalid(f"{source}: applicant_id does not match the folder name")
    return manifest


class Gathered(BaseModel):
    results: list[DocumentResult] = Field(default_factory=list)
    unreadable: list[DocumentRef] = Field(default_factory=list)  # no readable stored result


@task(name="gather", cache_policy=NO_CACHE, persist_result=False)
def gather_results_task(refs: list[DocumentRef], store_url: str) -> Gathered:
    """The stored results of documents this run did not process (unchanged, or not selected)."""
    store = open_store(store_url)
    gathered = Gathered()
    for ref in refs:
        try:
            result = load_result(store, ref)
        except (ZcpsError, ValidationError, ValueError) as exc:
            log.warning("stored result of %s is unreadable (%s)", ref.log_id, type(exc).__name__)
            result = None
        if result is None:
            gathered.unreadable.append(ref)
        else:
            gathered.results.append(result)
    return gathered


class ReviewOutcome(BaseModel):
    review: Review
    changed: bool


@task(name="review", task_run_name="review-{applicant.log_id}", cache_policy=NO_CACHE, persist_result=False)
def review_task(applicant: ApplicantRef, documents: list[DocumentResult], batch_findings: list[Finding],
                store_url: str) -> ReviewOutcome:
    store = open_store(store_url)
    rules = rules_for_batch(applicant.batch)
    try:
        manifest = _read_manifest(store, applicant)
        present = {f"docs/{d.ref.file}" for d in documents}
        review = check_applicant(manifest, documents, batch=applicant.batch, unit=applicant.unit, rules=rules,
                                 batch_findings=[*batch_findings, *declared_absent(manifest, present, rules)])
    except (InputError, InvalidKey, ObjectNotFound) as exc:
        review = check_invalid_manifest(applicant.applicant, applicant.unit, applicant.batch, exc, rules=rules)
    # Reviewers' decisions are part of the stored review, so a changed decision re-releases the applicant.
    review = with_decisions(store, review, documents)
    key = review_key(applicant.batch, applicant.unit, applicant.applicant)
    content = review.model_dump_json(by_alias=True, indent=2).encode()
    changed = store.get_optional(key) != content
    if changed:
        store.put(key, content)
    log.info("review %s: %s, %d findings", applicant.log_id, review.verdict, len(review.findings))
    return ReviewOutcome(review=review, changed=changed)


@task(name="release", task_run_name="release-{applicant.log_id}", cache_policy=NO_CACHE, persist_result=False)
def release_task(applicant: ApplicantRef, review: Review, store_url: str,
                 batch_applicants: list[str]) -> ReleaseResult | None:
    if review.findings and review.findings[0].rule == "manifest.invalid":
        return None
    store = open_store(store_url)
    manifest = _read_manifest(store, applicant)
    documents = []
    for ref in applicant.documents:
        result = load_result(store, ref)
        if result is not None:
            documents.append((result, store.get(doc_key(ref)) if result.status is not Status.failed else b""))
    return release_applicant(store, applicant.batch, applicant.unit, manifest, review, documents,
                             batch_applicants=batch_applicants)
