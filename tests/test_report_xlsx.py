"""The XLSX report read back with openpyxl: sheets, headers, rows, panes, filters, links, metadata."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest

from reports.build import build_reports
from reports.xlsx import (FAILED_HEADERS_COMMITTEE, FAILED_HEADERS_UNIT, FAILED_SHEET, FINDING_HEADERS,
                          FINDINGS_SHEET, IGNORED_SHEET, LEVELS_SHEET, SUMMARY_HEADERS, SUMMARY_SHEET,
                          TASKS_SHEET, finding_headers, summary_headers)
from support.report_samples import BATCH, UNIT_A, build_sample, pseudonyms


def _workbook(kind="unit", unit=None, failed=True):
    sample = build_sample(masked=kind == "committee")
    out = build_reports(BATCH, sample.reviews, sample.failed_files if failed else [], kind=kind, unit=unit,
                        formats=("xlsx",), pseudonyms=pseudonyms(sample))
    return sample, openpyxl.load_workbook(BytesIO(out["xlsx"]))


@pytest.fixture(scope="module")
def unit_book():
    return _workbook()


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_sheets_in_order(unit_book):
    assert unit_book[1].sheetnames == [SUMMARY_SHEET, FINDINGS_SHEET, LEVELS_SHEET, TASKS_SHEET, FAILED_SHEET,
                                       IGNORED_SHEET]


@pytest.mark.parametrize(("sheet", "headers", "data_rows", "last_column"), [
    (SUMMARY_SHEET, summary_headers("unit"), 4, "N"),
    (FINDINGS_SHEET, finding_headers("unit"), 8, "S"),
    (LEVELS_SHEET, ["申报级别", "人数", "符合", "不符合", "需核实", "评审费（元）"], 5, "F"),
    (FAILED_SHEET, FAILED_HEADERS_UNIT, 3, "G"),
])
def test_headers_rows_freeze_and_filter(unit_book, sheet, headers, data_rows, last_column):
    ws = unit_book[1][sheet]
    rows = _rows(ws)
    assert rows[0] == headers
    assert len(rows) - 1 == data_rows
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{last_column}{data_rows + 1}"
    assert all(ws.cell(row=1, column=c).font.bold for c in range(1, len(headers) + 1))


def test_column_widths_fit_chinese_text_within_a_cap(unit_book):
    ws = unit_book[1][FINDINGS_SHEET]
    widths = {ws.cell(row=1, column=c).value: ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width
              for c in range(1, len(FINDING_HEADERS) + 1)}
    assert widths["编号"] >= len("F0001") and widths["编号"] < 12
    assert widths["问题说明"] == 60  # long Chinese messages are capped and wrapped
    assert ws["H2"].alignment.wrap_text


def test_each_applicant_links_to_its_first_finding(unit_book):
    sample, book = unit_book
    summary, findings = book[SUMMARY_SHEET], book[FINDINGS_SHEET]
    linked = 0
    for row in range(2, summary.max_row + 1):
        applicant = summary.cell(row=row, column=1)
        review = next(r for r in sample.reviews if r.applicant_id == applicant.value)
        if not review.findings:
            assert applicant.hyperlink is None
            continue
        sheet_name, cell = applicant.hyperlink.location.split("!")
        assert sheet_name.strip("'") == FINDINGS_SHEET
        target = findings[cell]
        assert findings.cell(row=target.row, column=2).value == applicant.value
        above = findings.cell(row=target.row - 1, column=2).value
        assert above != applicant.value  # the first of that applicant's rows, not a later one
        linked += 1
    assert linked == sum(1 for r in sample.reviews if r.findings)


def test_counts_in_summary_match_findings_sheet(unit_book):
    _, book = unit_book
    findings = _rows(book[FINDINGS_SHEET])[1:]
    for row in _rows(book[SUMMARY_SHEET])[1:]:
        mine = [f for f in findings if f[1] == row[0]]
        assert row[10:13] == [sum(1 for f in mine if f[4] == label) for label in ("不符合", "需核实", "提示")]


def test_ocr_text_that_looks_like_a_formula_stays_text(unit_book):
    _, book = unit_book
    ws = book[FINDINGS_SHEET]
    cell = next(c for c in ws["J"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize(("kind", "label"), [("unit", "单位内部审核报告"), ("committee", "评委会报告")])
def test_kind_is_in_the_file_metadata(kind, label):
    _, book = _workbook(kind)
    assert book.properties.category == kind
    assert book.properties.subject == label
    assert label in book.properties.title
    assert f"kind={kind}" in book.properties.keywords


def test_committee_failed_sheet_has_no_keys_or_commands():
    sample, book = _workbook("committee")
    rows = _rows(book[FAILED_SHEET])
    assert rows[0] == FAILED_HEADERS_COMMITTEE
    assert {r[0] for r in rows[1:]} <= {p.pseudonym for p in sample.people}


@pytest.mark.parametrize(("unit", "failed", "summary_rows", "failed_rows"), [
    (UNIT_A, True, 2, 2), (None, False, 4, 0)])
def test_scope_and_empty_failures(unit, failed, summary_rows, failed_rows):
    _, book = _workbook(unit=unit, failed=failed)
    assert book[SUMMARY_SHEET].max_row - 1 == summary_rows
    assert book[FAILED_SHEET].max_row - 1 == failed_rows
