"""OCR engine settings, detector canvases and the turn/deskew decided before recognition (no models)."""

from __future__ import annotations

import numpy as np
import pytest

from extractors.acquire import upright_transform
from extractors.ocr import pad_to_canvas
from extractors.ocr_options import OcrOptions, bucket_canvas, parse_candidate, probe_factor
from test_preprocess import quad
from zcps.errors import ConfigError
from zcps.settings import Settings

BASE = OcrOptions()


@pytest.mark.parametrize("text, changed", [
    ("", {}),
    ("det=max1280", {"det_limit_type": "max", "det_limit_side_len": 1280}),
    ("det=min736, rec_batch=8", {"det_limit_type": "min", "det_limit_side_len": 736, "rec_batch_size": 8}),
    ("det=min64,rec_batch=6", {"det_limit_type": "min", "det_limit_side_len": 64, "rec_batch_size": 6}),
    ("threads=1,inter=2,opt=extended", {"intra_threads": 1, "inter_threads": 2, "graph_level": "extended"}),
    ("arena=off,pattern=OFF,bucket=0", {"mem_arena": False, "mem_pattern": False, "bucket": 0}),
    ("probe=640,int8=rec", {"probe_long_side": 640, "quantised": "rec"}),
])
def test_parse_candidate(text, changed):
    options = parse_candidate(text, BASE)
    assert {name: getattr(options, name) for name in changed} == changed
    untouched = set(vars(BASE)) - set(changed)
    assert all(getattr(options, name) == getattr(BASE, name) for name in untouched)
    assert parse_candidate(options.label(), BASE) == options


@pytest.mark.parametrize("text, message", [
    ("det=960", "min<N> or max<N>"),
    ("det=maxi960", "min<N> or max<N>"),
    ("rec_batch=six", "rec_batch"),
    ("threads=0", "intra_threads must be at least 1"),
    ("opt=fast", "graph_level 'fast'"),
    ("int8=all", "quantised 'all'"),
    ("arena=maybe", "not on/off"),
    ("bucket=100", "multiple of 32"),
    ("detector=max960", "bad OCR candidate part"),
    ("det", "bad OCR candidate part"),
])
def test_parse_candidate_rejects(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_candidate(text, BASE)


@pytest.mark.parametrize("env, expected", [
    ({}, BASE),
    ({"ZCPS_OCR_DET_LIMIT_TYPE": "min", "ZCPS_OCR_DET_LIMIT_SIDE_LEN": "64"},
     OcrOptions(det_limit_type="min", det_limit_side_len=64)),
    ({"ZCPS_OCR_THREADS": "2", "ZCPS_OCR_REC_BATCH_SIZE": "6", "ZCPS_OCR_MEM_PATTERN": "true"},
     OcrOptions(intra_threads=2, rec_batch_size=6, mem_pattern=True)),
    ({"ZCPS_OCR_QUANTISED": "both", "ZCPS_OCR_BUCKET": "0"}, OcrOptions(quantised="both", bucket=0)),
])
def test_options_from_settings(monkeypatch, env, expected):
    for name in [name for name in __import__("os").environ if name.startswith("ZCPS_OCR_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert OcrOptions.from_settings(Settings()) == expected


def test_engine_config_names_paddlex_fields():
    config = OcrOptions(graph_level="basic", mem_arena=False).engine_config()
    assert config == {"intra_op_num_threads": 1, "inter_op_num_threads": 1, "graph_optimization_level": 1,
                      "enable_cpu_mem_arena": False, "enable_mem_pattern": False}


@pytest.mark.parametrize("options, other, same_output", [
    (OcrOptions(), OcrOptions(intra_threads=2, graph_level="basic", mem_arena=False, mem_pattern=True), True),
    (OcrOptions(), OcrOptions(det_limit_type="min"), False),
    (OcrOptions(), OcrOptions(det_limit_side_len=1280), False),
    (OcrOptions(), OcrOptions(rec_batch_size=6), False),
    (OcrOptions(), OcrOptions(bucket=256), False),
    (OcrOptions(), OcrOptions(quantised="det"), False),
])
def test_output_tag_changes_only_with_output(options, other, same_output):
    assert (options.output_tag() == other.output_tag()) is same_output


@pytest.mark.parametrize("size, bucket, canvas", [
    ((1654, 2339), 128, (1664, 2432)),
    ((1664, 2432), 128, (1664, 2432)),   # already on the grid
    ((1665, 2433), 128, (1792, 2560)),   # one pixel over: next bucket
    ((1, 1), 128, (128, 128)),
    ((1654, 2339), 0, (1654, 2339)),     # buckets off
    ((1000, 700), 256, (1024, 768)),
])
def test_bucket_canvas(size, bucket, canvas):
    assert bucket_canvas(*size, bucket) == canvas


def test_pad_to_canvas_keeps_the_page_top_left():
    page = np.zeros((100, 130, 3), np.uint8)
    padded = pad_to_canvas(page, 64)
    assert padded.shape == (128, 192, 3)
    assert not padded[:100, :130].any() and (padded[100:] == 255).all() and (padded[:, 130:] == 255).all()


@pytest.mark.parametrize("size, long_side, factor", [
    ((1654, 2339), 960, 960 / 2339), ((2339, 1654), 960, 960 / 2339), ((900, 600), 960, 1.0),
    ((960, 500), 960, 1.0), ((961, 500), 960, 960 / 961)])
def test_probe_factor(size, long_side, factor):
    assert probe_factor(*size, long_side) == pytest.approx(factor)


def lines_page(angle: float) -> list[np.ndarray]:
    return [quad(700, 150 + 90 * i, 900, 36, angle) for i in range(8)]


def turned(polys: list[np.ndarray], width: int, height: int, rotation: int) -> list[np.ndarray]:
    """Quads of an upright page stored turned counter-clockwise by ``rotation`` (undone clockwise)."""
    from extractors.preprocess import turn_points

    return [turn_points(poly, width, height, (360 - rotation) % 360) for poly in polys]


@pytest.mark.parametrize("rotation, skew, upside_down, expected", [
    (0, 0.0, 0.1, (0, 0.0)),
    (0, 1.9, 0.1, (0, 0.0)),       # upright and under 2°: read as it is
    (0, 2.0, 0.1, (0, -2.0)),      # from 2° an upright page is levelled
    (0, -3.5, 0.1, (0, 3.5)),
    (0, 0.0, 0.9, (180, 0.0)),     # the classifier says the lines are upside down
    (0, 0.0, 0.5, (0, 0.0)),       # a tie stays upright
    (90, 0.0, 0.1, (90, 0.0)),
    (90, 0.0, 0.9, (270, 0.0)),
    (90, 0.5, 0.1, (90, -0.5)),    # a turned page is levelled from 0.4°
    (90, 0.3, 0.1, (90, 0.0)),
    (270, 1.0, 0.1, (90, -1.0)),   # the classifier is asked about the 90° turn; 0.1 keeps it
    (0, 8.0, 0.1, (0, -5.0)),      # clamped to the ±5° the step handles
    (0, 12.0, 0.1, (0, 0.0)),      # lines at 12° are not a skew at all
])
def test_upright_transform_from_probe_quads(rotation, skew, upside_down, expected):
    width, height = 1400, 1000
    polys = lines_page(-skew)
    stored_w, stored_h = (height, width) if rotation % 180 else (width, height)
    image = np.full((stored_h, stored_w, 3), 255, np.uint8)
    stored = turned(polys, width, height, rotation) if rotation else polys
    transform = upright_transform(image, stored, 1.0, lambda crops: [upside_down] * len(crops))
    assert (transform.rotation, transform.deskew_angle) == pytest.approx(expected, abs=0.02)


@pytest.mark.parametrize("env, redone", [
    ({}, False),
    ({"ZCPS_OCR_THREADS": "2", "ZCPS_OCR_INTER_THREADS": "2", "ZCPS_OCR_MEM_PATTERN": "false",
      "ZCPS_OCR_MEM_ARENA": "false"}, False),
    ({"ZCPS_OCR_DET_LIMIT_SIDE_LEN": "800"}, True),
    ({"ZCPS_OCR_DET_LIMIT_TYPE": "min"}, True),
    ({"ZCPS_OCR_REC_BATCH_SIZE": "24"}, True),
    ({"ZCPS_OCR_QUANTISED": "det"}, True),
    ({"ZCPS_OCR_BUCKET": "0"}, True),
])
def test_results_read_under_other_ocr_settings_are_redone(monkeypatch, env, redone):
    from pipeline.document import pipeline_version

    for name in [name for name in __import__("os").environ if name.startswith("ZCPS_OCR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr("extractors.ocr.get_settings", Settings)  # read the environment on each call
    before = pipeline_version()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (pipeline_version() != before) is redone
