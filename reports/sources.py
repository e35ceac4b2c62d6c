"""Where report inputs come from in the store: reviews, failed files and evidence page images.

The unit report reads the reviews under ``results/`` and crops the original pages; the committee
report reads only what masking released under ``release/`` (masked reviews and masked pages).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np
from pydantic import ValidationError

from extractors.geometry import page_image as upright_page_image
from reports.model import FailedFile, IgnoredFile, ReportKind
from review.decisions import apply_decisions, load_decisions
from storage.base import ObjectStore
from storage.layout import (doc_key, document_result_key, release_page_name, release_prefix, release_units_prefix,
                            results_units_prefix, safe_segment)
from storage.ledger import Ledger
from zcps.errors import ObjectNotFound
from zcps.models import DocumentRef, DocumentResult, Review, Status

log = logging.getLogger("zcps.reports")


def _review_keys(store: ObjectStore, prefix: str, unit: str | None) -> list[str]:
    start = f"{prefix}{safe_segment(unit)}/" if unit else prefix
    # {unit}/{applicant}/review.json below the units/ namespace; deeper names are documents' results.
    return [k for k in store.list(start) if k.endswith("/review.json") and k[len(prefix):].count("/") == 2]


def load_reviews(store: ObjectStore, batch: str, kind: ReportKind, unit: str | None = None) -> list[Review]:
    prefix = results_units_prefix(batch) if kind == "unit" else release_units_prefix(batch)
    reviews = []
    for key in _review_keys(store, prefix, unit):
        try:
            review = Review.model_validate_json(store.get(key))
        except (ValidationError, ValueError):
            # One damaged review must not stop the report; its applicant's ledger entry says why.
            log.warning("a review of batch %s is unreadable; left out of the report", batch)
            continue
        if kind == "unit":
            # The decisions as they stand now: an import shows in the next report without a re-run.
            review = apply_decisions(review, load_decisions(store, batch, review.unit, review.applicant_id))
        reviews.append(review)
    return [r for r in reviews if unit is None or r.unit == unit]


def load_failed_files(store: ObjectStore, batch: str, unit: str | None = None) -> list[FailedFile]:
    entries = Ledger(store, batch).entries()
    return [FailedFile.from_ledger(e) for e in entries if e.status is Status.failed and (unit is None or e.unit == unit)]


def load_ignored_files(store: ObjectStore, batch: str, unit: str | None = None) -> list[IgnoredFile]:
    entries = Ledger(store, batch).entries()
    return [IgnoredFile.from_ledger(e) for e in entries if e.status is Status.ignored and (unit is None or e.unit == unit)]


def page_image_source(store: ObjectStore, batch: str, kind: ReportKind):
    """``page_image(source, page)`` for reports.build: ``source`` is ``{unit}/{applicant}/docs/{file}``."""

    @lru_cache(maxsize=32)
    def unit_page(source: str, page: int) -> np.ndarray | None:
        unit, applicant, _, file = source.split("/", 3)
        ref = DocumentRef(batch=batch, unit=unit, applicant=applicant, file=file)
        try:
            result = DocumentResult.model_validate_json(store.get(document_result_key(ref)))
            pages = {p.number: p for p in result.pages}
            if page not in pages:
                return None
            return upright_page_image(store.get(doc_key(ref)), ref.file, pages[page])
        except ObjectNotFound:
            return None

    @lru_cache(maxsize=32)
    def committee_page(source: str, page: int) -> np.ndarray | None:
        unit, pseudonym, document = source.split("/", 2)
        try:
            data = store.get(release_prefix(batch, unit, pseudonym) + release_page_name(document, page))
        except ObjectNotFound:
            return None
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    return unit_page if kind == "unit" else committee_page
