"""The CSV report: one row per finding, UTF-8 with BOM so that Excel on Chinese Windows opens it correctly."""

from __future__ import annotations

import csv
from io import StringIO

from reports.model import ReportData, safe_cell_text

CSV_HEADERS = ["报告类型", "批次", "编号", "申请人", "单位", "申报级别", "结论", "严重程度", "规则", "政策条款",
               "问题说明", "申报值", "识别值", "证据文件", "页码", "证据区域", "审核状态", "处理意见"]


def render_csv(report: ReportData) -> bytes:
    verdicts = {a.applicant: a.verdict_label for a in report.applicants}
    statuses = {a.applicant: a.reviewed_status for a in report.applicants}
    buffer = StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for finding in report.findings:
        evidence = finding.evidence
        bbox = ",".join(f"{v:g}" for v in evidence.bbox) if evidence and evidence.bbox else ""
        writer.writerow([safe_cell_text(value) for value in (
            report.kind_label, report.batch, finding.id, finding.applicant, finding.unit, finding.target_level,
            verdicts[finding.applicant], finding.severity_label, finding.rule, finding.section, finding.message,
            finding.declared, finding.extracted, evidence.document if evidence else None,
            str(evidence.page) if evidence and evidence.page is not None else None, bbox,
            statuses[finding.applicant], finding.decision.text,
        )])
    return buffer.getvalue().encode("utf-8-sig")
