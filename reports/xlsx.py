"""The XLSX report: 汇总 (one row per applicant) linked to 问题清单 (one row per finding)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from reports.model import SCHEMA, DecisionCell, ReportData
from zcps.models import FINDING_DECISIONS, TASK_DECISIONS
from zcps.text import visible

SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
LEVELS_SHEET = "级别统计"
FAILED_SHEET = "处理失败文件"

SUMMARY_HEADERS = ["申请人", "单位", "申报级别", "结论", "审核状态", "评审途径", "途径说明", "评审费（元）", "评分权重",
                   "不符合", "需核实", "提示", "失败文件数"]
FINDING_HEADERS = ["编号", "申请人", "单位", "申报级别", "严重程度", "规则", "政策条款", "问题说明",
                   "申报值", "识别值", "证据文件", "页码", "证据区域"]
# What the reviewer fills in (review/workbook.py reads them back by these names); 指纹 keys the finding.
STATE_HEADER, FINGERPRINT_HEADER = "处理状态", "指纹"
DECISION_HEADERS = ["处理意见", "说明", "审核人", "日期"]
TASKS_SHEET = "学信网核验"
TASK_HEADERS = ["编号", "申请人", "证书", "证据文件", "证书编号", "在线验证码", "编号结构检查"]
LEVEL_HEADERS = ["申报级别", "人数", "符合", "不符合", "需核实", "评审费（元）"]
FAILED_HEADERS_UNIT = ["申请人", "单位", "文件", "错误代码", "错误信息", "尝试次数", "重新处理命令"]
FAILED_HEADERS_COMMITTEE = ["申请人", "单位", "错误代码", "尝试次数"]
IGNORED_SHEET = "已忽略文件"
IGNORED_HEADERS = ["申请人", "单位", "文件", "代码", "原因"]

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EAEEF2")
_LINK_FONT = Font(color="0563C1", underline="single")
_MAX_WIDTH = 60
_WRAPPED = {"问题说明", "途径说明", "错误信息", "原因", "说明", "编号结构检查"}


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
    if report.tasks:
        _fill_tasks(workbook.create_sheet(TASKS_SHEET), report)
    _fill_failed(workbook.create_sheet(FAILED_SHEET), report)
    if report.kind == "unit":
        _fill_sheet(workbook.create_sheet(IGNORED_SHEET), IGNORED_HEADERS,
                    [[f.applicant, f.unit, f.key, f.code, f.reason] for f in report.ignored_files])
    _set_properties(workbook, report)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _decision_cells(cell: DecisionCell, unit_kind: bool) -> list:
    """处理状态, then 处理意见/说明/审核人/日期 (prefilled with the decision that applies now); the committee
    copy carries no reviewer names (masking.redact_text replaced them)."""
    if cell.decision is None:  # undecided, or 需重新确认 with the old decision in the state: decide again
        values = [cell.state if cell.state == "未处理" else cell.text, None, None, None, None]
    else:
        values = [cell.state, cell.decision, cell.note, cell.reviewer, cell.decided_on]
    return values if unit_kind else values[:3]


def _decision_headers(unit_kind: bool) -> list[str]:
    return [STATE_HEADER, FINGERPRINT_HEADER, *DECISION_HEADERS] if unit_kind else [STATE_HEADER, *DECISION_HEADERS[:2]]


def _with_fingerprint(cells: list, fingerprint: str | None, unit_kind: bool) -> list:
    return [cells[0], fingerprint, *cells[1:]] if unit_kind else cells


def _dropdown(sheet: Worksheet, headers: list[str], rows: int, choices: tuple[str, ...]) -> None:
    """The decision list as a data-validation dropdown on 处理意见 (blank allowed: not yet decided)."""
    column = get_column_letter(headers.index(DECISION_HEADERS[0]) + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="处理意见", error="请从下拉列表中选择处理意见")
    sheet.add_data_validation(validation)
    validation.add(f"{column}2:{column}{max(rows + 1, 2)}")


def _fill_findings(sheet: Worksheet, report: ReportData) -> dict[str, int]:
    """Writes one row per finding; returns finding id → sheet row for the summary's links."""
    unit_kind = report.kind == "unit"
    rows = []
    for finding in report.findings:
        evidence = finding.evidence
        rows.append([
            finding.id, finding.applicant, finding.unit, finding.target_level, finding.severity_label,
            finding.rule, finding.section, finding.message, finding.declared, finding.extracted,
            evidence.document if evidence else None, evidence.page if evidence else None,
            ",".join(f"{v:g}" for v in evidence.bbox) if evidence and evidence.bbox else None,
            *_with_fingerprint(_decision_cells(finding.decision, unit_kind), finding.fingerprint, unit_kind),
        ])
    headers = finding_headers(report.kind)
    _fill_sheet(sheet, headers, rows)
    if unit_kind:
        _dropdown(sheet, headers, len(rows), FINDING_DECISIONS)
    return {finding.id: index + 2 for index, finding in enumerate(report.findings)}


def _fill_tasks(sheet: Worksheet, report: ReportData) -> None:
    unit_kind = report.kind == "unit"
    rows = [[t.id, t.applicant, t.doc_type_label, t.document, t.certificate_number, t.verification_code, t.structure,
             *_with_fingerprint(_decision_cells(t.decision, unit_kind), t.fingerprint, unit_kind)]
            for t in report.tasks]
    headers = task_headers(report.kind)
    _fill_sheet(sheet, headers, rows)
    if unit_kind:
        _dropdown(sheet, headers, len(rows), TASK_DECISIONS)


def summary_headers(kind: str) -> list[str]:
    """The unit copy names its applicants; the committee copy has pseudonyms only."""
    return [SUMMARY_HEADERS[0], "姓名", *SUMMARY_HEADERS[1:]] if kind == "unit" else SUMMARY_HEADERS


def finding_headers(kind: str) -> list[str]:
    return FINDING_HEADERS + _decision_headers(kind == "unit")


def task_headers(kind: str) -> list[str]:
    return TASK_HEADERS + _decision_headers(kind == "unit")


def _fill_summary(sheet: Worksheet, report: ReportData, finding_rows: dict[str, int]) -> None:
    named = report.kind == "unit"
    rows = [[a.applicant, *([a.name] if named else []), a.unit_name, a.target_level, a.verdict_label,
             a.reviewed_status, a.path_label, a.path_explanation, a.fee_yuan, a.scoring, a.finding_counts["block"],
             a.finding_counts["review"], a.finding_counts["note"], a.failed_files] for a in report.applicants]
    _fill_sheet(sheet, summary_headers(report.kind), rows)
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
