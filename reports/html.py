"""The self-contained HTML report: inline CSS and JS, evidence crops as data URIs, no external resources."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from reports.crops import CropMaker, PageImage
from reports.model import SEVERITY_LABELS, ReportData
from zcps.models import severity_rank

_TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # autoescape=True, not select_autoescape: the template's ".j2" suffix would switch it off.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def evidence_crops(report: ReportData, page_image: PageImage | None) -> dict[str, str]:
    """Finding (F…) and explanation (X…) id → JPEG data URI for every item whose evidence region could be cut
    from its page."""
    maker = CropMaker(page_image)
    crops = {}
    by_applicant: dict[str, list] = {}
    for finding in report.findings:
        by_applicant.setdefault(finding.applicant, []).append(finding)
    # One applicant at a time: the crop maker keeps only a few recent pages.
    items = [item for applicant in report.applicants
             for item in (*by_applicant.get(applicant.applicant, []), *applicant.explanation)]
    for item in items:
        evidence = item.evidence
        if evidence is None:
            continue
        uri = maker.data_uri(item.page_source, evidence.page, evidence.bbox)
        if uri is not None:
            crops[item.id] = uri
    return crops


def html_pages(report: ReportData, per_page: int) -> list[ReportData]:
    """The report split by applicants, ``per_page`` to a page, each page with its applicants' findings
    and tasks; every page keeps the whole report's summary, and the failed files are on the first."""
    chunks = [report.applicants[start:start + per_page] for start in range(0, len(report.applicants), per_page)]
    pages = []
    for number, chunk in enumerate(chunks or [[]], start=1):
        labels = {a.applicant for a in chunk}
        pages.append(report.model_copy(update=dict(
            applicants=chunk, findings=[f for f in report.findings if f.applicant in labels],
            tasks=[t for t in report.tasks if t.applicant in labels],
            failed_files=report.failed_files if number == 1 else [],
            ignored_files=report.ignored_files if number == 1 else [])))
    return pages


def render_html(report: ReportData, page_image: PageImage | None = None, *, pages: list[str] = (),
                page: int = 1) -> bytes:
    """``pages``: the file names of every page of this report (empty: one page), ``page`` this one's number."""
    template = environment().get_template("report.html.j2")
    html = template.render(
        report=report, pages=list(pages), page=page,
        crops=evidence_crops(report, page_image),
        rules=sorted({finding.rule for finding in report.findings}),
        severity_labels=SEVERITY_LABELS,
        severity_rank={severity: severity_rank(severity) for severity in SEVERITY_LABELS},
    )
    return html.encode("utf-8")
