"""The XLSX report: 汇总 (one row per applicant) linked to 问题清单 (one row per finding)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from reports.model import SCHEMA, ReportData
from zcps.text import visible

SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
LEVELS_SHEET = "级别统计"
FAILED_SHEET = "处理失败文件"

SUMMARY_HEADERS = ["申请人", "单位", "申报级别", "结论", "评审途径", "途径说明", "评审费（元）", "评分权重",
                   "不符合", "需核实", "提示", "失败文件数"]
FINDING_HEADERS = ["编号", "申请人", "单位", "申报级别", "严重程度", "规则", "政策条款", "问题说明",
                   "申报值", "识别值", "证据文件", "页码", "证据区域"]
LEVEL_HEADERS = ["申报级别", "人数", "符合", "不符合", "需核实", "评审费（元）"]
FAILED_HEADERS_UNIT = ["申请人", "单位", "文件", "错误代码", "错误信息", "尝试次数", "重新处理命令"]
FAILED_HEADERS_COMMITTEE = ["申请人", "单位", "错误代码", "尝试次数"]
IGNORED_SHEET = "已忽略文件"
IGNORED_HEADERS = ["申请人", "单位", "文件", "代码", "原因"]

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EAEEF2")
_LINK_FONT = Font(color="0563C1", underline="single")
_MAX_WIDTH = 60
_WRAPPED = {"问题说明", "途径说明", "错误信息", "原因"}


def render_xlsx(report: ReportData) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    findings = workbook.create_sheet(FINDINGS_SHEET)
    finding_rows = _fill_findings(findings, report)
    _fill_summary(summary, report, finding_rows)
    _fill_sheet(workbook.create_sheet(LEVELS_SHEET), LEVEL_HEADERS, [
        [lv.level, lv.applicants, lv.eligible, lv.not_eligible, lv.needs_review, lv.fees_yuan]
        for lv in report.summary.levels
    ] + [["合计", report.summary.applicants, report.summary.eligible, report.summary.not_eligible,
          report.summary.needs_review, report.summary.fees_yuan]])
    _fill_failed(workbook.create_sheet(FAILED_SHEET), report)
    if report.kind == "unit":
        _fill_sheet(workbook.create_sheet(IGNORED_SHEET), IGNORED_HEADERS,
                    [[f.applicant, f.unit, f.key, f.code, f.reason] for f in report.ignored_files])
    _set_properties(workbook, report)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_findings(sheet: Worksheet, report: ReportData) -> dict[str, int]:
    """Writes one row per finding; returns finding id → sheet row for the summary's links."""
    rows = []
    for finding in report.findings:
        evidence = finding.evidence
        rows.append([
            finding.id, finding.applicant, finding.unit, finding.target_level, finding.severity_label,
            finding.rule, finding.section, finding.message, finding.declared, finding.extracted,
            evidence.document if evidence else None, evidence.page if evidence else None,
            ",".join(f"{v:g}" for v in evidence.bbox) if evidence and evidence.bbox else None,
        ])
    _fill_sheet(sheet, FINDING_HEADERS, rows)
    return {finding.id: index + 2 for index, finding in enumerate(report.findings)}


def _fill_summary(sheet: Worksheet, report: ReportData, finding_rows: dict[str, int]) -> None:
    rows = [[a.applicant, a.unit, a.target_level, a.verdict_label, a.path_label, a.path_explanation, a.fee_yuan,
             a.scoring, a.finding_counts["block"], a.finding_counts["review"], a.finding_counts["note"],
             a.failed_files] for a in report.applicants]
    _fill_sheet(sheet, SUMMARY_HEADERS, rows)
    for index, applicant in enumerate(report.applicants, start=2):
        if applicant.first_finding is None:
            continue
        cell = sheet.cell(row=index, column=1)
        target = f"'{FINDINGS_SHEET}'!A{finding_rows[applicant.first_finding]}"
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=target, tooltip="跳转到该申请人的第一条问题")
        cell.font = _LINK_FONT


def _fill_failed(sheet: Worksheet, report: ReportData) -> None:
    if report.kind == "unit":
        rows = [[f.applicant, f.unit, f.key, f.error_code, f.message, f.attempts, f.rerun_command]
                for f in report.failed_files]
        if report.rerun_all_command:
            rows.append(["全部", None, None, None, None, None, report.rerun_all_command])
        _fill_sheet(sheet, FAILED_HEADERS_UNIT, rows)
    else:
        _fill_sheet(sheet, FAILED_HEADERS_COMMITTEE,
                    [[f.applicant, f.unit, f.error_code, f.attempts] for f in report.failed_files])


def _fill_sheet(sheet: Worksheet, headers: list[str], rows: list[list]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for row in rows:
        sheet.append([None] * len(headers))
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            # Report rows already escape control characters (reports.model.ReportRow); this keeps one
            # that slipped through from making openpyxl refuse the whole workbook.
            cell.value = ILLEGAL_CHARACTERS_RE.sub(lambda m: visible(m.group()), value) if isinstance(value, str) else value
            if isinstance(value, str):
                # openpyxl turns text starting with "=" into a formula; OCR text is applicant-controlled.
                cell.data_type = "s"
            if headers[column - 1] in _WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(sheet.max_row, 1)}"
    for column, header in enumerate(headers, start=1):
        values = [header] + [row[column - 1] for row in rows]
        sheet.column_dimensions[get_column_letter(column)].width = min(_MAX_WIDTH, 2 + max(map(_display_width, values)))


def _display_width(value) -> int:
    """Excel column units; CJK characters take two."""
    if value is None:
        return 0
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def _set_properties(workbook: Workbook, report: ReportData) -> None:
    props = workbook.properties
    props.title = report.title
    props.subject = report.kind_label
    props.category = report.kind
    props.keywords = f"{SCHEMA}; kind={report.kind}; batch={report.batch}"
    props.creator = "zcps"
