"""The whole-batch report, built from the units' report summaries, never from the reviews.

Each unit report writes a ``UnitReportSummary`` (its counts) beside itself; the batch report adds
them up and links to each unit's report files, so its size grows with the number of units, not of
applicants (a province batch of 5,000 applicants has a batch report of a few dozen rows). Failed or
ignored objects that belong to no reported unit (a file at the batch's top level) are listed in the
batch report itself, because no unit report shows them.
"""

from __future__ import annotations

import csv
import json
import posixpath
from io import BytesIO, StringIO
from urllib.parse import quote

from openpyxl import Workbook
from pydantic import Field as PydField

from reports.html import environment
from reports.model import (KIND_LABELS, REVIEWED_STATUSES, SEVERITY_LABELS, UNKNOWN_LEVEL, FailedFileRow,
                           IgnoredFileRow, LevelSummary, ReportData, ReportKind, ReportRow, Summary, safe_cell_text)
from storage.layout import report_key
from validators.schema import rules_for_batch
from zcps.models import Model, RulesRef

BATCH_SCHEMA = "zcps.batch-report/1"
UNIT_HEADERS = ["单位", "单位名称", "申请人数", "符合", "不符合", "需核实", "评审费（元）", "处理失败文件", "已忽略文件",
                "单位报告"]


class UnitReportSummary(Model):
    """What the batch report needs of one unit's report of one kind."""

    unit: str
    unit_name: str
    kind: ReportKind
    summary: Summary
    failed_files: int
    ignored_files: int
    rules: list[RulesRef] = PydField(default_factory=list)

    @classmethod
    def of(cls, report: ReportData) -> "UnitReportSummary":
        names = {a.unit_name for a in report.applicants if a.unit_name}
        return cls(unit=report.unit or "", unit_name=names.pop() if len(names) == 1 else report.unit or "",
                   kind=report.kind, summary=report.summary, failed_files=len(report.failed_files),
                   ignored_files=len(report.ignored_files), rules=report.rules)


class UnitLink(ReportRow):
    unit: str
    unit_name: str
    summary: Summary | None  # None: the unit's report could not be built (its failure is in the ledger)
    failed_files: int
    ignored_files: int
    links: dict[str, str]  # format → the unit report's path relative to the batch report


class BatchReportData(ReportRow):
    schema_: str = PydField(default=BATCH_SCHEMA, alias="schema")
    kind: ReportKind
    kind_label: str
    title: str
    batch: str
    summary: Summary
    units: list[UnitLink]
    unplaced_failed: list[FailedFileRow] = PydField(default_factory=list)
    unplaced_ignored: list[IgnoredFileRow] = PydField(default_factory=list)
    rules: list[RulesRef] = PydField(default_factory=list)

    model_config = Model.model_config | {"populate_by_name": True}


def unit_links(batch: str, unit: str, kind: str, formats: tuple[str, ...]) -> dict[str, str]:
    here = posixpath.dirname(report_key(batch, None, kind, "html"))
    return {fmt: quote(posixpath.relpath(report_key(batch, unit, kind, fmt), here)) for fmt in formats}


def merge_summaries(batch: str, summaries: list[Summary]) -> Summary:
    levels: dict[str, LevelSummary] = {}
    for summary in summaries:
        for level in summary.levels:
            total = levels.setdefault(level.level, LevelSummary(level=level.level))
            for name in ("applicants", "eligible", "not_eligible", "needs_review", "fees_yuan"):
                setattr(total, name, getattr(total, name) + getattr(level, name))
    order = {level: rank for rank, level in enumerate(rules_for_batch(batch).levels)}
    ordered = sorted(levels.values(), key=lambda e: (order.get(e.level, len(order)), e.level != UNKNOWN_LEVEL,
                                                     e.level))

    def total(name: str) -> int:
        return sum(getattr(s, name) for s in summaries)

    return Summary(applicants=total("applicants"), eligible=total("eligible"), not_eligible=total("not_eligible"),
                   needs_review=total("needs_review"), fees_yuan=total("fees_yuan"),
                   findings={sev: sum(s.findings.get(sev, 0) for s in summaries) for sev in SEVERITY_LABELS},
                   reviewed={st: sum(s.reviewed.get(st, 0) for s in summaries) for st in REVIEWED_STATUSES},
                   levels=ordered)


def build_batch_report_data(batch: str, kind: ReportKind, units: list[str],
                            summaries: dict[str, UnitReportSummary], formats: tuple[str, ...], *,
                            unplaced_failed: list[FailedFileRow] = (),
                            unplaced_ignored: list[IgnoredFileRow] = ()) -> BatchReportData:
    """``summaries``: unit → its report summary of ``kind``; a unit without one is listed as not built."""
    rows = [UnitLink(unit=unit, unit_name=summaries[unit].unit_name if unit in summaries else unit,
                     summary=summaries[unit].summary if unit in summaries else None,
                     failed_files=summaries[unit].failed_files if unit in summaries else 0,
                     ignored_files=summaries[unit].ignored_files if unit in summaries else 0,
                     links=unit_links(batch, unit, kind, formats) if unit in summaries else {})
            for unit in sorted(units)]
    found = [summaries[unit] for unit in sorted(units) if unit in summaries]
    return BatchReportData(
        kind=kind, kind_label=KIND_LABELS[kind], title=f"{batch} 年度职称评审 {KIND_LABELS[kind]}（全部单位）",
        batch=batch, summary=merge_summaries(batch, [s.summary for s in found]), units=rows,
        unplaced_failed=list(unplaced_failed), unplaced_ignored=list(unplaced_ignored) if kind == "unit" else [],
        rules=sorted({ref for s in found for ref in s.rules}, key=lambda ref: (ref.file, ref.sha256)))


def _unit_cells(row: UnitLink) -> list:
    s = row.summary
    counts = [s.applicants, s.eligible, s.not_eligible, s.needs_review, s.fees_yuan] if s else ["未生成"] + [""] * 4
    return [row.unit, row.unit_name, *counts, row.failed_files, row.ignored_files, row.links.get("html", "")]


def render_batch_html(report: BatchReportData) -> bytes:
    template = environment().get_template("batch.html.j2")
    return template.render(report=report, severity_labels=SEVERITY_LABELS).encode("utf-8")


def render_batch_json(report: BatchReportData) -> bytes:
    document = report.model_dump(mode="json", by_alias=True)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_batch_csv(report: BatchReportData) -> bytes:
    buffer = StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["报告类型", "批次", *UNIT_HEADERS])
    for row in report.units:
        writer.writerow([safe_cell_text(str(v)) for v in (report.kind_label, report.batch, *_unit_cells(row))])
    return buffer.getvalue().encode("utf-8-sig")


def render_batch_xlsx(report: BatchReportData) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位汇总"
    sheet.append(UNIT_HEADERS)
    for row in report.units:
        sheet.append([safe_cell_text(str(v)) if isinstance(v, str) else v for v in _unit_cells(row)])
        if row.links.get("xlsx"):
            link = sheet.cell(row=sheet.max_row, column=len(UNIT_HEADERS))
            link.value, link.hyperlink = row.links["xlsx"], row.links["xlsx"]
    levels = workbook.create_sheet("级别统计")
    levels.append(["申报级别", "人数", "符合", "不符合", "需核实", "评审费（元）"])
    for level in report.summary.levels:
        levels.append([safe_cell_text(level.level), level.applicants, level.eligible, level.not_eligible,
                       level.needs_review, level.fees_yuan])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


BATCH_RENDERERS = {"html": render_batch_html, "xlsx": render_batch_xlsx, "csv": render_batch_csv,
                   "json": render_batch_json}
