"""Decisions on findings: fingerprints, matching after a re-run, the reviewed status and the import's row checks
(review/decisions.py, review/workbook.py) over hand-built reviews."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from support.report_samples import BATCH, build_sample

from reports.build import build_reports
from review.decisions import ApplicantDecisions, apply_decisions, fingerprinted, reviewed_status
from review.notices import notice_for, render_notice
from review.workbook import import_workbook
from storage.local import LocalStore
from zcps.models import (AppliedDecision, Decision, DocumentRef, DocumentResult, Evidence, Finding, Review, Status,
                         VerificationTask)

DOC = "docs/01_title.png"


def _finding(rule="declared.date_mismatch", severity="review", extracted="2016-12-28", document=DOC) -> Finding:
    return Finding(rule=rule, severity=severity, section="§一(四)1(2)", message=f"{rule} 的说明", declared="2016-12-20",
                   extracted=extracted, evidence=Evidence(document=document, page=1, bbox=(0, 0, 10, 10)))


def _documents(sha: str) -> list[DocumentResult]:
    return [DocumentResult(ref=DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01_title.png"),
                           status=Status.done, sha256=sha)]


def _review(*findings: Finding, tasks=(), sha="aaa") -> Review:
    review = Review(batch=BATCH, unit="u1", applicant_id="A1", verdict="needs_review", findings=list(findings),
                    tasks=list(tasks))
    return fingerprinted(review, _documents(sha))


def _decide(review: Review, index: int, kind: str, note: str = "") -> Decision:
    finding = review.findings[index]
    return Decision(fingerprint=finding.fingerprint, rule=finding.rule, document=finding.evidence.document,
                    decision=kind, note=note, reviewer="李审核", decided_on="2024-07-08")


def _applied(*decisions: Decision) -> ApplicantDecisions:
    return ApplicantDecisions(batch=BATCH, unit="u1", applicant_id="A1", decisions=list(decisions))


@pytest.mark.parametrize(("change", "same"), [
    ({}, True),
    ({"message": "措辞改了"}, True),  # wording is not evidence
    ({"evidence": Evidence(document=DOC, page=1, bbox=(1, 1, 11, 11))}, True),  # nor a box moved by re-OCR
    ({"extracted": "2016-12-29"}, False),
    ({"declared": "2016-12-21"}, False),
    ({"rule": "declared.level_mismatch"}, False),
    ({"evidence": Evidence(document=DOC, page=2, bbox=(0, 0, 10, 10))}, False),
], ids=["same", "message", "bbox", "extracted", "declared", "rule", "page"])
def test_the_fingerprint_rests_on_rule_evidence_and_values(change, same):
    before = _review(_finding()).findings[0].fingerprint
    after = _review(_finding().model_copy(update=change)).findings[0].fingerprint
    assert (before == after) is same


def test_a_replaced_file_changes_the_fingerprint_and_the_decision_needs_rechecking():
    first = _review(_finding(), sha="aaa")
    decisions = _applied(_decide(first, 0, "误报", "原件无误"))
    assert apply_decisions(first, decisions).findings[0].decision == AppliedDecision(decision=decisions.decisions[0])
    replaced = apply_decisions(_review(_finding(), sha="bbb"), decisions)
    assert replaced.findings[0].decision.stale and replaced.reviewed_status == "待审核"
    gone = apply_decisions(_review(_finding(rule="docs.missing", document=None), sha="bbb"), decisions)
    assert gone.findings[0].decision is None and [d.rule for d in gone.stale_decisions] == ["declared.date_mismatch"]


@pytest.mark.parametrize(("findings", "kinds", "status"), [
    ([("review", None)], [], "待审核"),
    ([("review", "误报")], [], "审核通过"),
    ([("review", "已补正")], [], "审核通过"),
    ([("review", "属实")], [], "不予通过"),
    ([("review", "待补件")], [], "待补件"),
    ([("review", "待补件"), ("review", "属实")], [], "不予通过"),  # a confirmed problem decides
    ([("review", "待补件"), ("review", None)], [], "待补件"),
    ([("block", "误报:理由")], [], "审核通过"),
    ([("block", "误报")], [], "待审核"),  # near miss: a dismissed block needs a note
    ([("block", "已补正")], [], "待审核"),
    ([("note", None)], [], "审核通过"),  # 提示 needs no decision
    ([("note", "待补件")], [], "待补件"),  # but material asked for on one is awaited
    ([], [None], "待审核"),  # the 学信网 check is not ticked off
    ([], ["核验一致"], "审核通过"),
    ([], ["核验不符"], "不予通过"),
    ([], ["待补件"], "待补件"),
    ([("review", "误报")], [None], "待审核"),
], ids=lambda v: str(v))
def test_reviewed_status(findings, kinds, status):
    def applied(kind):
        if kind is None:
            return None
        decision, _, note = kind.partition(":")
        return AppliedDecision(decision=Decision(fingerprint="f", rule="r", decision=decision, note=note,
                                                 reviewer="李审核", decided_on="2024-07-08"))
    made = [_finding(severity=severity).model_copy(update={"decision": applied(kind)}) for severity, kind in findings]
    tasks = [VerificationTask(doc_type="education_certificate", decision=applied(kind)) for kind in kinds]
    assert reviewed_status(made, tasks) == status
    stale = [f.model_copy(update={"decision": f.decision.model_copy(update={"stale": True})}) for f in made
             if f.decision and f.severity != "note"]
    if stale:  # the same decisions recorded on other evidence never count
        assert reviewed_status(stale, []) == "待审核"


def test_the_notice_lists_open_and_awaited_items_only():
    review = _review(_finding(), _finding(rule="docs.missing", document=None),
                     _finding(rule="ce.hours_short", severity="block", document=None),
                     _finding(rule="identity.name_unknown", severity="note", document=None))
    decided = apply_decisions(review, _applied(_decide(review, 0, "误报", "原件无误"),
                                               _decide(review, 1, "待补件", "补交承诺书")))
    notice = notice_for(decided.model_copy(update={"unit_name": "某供电分公司", "applicant_name": "张三"}))
    assert [(i.rule, i.note) for i in notice.items] == [("docs.missing", "补交承诺书"), ("ce.hours_short", "")]
    html = render_notice(notice).decode()
    assert "补交承诺书" in html and "某供电分公司" in html and "内电高评字〔2024〕1号 §一(四)1(2)" in html


def _unit_workbook(reviews: list[Review]) -> openpyxl.Workbook:
    data = build_reports(BATCH, reviews, [], kind="unit", formats=("xlsx",))["xlsx"]
    return openpyxl.load_workbook(BytesIO(data))


@pytest.mark.parametrize(("note", "recorded"), [("", 0), ("   ", 0), ("审验卡背面另有30学时", 1)],
                         ids=["no-note", "blank-note", "note"])
def test_dismissing_a_blocking_finding_needs_a_note(tmp_path, note, recorded):
    reviews = [fingerprinted(r, []) for r in build_sample().reviews]
    book = _unit_workbook(reviews)
    sheet = book["问题清单"]
    header = [c.value for c in sheet[1]]
    row = next(n for n, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)
               if dict(zip(header, values))["严重程度"] == "不符合")
    for name, value in (("处理意见", "误报"), ("说明", note), ("审核人", "李审核")):
        sheet.cell(row=row, column=header.index(name) + 1).value = value
    buffer = BytesIO()
    book.save(buffer)
    result = import_workbook(LocalStore(tmp_path), BATCH, buffer.getvalue(), reviews)
    assert result.recorded == recorded
    assert bool(result.problems) is (recorded == 0)
    if not recorded:
        assert "须在“说明”中写明理由" in result.problems[0].line() and f"第{row}行" in result.problems[0].line()


@pytest.mark.parametrize(("status", "decision", "shows"), [
    (None, None, ["单位审核状态：待审核", "单位处理意见：未处理"]),
    ("待补件", "待补件:补交承诺书", ["单位审核状态：待补件", "单位处理意见：待补件：补交承诺书"]),
    ("审核通过", "误报:原件无误", ["单位审核状态：审核通过", "单位处理意见：误报：原件无误"]),
], ids=["undecided", "waiting", "dismissed"])
def test_the_dossier_cover_shows_the_machine_verdict_and_the_reviewed_status(status, decision, shows):
    from masking.dossier import DossierCover, cover_lines

    finding = _finding()
    if decision:
        kind, _, note = decision.partition(":")
        finding = finding.model_copy(update={"decision": AppliedDecision(decision=Decision(
            fingerprint="", rule=finding.rule, decision=kind, note=note, reviewer="单位审核人", decided_on="2024-07-08"))})
    review = Review(batch=BATCH, unit="u1", applicant_id="P01-abc", verdict="needs_review", findings=[finding],
                    reviewed_status=status)
    text = "\n".join(line for _, line in cover_lines(DossierCover(pseudonym="P01-abc", review=review)))
    assert "机器审核结论：需核实" in text and all(s in text for s in shows), text
    assert "单位审核人" not in text  # the cover names no reviewer
