"""The model folders and the real PP-OCRv6 models end to end (``-m models`` runs the slow part)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image
from rapidfuzz import fuzz

from extractors.acquire import acquire_text
from extractors.geometry import page_image, to_stored
from extractors.models_install import SOURCE_FILES, ensure_models, install_models
from support.rendered_pages import DATE_LINE, PAGE_LINES, line_box, seal_over_date
from zcps.errors import ModelsMissing
from zcps.settings import get_settings

ID_NUMBER = "150102198503152317"
DATE_TEXT = PAGE_LINES[DATE_LINE]


def installed_sources() -> Path:
    """The ONNX files `zcps models install` unpacked into the configured model folder."""
    return get_settings().model_dir / "onnx"


def test_ensure_models_without_files_names_the_fix(tmp_path):
    with pytest.raises(ModelsMissing) as caught:
        ensure_models(tmp_path)
    assert caught.value.code == "E_MODELS_MISSING" and "zcps models install" in caught.value.hint


def test_install_from_a_folder_missing_one_model_fails(tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / SOURCE_FILES[0]).write_bytes(b"onnx")
    with pytest.raises(ModelsMissing, match=SOURCE_FILES[1]):
        install_models(tmp_path / "models", source=partial)


@pytest.mark.models
def test_install_builds_paddle_folders_idempotently(tmp_path):
    paths = install_models(tmp_path, source=installed_sources())
    det = yaml.safe_load((paths.det_dir / "inference.yml").read_text(encoding="utf-8"))
    rec = yaml.safe_load((paths.rec_dir / "inference.yml").read_text(encoding="utf-8"))
    assert det["Global"]["model_name"] == "PP-OCRv6_small_det"
    assert det["PostProcess"]["name"] == "DBPostProcess"
    assert rec["PostProcess"]["name"] == "CTCLabelDecode"
    assert len(rec["PostProcess"]["character_dict"]) > 10000 and "年" in rec["PostProcess"]["character_dict"]
    stamp = os.stat(paths.rec_dir / "inference.yml").st_mtime_ns
    assert ensure_models(tmp_path) == paths
    assert os.stat(paths.rec_dir / "inference.yml").st_mtime_ns == stamp
    (paths.rec_dir / "inference.yml").unlink()
    ensure_models(tmp_path)
    assert (paths.rec_dir / "inference.yml").is_file()


def stored_scan(rotation: int, skew: float) -> tuple[bytes, np.ndarray]:
    """A sealed certificate page tilted by ``skew``° and stored turned counter-clockwise by ``rotation``."""
    sealed, _ = seal_over_date()
    height, width = sealed.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    tilted = cv2.warpAffine(sealed, matrix, (width, height), borderValue=(255, 255, 255))
    codes = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    stored = cv2.rotate(tilted, codes[rotation]) if rotation else tilted
    buffer = io.BytesIO()
    Image.fromarray(stored[:, :, ::-1]).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue(), matrix


def best_line(page, expected: str):
    return max(page.lines, key=lambda line: fuzz.ratio(line.text, expected))


@pytest.mark.models
@pytest.mark.parametrize("rotation, skew", [(90, 2.0), (180, -2.0)])
def test_end_to_end_rotated_sealed_scan(ocr_engine, rotation, skew):
    data, tilt = stored_scan(rotation, skew)
    text = acquire_text(data, "证书.jpg", engine=ocr_engine)
    page = text.pages[0]
    assert page.rotation == rotation
    assert page.deskew_angle == pytest.approx(-skew, abs=0.6)
    date_line = best_line(page, DATE_TEXT)
    assert fuzz.ratio(date_line.text, DATE_TEXT) >= 90
    assert fuzz.partial_ratio(ID_NUMBER, page.text) >= 95
    assert date_line.score > 0.8 and "2019" in [word.text for word in date_line.words]

    # The date's box maps back onto the stored scan where the date was drawn.
    x0, y0, x1, y1 = line_box(DATE_LINE, DATE_TEXT)
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], float) @ tilt.T
    upright_w, upright_h = 1400, 1000
    turned = {90: lambda x, y: (y, upright_w - x), 180: lambda x, y: (upright_w - x, upright_h - y)}[rotation]
    xs, ys = zip(*(turned(x, y) for x, y in corners))
    stored_box = to_stored(date_line.bbox, page)
    expected = (min(xs), min(ys), max(xs), max(ys))
    assert all(abs(a - b) <= 25 for a, b in zip(stored_box, expected))

    upright = page_image(data, "证书.jpg", page)
    assert upright.shape[:2] == (page.height, page.width)


@pytest.mark.models
def test_near_miss_clean_upright_page_is_not_turned(ocr_engine):
    _, clean = seal_over_date()
    buffer = io.BytesIO()
    Image.fromarray(clean[:, :, ::-1]).save(buffer, format="PNG")
    page = acquire_text(buffer.getvalue(), "clean.png", engine=ocr_engine).pages[0]
    assert (page.rotation, page.deskew_angle, page.scale) == (0, 0.0, 1.0)
    assert fuzz.ratio(best_line(page, DATE_TEXT).text, DATE_TEXT) >= 95
