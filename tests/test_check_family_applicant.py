"""``zcps check`` on an applicant whose every certificate, CE card and assessment is printed in a
held-out layout (the unseen-layout family): the verdict is the hand-derived one.

One test replays PaddleOCR output recorded from these very files (tests/data/ocr/family-clean-mid),
so it runs without the models (``ZCPS_REGENERATE=1`` records it again with them); another says whether
that recording is stale; the last runs the real models on the same applicant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.document
from cli.local_check import check_local
from cli.main import build_app
from fixtures.generator.layouts.applicants import CASES, build_applicants
from extractors.acquire import acquire_text
from storage.base import sha256_hex
from support.recorded_ocr import RECORDINGS, current_stamp, read_stamp, replay, stale_reason

RECORDED = RECORDINGS / "family-clean-mid"
CLEAN_MID = next(case for case in CASES if case.kind == "clean_mid")


@pytest.fixture(scope="module")
def applicant(tmp_path_factory) -> Path:
    """The family's first applicant, rendered at full realism: the recorded OCR is of these bytes."""
    root = tmp_path_factory.mktemp("family-check")
    (folder,) = build_applicants(root, cases=(CLEAN_MID,))
    return root / "intake" / folder


def test_check_on_recorded_ocr_gives_the_expected_verdict(applicant, monkeypatch):
    texts = replay(RECORDED, sorted((applicant / "docs").iterdir()), acquire_text)
    # Every file's bytes must be the ones the OCR was recorded from (the generator is deterministic).
    assert len(texts) == len(list((applicant / "docs").iterdir()))
    monkeypatch.setattr(pipeline.document, "acquire_text", lambda data, name, **_: texts[sha256_hex(data)])
    result = CliRunner().invoke(build_app(), ["check", str(applicant / "manifest.json"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    expected = json.loads((applicant.parents[2] / "truth" / applicant.parent.name / applicant.name
                           / "expected.json").read_text(encoding="utf-8"))
    # the path carries the requirement it met (standard:中级③)
    assert (payload["verdict"], payload["path"].split(":")[0]) == (expected["verdict"], expected["path"])
    assert expected["verdict"] == "eligible"
    assert [f["rule"] for f in payload["findings"] if f["severity"] != "note"] == []


def test_the_recording_is_of_the_current_engine_and_models():
    """A stale recording replays what the engine no longer reads: re-record it (tests/README.md)."""
    reason = stale_reason(read_stamp(RECORDED), current_stamp())
    assert reason is None, (f"{RECORDED.name}: {reason}; re-record with ZCPS_REGENERATE=1 .venv/bin/python -m pytest "
                            "-q tests/test_check_family_applicant.py::test_check_on_recorded_ocr_gives_the_expected_verdict")


@pytest.mark.models
def test_check_with_real_ocr_on_a_held_out_applicant(applicant):
    review = check_local(applicant / "manifest.json")
    assert (review.verdict, review.path.split(":")[0]) == ("eligible", "standard")
    assert [f.rule for f in review.findings if f.severity == "block"] == []
