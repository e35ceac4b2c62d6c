"""Where report inputs come from in the store: reviews, failed files and evidence page images.

The unit report reads the reviews under ``results/`` and crops the original pages; the committee
report reads only what masking released under ``release/`` (masked reviews and masked pages).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from pydantic import ValidationError

from extractors.geometry import page_image as upright_page_image
from reports.model import FailedFile, IgnoredFile, ReportKind
from review.decisions import apply_decisions, load_decisions
from storage.base import ObjectStore
from storage.layout import (doc_key, document_result_key, is_applicant_review, release_page_name, release_prefix,
                            release_units_prefix, results_units_prefix, unit_release_prefix, unit_results_prefix)
from storage.ledger import Ledger
from zcps.errors import ObjectNotFound
from zcps.models import DocumentRef, DocumentResult, Review, Status

log = logging.getLogger("zcps.reports")
_READ_THREADS = 8


def _review_keys(store: ObjectStore, batch: str, kind: ReportKind, unit: str | None) -> list[str]:
    units = results_units_prefix(batch) if kind == "unit" else release_units_prefix(batch)
    start = units if not unit else (unit_results_prefix if kind == "unit" else unit_release_prefix)(batch, unit)
    return [key for key in store.list(start) if is_applicant_review(units, key)]


def review_units(store: ObjectStore, batch: str, kind: ReportKind) -> list[str]:
    """The units that have at least one stored review of ``kind`` (one listing, no review read)."""
    units = results_units_prefix(batch) if kind == "unit" else release_units_prefix(batch)
    return sorted({key[len(units):].split("/", 1)[0] for key in _review_keys(store, batch, kind, None)})


def unplaced_entries(store: ObjectStore, batch: str, units: list[str]) -> list:
    """Object and stage entries of no unit in ``units`` (a file at the batch's top level, a batch stage)."""
    return [e for e in Ledger(store, batch).other_entries() if e.unit not in units]


def load_reviews(store: ObjectStore, batch: str, kind: ReportKind, unit: str | None = None) -> list[Review]:
    # Threads hide the store's round trips: a province batch has thousands of reviews.
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        found = list(pool.map(lambda key: _review(store, batch, kind, key), _review_keys(store, batch, kind, unit)))
    return [r for r in found if r is not None and (unit is None or r.unit == unit)]


def _review(store: ObjectStore, batch: str, kind: ReportKind, key: str) -> Review | None:
    try:
        review = Review.model_validate_json(store.get(key))
    except (ValidationError, ValueError):
        # One damaged review must not stop the report; its applicant's ledger entry says why.
        log.warning("a review of batch %s is unreadable; left out of the report", batch)
        return None
    if kind == "unit":
        # The decisions as they stand now: an import shows in the next report without a re-run.
        review = apply_decisions(review, load_decisions(store, batch, review.unit, review.applicant_id))
    return review


def load_failed_files(store: ObjectStore, batch: str, unit: str | None = None) -> list[FailedFile]:
    entries = Ledger(store, batch).entries(unit)  # a unit's report lists and reads only that unit's summaries
    return [FailedFile.from_ledger(e) for e in entries if e.status is Status.failed and (unit is None or e.unit == unit)]


def load_ignored_files(store: ObjectStore, batch: str, unit: str | None = None) -> list[IgnoredFile]:
    entries = Ledger(store, batch).entries(unit)
    return [IgnoredFile.from_ledger(e) for e in entries if e.status is Status.ignored and (unit is None or e.unit == unit)]


def page_image_source(store: ObjectStore, batch: str, kind: ReportKind):
    """``page_image(source, page)`` for reports.build: ``source`` is ``{unit}/{applicant}/docs/{file}``.

    Each call decodes the page anew: a decoded page is megabytes, and the report's crop maker
    (``reports.crops.CropMaker``) already keeps the few pages its applicant's findings come back to.
    A cache here held up to 32 pages per unit report being built, with several built at once."""

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

    def committee_page(source: str, page: int) -> np.ndarray | None:
        unit, pseudonym, document = source.split("/", 2)
        try:
            data = store.get(release_prefix(batch, unit, pseudonym) + release_page_name(document, page))
        except ObjectNotFound:
            return None
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    return unit_page if kind == "unit" else committee_page
