"""Where report inputs come from in the store: reviews, failed files and evidence page images.

The unit report reads the reviews under ``results/`` and crops the original pages; the committee
report reads only what masking released under ``release/`` (masked reviews and masked pages).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from extractors.geometry import page_image as upright_page_image
from reports.model import FailedFile, ReportKind
from storage.base import ObjectStore
from storage.layout import release_page_name
from storage.ledger import Ledger
from zcps.errors import ObjectNotFound
from zcps.models import DocumentRef, DocumentResult, Review, Status


def _applicant_keys(store: ObjectStore, prefix: str, unit: str | None) -> list[str]:
    start = f"{prefix}{unit}/" if unit else prefix
    return [k for k in store.list(start) if k.endswith("/review.json") and "/state/" not in k and k.count("/") == 4]


def load_reviews(store: ObjectStore, batch: str, kind: ReportKind, unit: str | None = None) -> list[Review]:
    area = "results" if kind == "unit" else "release"
    keys = _applicant_keys(store, f"{area}/{batch}/", unit)
    return [Review.model_validate_json(store.get(key)) for key in keys]


def load_failed_files(store: ObjectStore, batch: str, unit: str | None = None) -> list[FailedFile]:
    entries = Ledger(store, batch).entries(unit)
    return [FailedFile.from_ledger(e) for e in entries if e.status is Status.failed]


def page_image_source(store: ObjectStore, batch: str, kind: ReportKind):
    """``page_image(source, page)`` for reports.build: ``source`` is ``{unit}/{applicant}/docs/{file}``."""

    @lru_cache(maxsize=32)
    def unit_page(source: str, page: int) -> np.ndarray | None:
        unit, applicant, _, file = source.split("/", 3)
        ref = DocumentRef(batch=batch, unit=unit, applicant=applicant, file=file)
        try:
            result = DocumentResult.model_validate_json(
                store.get(f"results/{batch}/{unit}/{applicant}/documents/{file}.json"))
            pages = {p.number: p for p in result.pages}
            if page not in pages:
                return None
            return upright_page_image(store.get(f"intake/{batch}/{source}"), ref.file, pages[page])
        except ObjectNotFound:
            return None

    @lru_cache(maxsize=32)
    def committee_page(source: str, page: int) -> np.ndarray | None:
        try:
            data = store.get(f"release/{batch}/{release_page_name(source, page)}")
        except ObjectNotFound:
            return None
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    return unit_page if kind == "unit" else committee_page
