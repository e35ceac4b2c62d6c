"""Evidence pages behind the report crops are decoded when asked for and never kept by the store's
page source: a decoded page is megabytes, and a batch builds several unit reports at once, so a cache
there grew the flow's peak memory with every applicant until it held dozens of pages per report.
The crop maker's few recent pages are the only ones a report holds."""

from __future__ import annotations

import gc
import inspect
import weakref

import cv2
import numpy as np
import pytest

import pipeline.reports
from pipeline.reports import write_reports
from reports.crops import CropMaker
from reports.sources import page_image_source
from storage.layout import doc_key, document_result_key, release_page_name, release_prefix, review_key
from storage.local import LocalStore
from support.report_samples import BATCH, UNIT_A, build_sample
from zcps.models import DocumentRef, DocumentResult, Page, Status

CE_CARD = "03_ce_card.jpg"
# The bound a report build must stay within: the pages the crop maker keeps, plus the one being read.
PAGES_KEPT = inspect.signature(CropMaker).parameters["pages_kept"].default


def _page(number: int) -> np.ndarray:
    """A small page, different for each applicant so that no two decode to the same pixels."""
    page = np.full((240, 320, 3), 255, np.uint8)
    cv2.putText(page, f"P{number}", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    return page


def _unit_store(root, applicants: int) -> LocalStore:
    """``applicants`` reviews of one unit, each with three findings on its own stored CE card page."""
    store = LocalStore(root)
    template = next(r for r in build_sample().reviews if r.findings and r.findings[0].evidence
                    and r.findings[0].evidence.document == f"docs/{CE_CARD}")
    for number in range(applicants):
        applicant = f"M-{number:03d}"
        ref = DocumentRef(batch=BATCH, unit=UNIT_A, applicant=applicant, file=CE_CARD)
        ok, jpeg = cv2.imencode(".jpg", _page(number))
        assert ok
        store.put(doc_key(ref), jpeg.tobytes())
        result = DocumentResult(ref=ref, status=Status.done, page_count=1, pages=[Page(number=1, width=320, height=240)])
        store.put(document_result_key(ref), result.model_dump_json().encode())
        review = template.model_copy(update=dict(unit=UNIT_A, applicant_id=applicant, unit_name=None,
                                                 applicant_name=None, failed_files=[]))
        store.put(review_key(BATCH, UNIT_A, applicant), review.model_dump_json().encode())
    return store


class _LivePages:
    """Wraps a page source; records how many of the pages it returned are still alive at each call."""

    def __init__(self, source):
        self.source = source
        self.returned: list[weakref.ref] = []
        self.most_alive = 0

    def __call__(self, source: str, page: int):
        image = self.source(source, page)
        if image is not None:
            self.returned.append(weakref.ref(image))
        gc.collect()
        self.most_alive = max(self.most_alive, sum(ref() is not None for ref in self.returned))
        return image


@pytest.mark.parametrize("applicants", [1, PAGES_KEPT + 1, 4 * PAGES_KEPT])
def test_a_unit_report_holds_a_few_pages_whatever_its_applicants(tmp_path, monkeypatch, applicants):
    store = _unit_store(tmp_path, applicants)
    watched: list[_LivePages] = []

    def watched_source(*args):
        watched.append(_LivePages(page_image_source(*args)))
        return watched[-1]

    monkeypatch.setattr(pipeline.reports, "page_image_source", watched_source)
    write_reports(BATCH, store.url, unit=UNIT_A, kind="unit", formats=("html",))
    [pages] = watched
    assert len(pages.returned) == applicants, "each applicant's page is read once"
    assert pages.most_alive <= min(applicants, PAGES_KEPT + 1)
    pages.source = None  # the report's own source dies with it; nothing else may hold a page
    gc.collect()
    assert not any(ref() is not None for ref in pages.returned), "no page outlives the report"


def _released_store(root, pages: int) -> LocalStore:
    store = LocalStore(root)
    for number in range(pages):
        ok, png = cv2.imencode(".png", _page(number))
        assert ok
        store.put(release_prefix(BATCH, UNIT_A, f"P{number:03d}") + release_page_name(f"docs/{CE_CARD}", 1),
                  png.tobytes())
    return store


@pytest.mark.parametrize(("kind", "store_of", "source_of"), [
    ("unit", _unit_store, lambda n: f"{UNIT_A}/M-{n:03d}/docs/{CE_CARD}"),
    ("committee", _released_store, lambda n: f"{UNIT_A}/P{n:03d}/docs/{CE_CARD}"),
], ids=["unit", "committee"])
def test_the_page_source_keeps_no_page_it_returned(tmp_path, kind, store_of, source_of):
    page_image = page_image_source(store_of(tmp_path, 6), BATCH, kind)
    returned = []
    for number in range(6):
        image = page_image(source_of(number), 1)
        assert image is not None and image.shape[:2] == (240, 320)
        assert not np.array_equal(image, page_image(source_of((number + 1) % 6), 1)), "each source its own page"
        returned.append(weakref.ref(image))
        del image
    gc.collect()
    assert [ref() for ref in returned] == [None] * 6


@pytest.mark.parametrize(("kind", "source"), [
    ("unit", f"{UNIT_A}/M-404/docs/{CE_CARD}"),       # no stored result of that document
    ("committee", f"{UNIT_A}/P404/docs/{CE_CARD}"),  # nothing released under that pseudonym
])
def test_a_page_not_in_the_store_is_none(tmp_path, kind, source):
    assert page_image_source(LocalStore(tmp_path), BATCH, kind)(source, 1) is None
