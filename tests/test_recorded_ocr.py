"""A recording of OCR output is stale when the engine or a model file it was made with has changed."""

from __future__ import annotations

import pytest

from support.recorded_ocr import STAMP, RecordingStamp, current_stamp, read_stamp, stale_reason

NOW = RecordingStamp(engine="paddleocr-3.7.0+PP-OCRv6_small+det-max960+zcps-ocr/2",
                     models={"det.onnx": "a" * 64, "rec.onnx": "b" * 64})


@pytest.mark.parametrize(("recorded", "said"), [
    (NOW, None),
    (None, "no stamp.json"),
    (NOW.model_copy(update={"engine": NOW.engine.replace("zcps-ocr/2", "zcps-ocr/1")}), "zcps-ocr/1"),
    (NOW.model_copy(update={"engine": NOW.engine.replace("max960", "max1280")}), "max1280"),
    (NOW.model_copy(update={"models": {"det.onnx": "a" * 64, "rec.onnx": "c" * 64}}), "rec.onnx"),
    (NOW.model_copy(update={"models": {"det.onnx": "a" * 64}}), "rec.onnx"),
    (NOW.model_copy(update={"models": {**NOW.models, "int8/rec": "d" * 64}}), "int8/rec"),
])
def test_stale_recordings_are_detected(recorded, said):
    reason = stale_reason(recorded, NOW)
    assert reason is None if said is None else said in reason


@pytest.mark.parametrize(("setting", "value", "int8"), [
    ("ZCPS_OCR_QUANTISED", "rec", {"int8/rec"}), ("ZCPS_OCR_QUANTISED", "both", {"int8/det", "int8/rec"}),
    ("ZCPS_OCR_DET_LIMIT_SIDE_LEN", "1280", set())])
def test_the_stamp_follows_the_engine_settings(monkeypatch, setting, value, int8):
    monkeypatch.setenv("ZCPS_OCR_QUANTISED", "none")
    before = current_stamp()
    monkeypatch.setenv(setting, value)
    after = current_stamp()
    assert {name for name in after.models if name.startswith("int8/")} == int8
    assert stale_reason(before, after) is not None and stale_reason(after, current_stamp()) is None


def test_a_stamp_file_round_trips(tmp_path):
    assert read_stamp(tmp_path) is None
    (tmp_path / STAMP).write_text(NOW.model_dump_json(), encoding="utf-8")
    assert read_stamp(tmp_path) == NOW
