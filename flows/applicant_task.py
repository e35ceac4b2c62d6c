"""Per-applicant tasks: build the review from the documents, then release a masked copy."""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.document_task import load_result
from masking.release import release_applicant
from storage.factory import open_store
from storage.intake import ApplicantRef
from storage.layout import doc_key, manifest_key, review_key
from validators.check import check_applicant, check_invalid_manifest
from zcps.errors import ManifestInvalid, ObjectNotFound
from zcps.manifest import parse_manifest
from zcps.models import DocumentResult, Review

log = logging.getLogger("zcps.flow")


@task(name="review", task_run_name="review-{applicant.unit}-{applicant.applicant}", cache_policy=NO_CACHE,
      persist_result=False)
def review_task(applicant: ApplicantRef, results: list[DocumentResult | None], store_url: str) -> Review:
    store = open_store(store_url)
    documents = [r if r is not None else load_result(store, ref) for r, ref in zip(results, applicant.documents)]
    documents = [d for d in documents if d is not None]
    try:
        manifest = parse_manifest(store.get(manifest_key(applicant.batch, applicant.unit, applicant.applicant)),
                                  source=f"{applicant.unit}/{applicant.applicant}/manifest.json")
        review = check_applicant(manifest, documents, batch=applicant.batch, unit=applicant.unit)
    except (ManifestInvalid, ObjectNotFound) as exc:
        review = check_invalid_manifest(applicant.applicant, applicant.unit, applicant.batch, exc)
    store.put(review_key(applicant.batch, applicant.unit, applicant.applicant),
              review.model_dump_json(by_alias=True, indent=2).encode())
    log.info("review %s/%s: %s, %d findings", applicant.unit, applicant.applicant, review.verdict, len(review.findings))
    return review


@task(name="release", task_run_name="release-{review.unit}-{review.applicant_id}", cache_policy=NO_CACHE,
      persist_result=False)
def release_task(review: Review, store_url: str):
    store = open_store(store_url)
    manifest = parse_manifest(store.get(manifest_key(review.batch, review.unit, review.applicant_id)))
    documents = []
    for declared in manifest.documents:
        pass
    return release_applicant(store, review.batch, review.unit, manifest, review, documents)
