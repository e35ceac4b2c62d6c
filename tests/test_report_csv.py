"""The CSV report: BOM, Chinese headers, one row per finding, round-trips through the csv module."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from reports.build import build_reports
from reports.csv_report import CSV_HEADERS
from support.report_samples import BATCH, UNIT_A, UNIT_B, build_sample, pseudonyms


def _csv(kind="unit", unit=None):
    sample = build_sample(masked=kind == "committee")
    data = build_reports(BATCH, sample.reviews, sample.failed_files, kind=kind, unit=unit, formats=("csv",),
                         pseudonyms=pseudonyms(sample))["csv"]
    return sample, data


def test_starts_with_bom_and_decodes_as_utf8_sig():
    _, data = _csv()
    assert data.startswith(codecs.BOM_UTF8)
    assert not data[3:].startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").splitlines()[0].split(",") == CSV_HEADERS


@pytest.mark.parametrize(("kind", "unit", "rows"), [
    ("unit", None, 8), ("unit", UNIT_A, 6), ("unit", UNIT_B, 2), ("committee", None, 8), ("unit", "nobody", 0)])
def test_round_trip_one_row_per_finding(kind, unit, rows):
    sample, data = _csv(kind, unit)
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == rows
    assert all(list(record) == CSV_HEADERS for record in records)
    expected = [f for r in sample.reviews if unit in (None, r.unit) for f in r.findings]
    assert sorted((r["规则"], r["问题说明"]) for r in records) == sorted((f.rule, f.message) for f in expected)
    assert {r["报告类型"] for r in records} <= {"单位内部审核报告" if kind == "unit" else "评委会报告"}


def test_declared_and_extracted_and_evidence_columns():
    sample, data = _csv()
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    row = next(r for r in records if r["规则"] == "ce.hours_short")
    assert (row["严重程度"], row["申报值"], row["识别值"], row["政策条款"]) == ("不符合", "90", "70", "§一(一)4")
    assert (row["证据文件"], row["页码"]) == ("docs/03_ce_card.jpg", "1")
    assert [float(v) for v in row["证据区域"].split(",")] == pytest.approx(sample.boxes["ce.hours"])
    missing = next(r for r in records if r["规则"] == "docs.missing")
    assert (missing["识别值"], missing["证据文件"], missing["页码"], missing["证据区域"]) == ("", "", "", "")


def test_formula_like_ocr_text_is_neutralised():
    _, data = _csv()
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = [value for r in records for value in r.values()]
    assert not any(value.startswith(("=", "+", "@")) for value in cells)
    assert any(value.startswith("'=HYPERLINK") for value in cells)
