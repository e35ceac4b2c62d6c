"""The INT8 detector/recogniser copies: which folders an engine loads, and the hash check before it does."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from extractors.models_install import model_paths
from extractors.models_int8 import PINNED_VERSIONS, int8_absent, int8_dir, int8_problems, paths_for, quantise_models
from zcps.errors import ModelsMissing
from zcps.settings import get_settings


def fake_int8(model_dir: Path, kinds=("det", "rec"), content=b"not a model") -> None:
    for kind in kinds:
        folder = int8_dir(model_dir) / kind
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "inference.onnx").write_bytes(content)
        (folder / "inference.yml").write_text("Global: {}\n", encoding="utf-8")


def test_float_models_need_no_int8_folder(tmp_path):
    paths = model_paths(tmp_path)
    assert paths_for(paths, tmp_path, "none") is paths


@pytest.mark.parametrize("present, problem", [
    ((), "is incomplete"),
    (("det",), "rec is incomplete"),
    (("det", "rec"), "has the wrong sha256"),
])
@pytest.mark.parametrize("quantised", ["det", "rec", "both"])
def test_unusable_int8_copies_are_refused(tmp_path, present, problem, quantised):
    fake_int8(tmp_path, present)
    assert any(problem in text for text in int8_problems(tmp_path))
    with pytest.raises(ModelsMissing, match=problem) as caught:
        paths_for(model_paths(tmp_path), tmp_path, quantised)
    assert "ZCPS_OCR_QUANTISED=none" in caught.value.hint


@pytest.mark.parametrize("present, absent", [((), True), (("det",), False), (("det", "rec"), False)])
def test_absent_means_no_int8_file_at_all(tmp_path, present, absent):
    fake_int8(tmp_path, present)
    assert int8_absent(tmp_path) is absent


@pytest.mark.parametrize("dist", sorted(PINNED_VERSIONS))
def test_int8_hashes_name_the_versions_pyproject_pins(dist):
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"{dist}=={PINNED_VERSIONS[dist]}" in pyproject["project"]["dependencies"]


@pytest.mark.models
def test_quantised_copies_match_their_pinned_hashes(tmp_path):
    installed = get_settings().model_dir
    for folder in ("det", "rec", "cls"):
        shutil.copytree(installed / folder, tmp_path / folder)
    quantise_models(tmp_path)
    assert int8_problems(tmp_path) == []
    floats = model_paths(tmp_path)
    expected = {"det": (int8_dir(tmp_path) / "det", floats.rec_dir), "rec": (floats.det_dir, int8_dir(tmp_path) / "rec"),
                "both": (int8_dir(tmp_path) / "det", int8_dir(tmp_path) / "rec")}
    for quantised, (det_dir, rec_dir) in expected.items():
        paths = paths_for(floats, tmp_path, quantised)
        assert (paths.det_dir, paths.rec_dir, paths.cls_file) == (det_dir, rec_dir, floats.cls_file)
