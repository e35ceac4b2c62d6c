"""Stage 4, the batch: unit and committee reports for each unit, then for the whole batch, written to the store.

Each unit's report writes its counts (``UnitReportSummary``) beside itself; the whole-batch report
is built from those summaries and links to the unit reports, so it reads no review and its size
grows with the number of units, not of applicants (reports/batch_report.py).

Each report and each of its formats is written on its own: one that cannot be built or written is a
failure of that report (``ReportFailure``, recorded in the ledger by ``pipeline.stages``), never of
the others. ``report_scopes`` says which reports a batch has.
"""

from __future__ import annotations

import logging
import posixpath
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from masking.pseudonym import load_pseudonyms
from reports.batch_report import BATCH_RENDERERS, UnitReportSummary, build_batch_report_data
from reports.build import FORMATS, build_reports
from reports.crops import PageImage
from reports.html import html_pages, render_html
from reports.model import FailedFile, IgnoredFile, IgnoredFileRow, ReportData, build_report_data
from reports.sources import (load_failed_files, load_ignored_files, load_reviews, page_image_source, review_units,
                             unplaced_entries)
from storage.base import ObjectStore
from storage.factory import open_store
from storage.layout import report_key, report_page_key, report_summary_key
from zcps.models import Status
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
    """Write one report in each format; raises the first failure after writing every format it could.
    The whole batch's report (``unit`` None) first rewrites every unit's report of ``kind``."""
    if unit is None:
        units = review_units(open_store(store_url), batch, kind)
        outcome = ReportsOutcome()
        for scope in [*units, None]:
            written = _write_report(batch, store_url, unit=scope, kind=kind, formats=formats, units=units)
            outcome.written += written.written
            outcome.failures += written.failures
    else:
        outcome = _write_report(batch, store_url, unit=unit, kind=kind, formats=formats)
    if outcome.failures:
        first = outcome.failures[0]
        raise ReportWriteFailed(f"{first.kind} report, code {first.code}: {first.message}")
    return outcome.written


def _write_report(batch: str, store_url: str | None, *, unit: str | None, kind: str,
                  formats: tuple[str, ...] = FORMATS, units: list[str] = ()) -> ReportsOutcome:
    if unit is None:
        return write_batch_report(batch, store_url, kind, formats, list(units))
    outcome = ReportsOutcome()
    try:
        store = open_store(store_url)
        reviews = load_reviews(store, batch, kind, unit)
        failed = load_failed_files(store, batch, unit)
        ignored = load_ignored_files(store, batch, unit) if kind == "unit" else []
        pseudonyms = load_pseudonyms(store, batch) if kind == "committee" else None
        # Build the data once up front so a bad input fails this report with its own code.
        data = build_report_data(batch, reviews, failed, kind=kind, unit=unit, pseudonyms=pseudonyms,
                                 ignored_files=ignored)
        page_image = page_image_source(store, batch, kind)
    except Exception as exc:  # noqa: BLE001 - one report's inputs never stop the other reports
        outcome.failures.append(_failure(unit, kind, exc))
        return outcome
    for fmt in formats:
        try:
            if fmt == "html":
                outcome.written += _write_html_pages(store, batch, unit, kind, data, page_image)
                continue
            content = build_reports(batch, reviews, failed, kind=kind, unit=unit, formats=(fmt,),
                                    page_image=page_image, pseudonyms=pseudonyms, ignored_files=ignored)[fmt]
            key = report_key(batch, unit, kind, fmt)
            store.put(key, content)
            outcome.written.append(key)
        except Exception as exc:  # noqa: BLE001 - one format never stops the others
            outcome.failures.append(_failure(unit, kind, exc, fmt))
    if not outcome.failures:
        # Only a complete unit report is linked from the batch report; a failed one is listed as not built.
        _put_summary(store, report_summary_key(batch, unit, kind), UnitReportSummary.of(data), outcome, unit, kind)
    return outcome


def _write_html_pages(store: ObjectStore, batch: str, unit: str, kind: str, data: ReportData,
                      page_image: PageImage | None) -> list[str]:
    """The unit's HTML report, ``ZCPS_REPORT_PAGE_APPLICANTS`` applicants to a page, the pages linked to each other."""
    pages = html_pages(data, get_settings().report_page_applicants)
    keys = [report_page_key(batch, unit, kind, number) for number in range(1, len(pages) + 1)]
    names = [posixpath.basename(key) for key in keys]
    for number, (page, key) in enumerate(zip(pages, keys), start=1):
        store.put(key, render_html(page, page_image, pages=names if len(pages) > 1 else [], page=number))
    return keys


def _put_summary(store: ObjectStore, key: str, summary: UnitReportSummary, outcome: ReportsOutcome,
                 unit: str, kind: str) -> None:
    try:
        store.put(key, summary.model_dump_json().encode())
    except Exception as exc:  # noqa: BLE001 - the unit's report is written; the batch lists it as not built
        outcome.failures.append(_failure(unit, kind, exc, "summary"))


def _unit_summaries(store: ObjectStore, batch: str, kind: str, units: list[str]) -> dict[str, UnitReportSummary]:
    found = {}
    for unit in units:
        data = store.get_optional(report_summary_key(batch, unit, kind))
        if data is None:
            continue
        try:
            found[unit] = UnitReportSummary.model_validate_json(data)
        except ValueError:  # a damaged summary: the unit is listed as not built until its report is rewritten
            log.warning("a unit report summary of batch %s is unreadable", batch)
    return found


def write_batch_report(batch: str, store_url: str | None, kind: str, formats: tuple[str, ...],
                        units: list[str]) -> ReportsOutcome:
    """The whole batch's report of ``kind``, from the units' report summaries (no review is read)."""
    outcome = ReportsOutcome()
    try:
        store = open_store(store_url)
        unplaced = unplaced_entries(store, batch, units)
        failed = [FailedFile.from_ledger(e) for e in unplaced if e.status is Status.failed]
        rows = build_report_data(batch, [], failed, kind=kind).failed_files
        ignored = [IgnoredFile.from_ledger(e) for e in unplaced if e.status is Status.ignored]
        data = build_batch_report_data(
            batch, kind, units, _unit_summaries(store, batch, kind, units), formats, unplaced_failed=rows,
            unplaced_ignored=[IgnoredFileRow(applicant=f.applicant_id, unit=f.unit, key=f.key, code=f.code,
                                             reason=f.reason) for f in ignored])
    except Exception as exc:  # noqa: BLE001 - the units' reports stand without the batch's
        outcome.failures.append(_failure(None, kind, exc))
        return outcome
    for fmt in formats:
        try:
            key = report_key(batch, None, kind, fmt)
            store.put(key, BATCH_RENDERERS[fmt](data))
            outcome.written.append(key)
        except Exception as exc:  # noqa: BLE001 - one format never stops the others
            outcome.failures.append(_failure(None, kind, exc, fmt))
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
    scopes = report_scopes(units)
    # Each unit report reads its own inputs from the store, so they build side by side; the batch's
    # reports come after, from the summaries the unit reports wrote.
    with ThreadPoolExecutor(max_workers=max(1, get_settings().concurrency)) as pool:
        for stage in ([s for s in scopes if s[1] is not None], [s for s in scopes if s[1] is None]):
            for written in pool.map(lambda scope: _write_report(batch, store_url, unit=scope[1], kind=scope[0],
                                                                units=units), stage):
                outcome.written += written.written
                outcome.failures += written.failures
    return outcome
