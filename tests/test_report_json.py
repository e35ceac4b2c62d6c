"""The JSON report: golden files, determinism and agreement with docs/report-schema.md.

Regenerate the golden files after an intended change with
``ZCPS_REGENERATE=1 .venv/bin/pytest tests/test_report_json.py`` and review the diff (tests/README.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reports.build import build_reports
from reports.model import SCHEMA, IgnoredFile
from support.regenerate import regenerating
from support.report_samples import BATCH, UNIT_B, build_sample, pseudonyms

GOLDEN = Path(__file__).parent / "golden"
SCHEMA_DOC = Path(__file__).parents[1] / "docs" / "report-schema.md"


def _json(kind: str, unit: str | None = None) -> bytes:
    sample = build_sample(masked=kind == "committee")
    ignored = [IgnoredFile(key=f"{UNIT_B}/{sample.reviews[-1].applicant_id}/docs/.DS_Store", unit=UNIT_B,
                           applicant_id=sample.reviews[-1].applicant_id, code="IGNORED_OS_FILE", reason="系统文件")]
    return build_reports(BATCH, sample.reviews, sample.failed_files, kind=kind, unit=unit, formats=("json",),
                         pseudonyms=pseudonyms(sample), ignored_files=ignored)["json"]


@pytest.mark.parametrize(("kind", "unit"), [("unit", None), ("committee", None), ("unit", UNIT_B)])
def test_matches_golden(kind, unit):
    golden = GOLDEN / f"report-{unit or 'batch'}-{kind}.json"
    data = _json(kind, unit)
    if regenerating():
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), f"{golden.name} missing; run with ZCPS_REGENERATE=1"
    assert json.loads(data) == json.loads(golden.read_bytes())
    assert data == golden.read_bytes()  # byte-stable too: key order and formatting are part of the contract


def test_is_deterministic_across_runs():
    assert _json("unit") == _json("unit")


def test_input_order_does_not_change_the_report():
    sample = build_sample()
    forward = build_reports(BATCH, sample.reviews, sample.failed_files, kind="unit", formats=("json",))
    backward = build_reports(BATCH, sample.reviews[::-1], sample.failed_files[::-1], kind="unit",
                             formats=("json",))
    assert forward == backward


def _keys(value, path="") -> set[str]:
    """Every key path in a JSON value, lists written as ``name[]`` (``findings[].evidence.page``)."""
    keys = set()
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            keys |= {child} | _keys(item, child)
    elif isinstance(value, list):
        for item in value:
            keys |= _keys(item, f"{path}[]")
    return keys


@pytest.mark.parametrize("kind", ["unit", "committee"])
def test_documented_keys_are_exactly_the_produced_ones(kind):
    table = SCHEMA_DOC.read_text(encoding="utf-8").split("## Keys", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.M))
    if kind == "committee":  # ignored files name applicant folders: listed in the unit kind only
        documented = {key for key in documented if not key.startswith("ignored_files[]")}
    assert _keys(json.loads(_json(kind))) == documented


def test_schema_id_and_kind():
    for kind in ("unit", "committee"):
        document = json.loads(_json(kind))
        assert (document["schema"], document["kind"]) == (SCHEMA, kind)
