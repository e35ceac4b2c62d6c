"""The reviewers' round trip on a small real batch (real OCR, the real Prefect flow, masking and reports):
export the unit workbook, fill it in with openpyxl as a reviewer would, import it, re-run, and see the
decisions applied, the reviewed statuses changed, the 一次性告知单 listing the 待补件 item and a replaced
file turning its decision into 需重新确认. The import refuses bad rows one by one and other batches."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from io import BytesIO

import openpyxl
import pytest
from support.batch_samples import BATCH, TITLE_PAGE, page_png, put_applicant

from flows.runner import run_batch
from masking.pseudonym import load_pseudonyms
from reports.sources import load_reviews
from review.notices import write_notices
from review.workbook import import_workbook
from storage.factory import open_store
from storage.layout import decisions_key, notice_key, release_prefix, report_key, review_key
from zcps.errors import WorkbookRefused
from zcps.models import Review

pytestmark = [pytest.mark.models, pytest.mark.timeout(1500)]

UNIT = "u1"
EDUCATION_PAGE = ["普通高等学校毕业证书", "学历：本科", "毕业时间：2012年7月1日", "证书编号：101261201205001234"]
# The title certificate says 2016-12-28; A1 declared 2016-12-20, so a declared.date_mismatch rests on 01_title.png.
A1_TITLE = {"level": "助理级", "name": "助理工程师", "obtained_on": "2016-12-20", "series": "电力工程"}
TODAY = dt.date(2024, 7, 8)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-batch")
    store = open_store((root / "store").as_uri())
    put_applicant(store, UNIT, "A1", {"01_title.png": TITLE_PAGE, "02_education.png": EDUCATION_PAGE},
                  current_title=A1_TITLE)
    put_applicant(store, UNIT, "A2", {"01_title.png": TITLE_PAGE})
    run_batch(BATCH, store_url=store.url)
    return root


@pytest.fixture
def store(first_run, tmp_path):
    """A copy of the first run's store: each test edits its own."""
    shutil.copytree(first_run / "store", tmp_path / "store")
    return open_store((tmp_path / "store").as_uri())


def _review(store, applicant: str) -> Review:
    return Review.model_validate_json(store.get(review_key(BATCH, UNIT, applicant)))


def _workbook(store):
    return openpyxl.load_workbook(BytesIO(store.get(report_key(BATCH, UNIT, "unit", "xlsx"))))


def _row(sheet, applicant: str, rule: str, text: str = "") -> int:
    header = [c.value for c in sheet[1]]
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        row = dict(zip(header, values))
        if row["申请人"] == applicant and row["规则"] == rule and text in (row["问题说明"] or ""):
            return number
    raise AssertionError(f"no {rule} row of {applicant}")


def _fill(sheet, number: int, decision: str, note: str = "", reviewer: str = "李审核", date="2024-07-08") -> None:
    header = [c.value for c in sheet[1]]
    for name, value in (("处理意见", decision), ("说明", note), ("审核人", reviewer), ("日期", date)):
        sheet.cell(row=number, column=header.index(name) + 1, value=value)


def _bytes(book) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(store, book):
    return import_workbook(store, BATCH, _bytes(book), load_reviews(store, BATCH, "unit"), today=TODAY)


def test_the_workbook_round_trip_survives_reruns_and_a_replaced_file_needs_rechecking(store):
    assert {_review(store, a).reviewed_status for a in ("A1", "A2")} == {"待审核"}
    book = _workbook(store)
    sheet = book["问题清单"]
    validation = sheet.data_validations.dataValidation
    assert any('"属实,误报,已补正,待补件"' == v.formula1 for v in validation)
    _fill(sheet, _row(sheet, "A1", "declared.date_mismatch"), "误报", "原件为2016年12月20日，证书印刷有误另附说明")
    _fill(sheet, _row(sheet, "A1", "docs.missing", "继续教育"), "待补件", "请补交2021—2023年度继续教育审验卡")
    _fill(sheet, _row(sheet, "A2", "docs.missing", "承诺书"), "属实", "未提交诚信承诺书")
    result = _import(store, book)
    assert result.problems == [] and result.recorded == 3
    assert store.get_optional(decisions_key(BATCH, UNIT, "A1")) and store.get_optional(decisions_key(BATCH, UNIT, "A2"))

    run_batch(BATCH, store_url=store.url)
    a1, a2 = _review(store, "A1"), _review(store, "A2")
    decided = {f.rule: f.decision.decision.decision for f in a1.findings if f.decision}
    assert decided == {"declared.date_mismatch": "误报", "docs.missing": "待补件"}
    assert (a1.reviewed_status, a2.reviewed_status) == ("待补件", "不予通过")
    assert a1.verdict == _review(store, "A1").verdict  # the machine verdict stays beside the reviewed status

    # The committee copy carries the status and the decisions, masked: no reviewer name, no fingerprint.
    pseudonym = load_pseudonyms(store, BATCH)["A1"]
    released = Review.model_validate_json(store.get(release_prefix(BATCH, UNIT, pseudonym) + "review.json"))
    assert released.reviewed_status == "待补件" and released.applicant_name is None
    committee_decisions = [f.decision.decision for f in released.findings if f.decision]
    assert {d.reviewer for d in committee_decisions} == {"单位审核人"}
    assert all(f.fingerprint is None for f in released.findings)
    assert all(t.certificate_number is None for t in released.tasks)
    html = store.get(report_key(BATCH, UNIT, "unit", "html")).decode()
    assert "待补件" in html and "误报：原件为2016年12月20日" in html and "张三" in html
    committee_html = store.get(report_key(BATCH, UNIT, "committee", "html")).decode()
    assert "待补件" in committee_html and "李审核" not in committee_html and "张三" not in committee_html

    keys = write_notices(store, load_reviews(store, BATCH, "unit", UNIT), today=TODAY)
    assert notice_key(BATCH, UNIT, "A1") in keys
    notice = store.get(notice_key(BATCH, UNIT, "A1")).decode()
    assert "请补交2021—2023年度继续教育审验卡" in notice and "@page { size: A4" in notice
    assert "declared.date_mismatch" not in notice  # dismissed: nothing to ask of the applicant
    assert "一次性告知单" in notice and "张三" in notice

    # A re-scan of the title certificate: same text, new content hash. The dismissal is not applied any more.
    store.put(f"intake/{BATCH}/{UNIT}/A1/docs/01_title.png", page_png(TITLE_PAGE, (800, 320)))
    run_batch(BATCH, store_url=store.url)
    a1 = _review(store, "A1")
    mismatch = next(f for f in a1.findings if f.rule == "declared.date_mismatch")
    assert mismatch.decision is not None and mismatch.decision.stale
    assert next(f for f in a1.findings if f.rule == "docs.missing" and "继续教育" in f.message).decision.stale is False
    html = store.get(report_key(BATCH, UNIT, "unit", "html")).decode()
    assert "需重新确认（原意见：误报" in html
    sheet = _workbook(store)["问题清单"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[_row(sheet, "A1", "declared.date_mismatch")]]
    assert row[header.index("处理状态")].startswith("需重新确认") and row[header.index("处理意见")] is None
    write_notices(store, load_reviews(store, BATCH, "unit", UNIT), today=TODAY)
    assert "declared.date_mismatch" in store.get(notice_key(BATCH, UNIT, "A1")).decode()


@pytest.mark.parametrize(("column", "value", "message"), [
    ("指纹", "0" * 24, "该问题在当前审核结果中已不存在"),
    ("处理意见", "同意", "处理意见“同意”不在下拉列表"),
    ("审核人", None, "未填写审核人"),
    ("审核人", "  ", "未填写审核人"),
    ("日期", "七月八日", "日期“七月八日”无法识别"),
    ("日期", "2024-13-01", "无法识别"),
], ids=["vanished-fingerprint", "not-in-list", "no-reviewer", "blank-reviewer", "bad-date", "month-13"])
def test_a_bad_row_is_refused_with_its_own_message_and_the_good_rows_are_kept(store, column, value, message):
    book = _workbook(store)
    sheet = book["问题清单"]
    header = [c.value for c in sheet[1]]
    good, bad = _row(sheet, "A2", "docs.missing", "承诺书"), _row(sheet, "A1", "declared.date_mismatch")
    _fill(sheet, good, "属实", "未提交")
    _fill(sheet, bad, "误报", "说明")
    sheet.cell(row=bad, column=header.index(column) + 1).value = value
    result = _import(store, book)
    assert [p.row for p in result.problems] == [bad] and message in result.problems[0].line()
    assert result.recorded == 1 and store.get_optional(decisions_key(BATCH, UNIT, "A1")) is None
    # A second import with the good row left blank loses nothing already recorded.
    again = _workbook(store)
    assert _import(store, again).recorded == 0
    stored = json.loads(store.get(decisions_key(BATCH, UNIT, "A2")))
    assert [d["decision"] for d in stored["decisions"]] == ["属实"]


@pytest.mark.parametrize(("keywords", "complaint"), [
    ("zcps.report/3; kind=unit; batch=2023", "batch '2023'"),
    ("zcps.report/3; kind=committee; batch=2024", "committee workbook"),
    ("", "not a zcps report"),
], ids=["other-batch", "committee", "foreign"])
def test_a_workbook_of_another_batch_or_kind_is_refused_whole(store, keywords, complaint):
    book = _workbook(store)
    book.properties.keywords = keywords
    with pytest.raises(WorkbookRefused, match=complaint):
        _import(store, book)
