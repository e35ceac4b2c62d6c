"""``zcps decisions export|import`` and ``zcps notices`` through the real CLI, over stored hand-built reviews."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from support.report_samples import BATCH, build_sample

from review.decisions import fingerprinted
from storage.factory import open_store
from storage.layout import decisions_key, review_key

ZCPS = str(Path(sys.executable).parent / "zcps")


def _zcps(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ZCPS, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ))


@pytest.fixture
def store_url(tmp_path) -> str:
    store = open_store((tmp_path / "store").as_uri())
    for review in build_sample().reviews:
        store.put(f"intake/{BATCH}/{review.unit}/{review.applicant_id}/manifest.json", b"{}")
        store.put(review_key(BATCH, review.unit, review.applicant_id),
                  fingerprinted(review, []).model_dump_json(by_alias=True).encode())
    return store.url


def _fill(path: Path, rows: dict[int, tuple[str, str, str]]) -> tuple[str, str]:
    """Fill the rows in; returns (unit, applicant) of the first."""
    book = openpyxl.load_workbook(path)
    sheet = book["问题清单"]
    header = [c.value for c in sheet[1]]
    for row, values in rows.items():
        for name, value in zip(("处理意见", "说明", "审核人"), values):
            sheet.cell(row=row, column=header.index(name) + 1).value = value
    book.save(path)
    first = min(rows)
    return (sheet.cell(row=first, column=header.index("单位") + 1).value,
            sheet.cell(row=first, column=header.index("申请人") + 1).value)


def test_export_fill_import_and_notices(store_url, tmp_path):
    workbook = tmp_path / "filled.xlsx"
    exported = _zcps("decisions", "export", "--batch", BATCH, "--store", store_url, "-o", str(workbook))
    assert exported.returncode == 0, exported.stderr
    unit, applicant = _fill(workbook, {2: ("待补件", "请补交审验卡", "李审核"), 3: ("同意", "", "李审核")})
    imported = _zcps("decisions", "import", str(workbook), "--batch", BATCH, "--store", store_url)
    assert imported.returncode == 4, imported.stderr  # one row refused
    assert "问题清单 第3行" in imported.stderr and "不在下拉列表" in imported.stderr
    assert "recorded 1 decision(s)" in imported.stdout
    assert open_store(store_url).get_optional(decisions_key(BATCH, unit, applicant))
    out = tmp_path / "notices"
    written = _zcps("notices", "--batch", BATCH, "--store", store_url, "-o", str(out))
    assert written.returncode == 0, written.stderr
    notice = (out / unit / f"{applicant}.html").read_text(encoding="utf-8")
    assert "请补交审验卡" in notice


@pytest.mark.parametrize("batch", ["2023"])
def test_a_workbook_of_another_batch_is_refused(store_url, tmp_path, batch):
    workbook = tmp_path / "book.xlsx"
    assert _zcps("decisions", "export", "--batch", BATCH, "--store", store_url, "-o", str(workbook)).returncode == 0
    open_store(store_url).put(f"intake/{batch}/u/A/manifest.json", b"{}")
    refused = _zcps("decisions", "import", str(workbook), "--batch", batch, "--store", store_url)
    assert refused.returncode == 4 and "E_WORKBOOK" in refused.stderr and "'2024'" in refused.stderr
