"""Stage 4, the batch: unit and committee reports for the batch and for each unit, written to the store.

Each report and each of its formats is written on its own: one that cannot be built or written is a
failure of that report (``ReportFailure``, recorded in the ledger by ``pipeline.stages``), never of
the others. ``report_scopes`` says which reports a batch has.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from masking.pseudonym import load_pseudonyms
from reports.build import FORMATS, build_reports
from reports.model import build_report_data
from reports.sources import load_failed_files, load_ignored_files, load_reviews, page_image_source
from storage.factory import open_store
from storage.layout import report_key
from zcps.errors import ReportWriteFailed, ZcpsError, error_code
from zcps.settings import get_settings

KINDS = ("unit", "committee")

log = logging.getLogger("zcps.flow")


class ReportFailure(BaseModel):
    unit: str | None  # None: the whole-batch report
    kind: str
    code: str
    message: str


class ReportsOutcome(BaseModel):
    written: list[str] = Field(default_factory=list)  # not "keys": Prefect calls dict() on results
    failures: list[ReportFailure] = Field(default_factory=list)


def write_reports(batch: str, store_url: str | None, *, unit: str | None = None, kind: str = "unit",
                  formats: tuple[str, ...] = FORMATS) -> list[str]:
    """Write one report in each format; raises the first failure after writing every format it could."""
    outcome = _write_report(batch, store_url, unit=unit, kind=kind, formats=formats)
    if outcome.failures:
        first = outcome.failures[0]
        raise ReportWriteFailed(f"{first.kind} report, code {first.code}: {first.message}")
    return outcome.written


def _write_report(batch: str, store_url: str | None, *, unit: str | None, kind: str,
                  formats: tuple[str, ...] = FORMATS) -> ReportsOutcome:
    outcome = ReportsOutcome()
    try:
        store = open_store(store_url)
        reviews = load_reviews(store, batch, kind, unit)
        failed = load_failed_files(store, batch, unit)
        ignored = load_ignored_files(store, batch, unit) if kind == "unit" else []
        pseudonyms = load_pseudonyms(store, batch) if kind == "committee" else None
        # Build the data once up front so a bad input fails this report with its own code.
        build_report_data(batch, reviews, failed, kind=kind, unit=unit, pseudonyms=pseudonyms, ignored_files=ignored)
        page_image = page_image_source(store, batch, kind)
    except Exception as exc:  # noqa: BLE001 - one report's inputs never stop the other reports
        outcome.failures.append(_failure(unit, kind, exc))
        return outcome
    for fmt in formats:
        try:
            content = build_reports(batch, reviews, failed, kind=kind, unit=unit, formats=(fmt,),
                                    page_image=page_image, pseudonyms=pseudonyms, ignored_files=ignored)[fmt]
            key = report_key(batch, unit, kind, fmt)
            store.put(key, content)
            outcome.written.append(key)
        except Exception as exc:  # noqa: BLE001 - one format never stops the others
            outcome.failures.append(_failure(unit, kind, exc, fmt))
    return outcome


def _failure(unit: str | None, kind: str, exc: BaseException, fmt: str | None = None) -> ReportFailure:
    what = f"{fmt} rendering" if fmt else "inputs"
    code = error_code(exc) if isinstance(exc, ZcpsError) else ReportWriteFailed.code
    log.warning("%s report %s failed: %s (%s)", kind, what, code, type(exc).__name__)
    return ReportFailure(unit=unit, kind=kind, code=code, message=f"{kind} report {what}: {type(exc).__name__}")


def report_scopes(units: list[str]) -> list[tuple[str, str | None]]:
    """(kind, unit) of every report of a batch: each kind for the whole batch (None) and for each unit."""
    return [(kind, unit) for kind in KINDS for unit in [None, *units]]


def write_batch_reports(batch: str, store_url: str, units: list[str]) -> ReportsOutcome:
    outcome = ReportsOutcome()
    # Each report reads its own inputs from the store, so the units' reports build side by side.
    with ThreadPoolExecutor(max_workers=max(1, get_settings().concurrency)) as pool:
        for written in pool.map(lambda scope: _write_report(batch, store_url, unit=scope[1], kind=scope[0]),
                                report_scopes(units)):
            outcome.written += written.written
            outcome.failures += written.failures
    return outcome
