"""Entry point for the flow and the CLI: reviews in, report files (format → bytes) out."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reports.crops import PageImage
from reports.csv_report import render_csv
from reports.html import render_html
from reports.json_report import render_json
from reports.model import FailedFile, IgnoredFile, ReportData, ReportKind, build_report_data
from reports.xlsx import render_xlsx
from zcps.errors import ReportInputError
from zcps.models import Review

FORMATS = ("html", "xlsx", "csv", "json")

_RENDERERS: dict[str, Callable[[ReportData, PageImage | None], bytes]] = {
    "html": render_html,
    "xlsx": lambda report, _: render_xlsx(report),
    "csv": lambda report, _: render_csv(report),
    "json": lambda report, _: render_json(report),
}


def build_reports(batch: str, reviews: Iterable[Review], failed_files: Iterable[FailedFile], *,
                  kind: ReportKind, unit: str | None = None, page_image: PageImage | None = None,
                  formats: Iterable[str] = FORMATS,
                  pseudonyms: dict[str, str] | None = None,
                  ignored_files: Iterable[IgnoredFile] = ()) -> dict[str, bytes]:
    """Render the unit or committee report of one batch (or one unit of it) in each requested format.

    ``page_image(source, page)`` returns the upright page image (OpenCV array) for a finding's
    evidence, or None; ``source`` is ``"{unit}/{applicant_id}/{evidence.document}"``, the intake key
    below ``intake/{batch}/``. For ``kind="committee"`` pass masked reviews, a ``page_image`` that
    returns masked images, and ``pseudonyms`` (applicant_id → pseudonym) for every review.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in _RENDERERS]
    if unknown:
        raise ReportInputError(f"unknown report format(s) {', '.join(unknown)}",
                               hint=f"Choose from {', '.join(FORMATS)}.")
    report = build_report_data(batch, list(reviews), list(failed_files), kind=kind, unit=unit,
                               pseudonyms=pseudonyms, ignored_files=list(ignored_files))
    return {name: _RENDERERS[name](report, page_image) for name in wanted}
