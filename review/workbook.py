"""The Excel round trip: reviewers fill 处理意见/说明/审核人/日期 in the unit workbook; ``import_workbook`` reads
them back, checks each row and records the decisions (``review/decisions.py``).

Refused as a whole: a workbook that is not a zcps unit workbook, or one of another batch. Refused per row,
with a message naming the row: a fingerprint that no longer exists (the evidence changed: export again), a
decision outside the list, a missing reviewer, a bad date, a 不符合 finding dismissed without a 说明, or two
rows disagreeing on one finding. Valid rows are recorded; a row left blank never removes a decision an
earlier import recorded, and decisions on other findings are kept as they were.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from io import BytesIO
from zipfile import BadZipFile

import openpyxl
from pydantic import BaseModel, Field

from review.decisions import CLEARING, TASK_RULE, ApplicantDecisions, load_decisions, save_decisions
from storage.base import ObjectStore
from zcps.errors import WorkbookRefused
from zcps.models import FINDING_DECISIONS, TASK_DECISIONS, Decision, Review

# The sheets and headers reports/xlsx.py writes; named here too so this module needs nothing from reports.
FINDINGS_SHEET, TASKS_SHEET = "问题清单", "学信网核验"
ID, FINGERPRINT, DECISION, NOTE, REVIEWER, DATE = "编号", "指纹", "处理意见", "说明", "审核人", "日期"
_BATCH = re.compile(r"(?:^|;\s*)batch=([^;]*)")
_KIND = re.compile(r"(?:^|;\s*)kind=([^;]*)")


class RowProblem(BaseModel):
    sheet: str
    row: int
    finding: str  # the row's 编号 (F0003 / T0001)
    message: str  # Chinese, for the reviewer

    def line(self) -> str:
        return f"{self.sheet} 第{self.row}行（{self.finding or '无编号'}）：{self.message}"


class ImportResult(BaseModel):
    recorded: int = 0  # decisions written (new or changed)
    unchanged: int = 0  # rows whose decision was already recorded as it is
    applicants: list[str] = Field(default_factory=list)  # decision objects written (store keys)
    problems: list[RowProblem] = Field(default_factory=list)


class _Target(BaseModel):
    review: Review
    rule: str
    document: str | None
    severity: str | None  # None for a 学信网 task


def _targets(reviews: list[Review]) -> dict[str, _Target]:
    found = {}
    for review in reviews:
        for f in review.findings:
            if f.fingerprint:
                found[f.fingerprint] = _Target(review=review, rule=f.rule, severity=f.severity,
                                               document=f.evidence.document if f.evidence else None)
        for task in review.tasks:
            if task.fingerprint:
                found[task.fingerprint] = _Target(review=review, rule=TASK_RULE, severity=None, document=task.document)
    return found


def _open(data: bytes, batch: str):
    try:
        book = openpyxl.load_workbook(BytesIO(data))
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise WorkbookRefused(f"not an XLSX workbook ({type(exc).__name__})") from None
    keywords = book.properties.keywords or ""
    found_batch, found_kind = _BATCH.search(keywords), _KIND.search(keywords)
    if found_batch is None or FINDINGS_SHEET not in book.sheetnames:
        raise WorkbookRefused("the workbook is not a zcps report (no batch in its properties, or no 问题清单 sheet)")
    if found_kind is None or found_kind.group(1) != "unit":
        raise WorkbookRefused("this is a committee workbook; decisions are recorded in the unit workbook")
    if found_batch.group(1) != batch:
        raise WorkbookRefused(f"the workbook belongs to batch {found_batch.group(1)!r}, not {batch!r}",
                              hint=f"Import it with --batch {found_batch.group(1)}, or export this batch's workbook.")
    return book


def _date(value, today: dt.date) -> str | None:
    if value in (None, ""):
        return today.isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _rows(sheet):
    """(row number, {header: value}) for every data row that has a 处理意见."""
    header = [_text(c.value) for c in sheet[1]]
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        row = dict(zip(header, values))
        if _text(row.get(DECISION)):
            yield number, row


def _decision(sheet_name: str, number: int, row: dict, targets: dict[str, _Target], choices: tuple[str, ...],
              today: dt.date) -> tuple[Decision | None, _Target | None, RowProblem | None]:
    def problem(message: str):
        return None, None, RowProblem(sheet=sheet_name, row=number, finding=_text(row.get(ID)), message=message)

    fingerprint, kind = _text(row.get(FINGERPRINT)), _text(row.get(DECISION))
    target = targets.get(fingerprint)
    if target is None:
        return problem("该问题在当前审核结果中已不存在（材料可能已更换或已重新识别），处理意见未记录；"
                       "请重新导出工作簿（zcps decisions export）后再填写")
    if kind not in choices:
        return problem(f"处理意见“{kind}”不在下拉列表（{'、'.join(choices)}）之内")
    reviewer, note = _text(row.get(REVIEWER)), _text(row.get(NOTE))
    if not reviewer:
        return problem("未填写审核人")
    decided_on = _date(row.get(DATE), today)
    if decided_on is None:
        return problem(f"日期“{_text(row.get(DATE))}”无法识别，请填写为 YYYY-MM-DD")
    if target.severity == "block" and kind in CLEARING and not note:
        return problem(f"“不符合”的问题标记为{kind}时须在“说明”中写明理由")
    return Decision(fingerprint=fingerprint, rule=target.rule, document=target.document, decision=kind, note=note,
                    reviewer=reviewer, decided_on=decided_on), target, None


def import_workbook(store: ObjectStore, batch: str, data: bytes, reviews: list[Review],
                    today: dt.date | None = None) -> ImportResult:
    """Record the decisions of a filled-in unit workbook; ``reviews`` are the batch's current reviews."""
    book = _open(data, batch)
    today = today or dt.date.today()
    targets = _targets(reviews)
    result = ImportResult()
    chosen: dict[str, tuple[Decision, _Target, int, str]] = {}
    sheets = [(FINDINGS_SHEET, FINDING_DECISIONS), (TASKS_SHEET, TASK_DECISIONS)]
    for sheet_name, choices in sheets:
        if sheet_name not in book.sheetnames:
            continue
        for number, row in _rows(book[sheet_name]):
            decision, target, problem = _decision(sheet_name, number, row, targets, choices, today)
            if problem is not None:
                result.problems.append(problem)
                continue
            earlier = chosen.get(decision.fingerprint)
            if earlier is not None and earlier[0].decision != decision.decision:
                result.problems.append(RowProblem(sheet=sheet_name, row=number, finding=_text(row.get(ID)),
                                                  message=f"与第{earlier[2]}行对同一问题的处理意见不一致，未记录"))
                continue
            chosen[decision.fingerprint] = (decision, target, number, sheet_name)
    per_applicant: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    for decision, target, _, _ in chosen.values():
        per_applicant[(target.review.unit, target.review.applicant_id)].append(decision)
    for (unit, applicant), decisions in sorted(per_applicant.items()):
        stored = load_decisions(store, batch, unit, applicant) or ApplicantDecisions(batch=batch, unit=unit,
                                                                                    applicant_id=applicant)
        before = {d.fingerprint: d for d in stored.decisions}
        changed = [d for d in decisions if before.get(d.fingerprint) != d]
        result.unchanged += len(decisions) - len(changed)
        if changed:
            result.applicants.append(save_decisions(store, stored.merged(changed)))
            result.recorded += len(changed)
    return result
