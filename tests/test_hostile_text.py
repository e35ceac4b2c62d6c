"""Text that reaches files and terminals: manifests refuse control/bidi characters, every writer escapes them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from support.batch_samples import manifest_dict
from reports.build import FORMATS, build_reports
from reports.model import FailedFile, IgnoredFile
from zcps.errors import ManifestInvalid
from zcps.manifest import parse_manifest
from zcps.models import DocumentRef, Finding, Review
from zcps.text import terminal, visible

HOSTILE = {"BEL": "\x07", "ESC": "\x1b[31m", "RLO": "\u202e", "LRI": "\u2066", "NUL": "\x00", "DEL": "\x7f",
           "C1": "\x85", "surrogate": "\ud800", "tab": "\t", "newline": "\n"}


def _manifest(**changes) -> bytes:
    data = manifest_dict("A1", ["01.png"])
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return json.dumps(data, ensure_ascii=True).encode()


@pytest.mark.parametrize("char", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["name", "unit", "address", "documents.0.file", "education.school"])
def test_manifest_strings_with_control_or_bidi_characters_are_invalid(field, char):
    with pytest.raises(ManifestInvalid) as caught:
        parse_manifest(_manifest(**{field: f"张三{char}x"}))
    assert field in caught.value.detail and "张三" not in caught.value.detail


@pytest.mark.parametrize("value", ["张三", "Zhang San-Li", "阿卜杜·热合曼", "张\u200d三", "王🙂"])
def test_manifest_near_misses_stay_valid(value):
    assert parse_manifest(_manifest(name=value)).name == value


def test_manifest_dict_key_with_a_control_character_is_named_without_its_value():
    data = json.loads(_manifest())
    data["assessments"]["20\x1b21"] = "称职"
    with pytest.raises(ManifestInvalid) as caught:
        parse_manifest(json.dumps(data).encode())
    assert "assessments.(key)" in caught.value.detail and "\x1b" not in caught.value.detail


@pytest.mark.parametrize(("depth", "says"), [(200_000, "nested too deeply"), (50, "applicant_id: Field required")])
def test_deep_manifests_are_invalid_not_a_crash(depth, says):
    nested = '{"schema": "zcps.manifest/1", "x": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ManifestInvalid) as caught:
        parse_manifest(nested.encode())
    assert says in caught.value.detail


def _hostile_review() -> Review:
    evil = "".join(HOSTILE.values())
    return Review(batch="2024", unit=f"u{evil}", applicant_id=f"A{evil}", verdict="needs_review",
                  target_level="中级", path_explanation=f"说明{evil}",
                  findings=[Finding(rule="manifest.invalid", severity="review", section="数据规范",
                                    message=f"问题{evil}", declared=f"={evil}", extracted=evil)])


def _hostile_inputs():
    review = _hostile_review()
    ref = DocumentRef(batch="2024", unit=review.unit, applicant=review.applicant_id, file="bad\x07\u202e.png")
    failed = [FailedFile.from_ref(ref, "E_BAD_KEY", "object key 'bad\\x07' contains a control character")]
    ignored = [IgnoredFile(key=f"{review.unit}/{review.applicant_id}/docs/.DS_Store\x1b", unit=review.unit,
                           applicant_id=review.applicant_id, code="IGNORED_OS_FILE", reason="系统文件")]
    return review, failed, ignored


@pytest.mark.parametrize("kind", ["unit", "committee"])
def test_every_writer_writes_a_report_with_hostile_values(kind):
    review, failed, ignored = _hostile_inputs()
    out = build_reports("2024", [review], failed, kind=kind, formats=FORMATS, ignored_files=ignored,
                        pseudonyms={review.applicant_id: "P-00000001"})
    assert set(out) == set(FORMATS)
    texts = {"html": out["html"].decode(), "csv": out["csv"].decode("utf-8-sig"), "json": out["json"].decode()}
    book = load_workbook(io.BytesIO(out["xlsx"]))
    texts["xlsx"] = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    for fmt, text in texts.items():
        for name, char in HOSTILE.items():
            if name in ("newline", "tab"):
                continue
            assert char not in text, (fmt, name)
    assert "\\x07" in texts["xlsx"] and "\\u202e" in texts["csv"]
    rows = list(csv.reader(io.StringIO(texts["csv"])))
    assert rows[1][0] in ("单位内部审核报告", "评委会报告") and len(rows) == 2


@pytest.mark.parametrize(("text", "shown"), [
    ("u1/A1/01.png", "u1/A1/01.png"), ("a\nb", "a\\nb"), ("\x1b[2J", "\\x1b[2J"), ("gpj.\u202eexe", "gpj.\\u202eexe"),
    ("张三\t", "张三\\t"), ("\ud800", "\\ud800"),
])
def test_terminal_text_escapes_what_a_terminal_would_act_on(text, shown):
    assert terminal(text) == shown
    assert visible(text, keep="") == shown
