"""Dynamic INT8 copies of the detector and recogniser, built at install time and checked by hash on load.

``onnxruntime.quantization.quantize_dynamic`` stores the weights of MatMul/Conv/GRU nodes as uint8
and quantises activations on the fly; it needs no calibration data. The copies are generated from
the installed sources (whose sha256 ``models_install.MODEL_SHA256`` pins). Quantisation is
deterministic for the pinned onnxruntime and onnx, so ``INT8_SHA256`` pins the generated files too:
a copy built by another version, truncated or altered is refused instead of loaded.
``zcps bench ocr`` decides whether they are used (``ZCPS_OCR_QUANTISED``): only where the benchmark
reads the sample batch as well as the float models do.

Layout under ``model_dir``::

    int8/det/inference.onnx + inference.yml     same configs as det/ and rec/
    int8/rec/inference.onnx + inference.yml
"""

from __future__ import annotations

import importlib.metadata
import logging
import shutil
import tempfile
from pathlib import Path

from extractors.models_install import DET_ONNX, MODEL_SHA256, REC_ONNX, ModelPaths, _replace_dir, _sha256_file, model_paths
from zcps.errors import ModelsMissing

log = logging.getLogger("zcps.models")

SOURCES = {"det": DET_ONNX, "rec": REC_ONNX}
# The versions (pinned in pyproject.toml) whose quantize_dynamic(weight_type=QUInt8) gives INT8_SHA256.
PINNED_VERSIONS = {"onnxruntime": "1.32.0", "onnx": "1.23.2"}
INT8_SHA256 = {
    "det": "d1de8192b9c8c0e68a4c341605604b76b7c18d15b0e6167624f49e1e484f7cdb",
    "rec": "90cc15baad23ceabf06a4b92b7976ea7158c43d66aee9d38bb72b52f7ff2b0aa",
}
INT8_DIR = "int8"


def int8_dir(model_dir: Path) -> Path:
    return Path(model_dir) / INT8_DIR


def quantise_models(model_dir: Path | str) -> Path:
    """Write ``int8/`` from the installed float folders (install time: needs the ``onnx`` package)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model_dir = Path(model_dir)
    floats = model_paths(model_dir)
    staged = Path(tempfile.mkdtemp(prefix=".int8-", dir=model_dir))
    for kind, source_dir in (("det", floats.det_dir), ("rec", floats.rec_dir)):
        source = source_dir / "inference.onnx"
        if _sha256_file(source) != MODEL_SHA256[SOURCES[kind]]:
            shutil.rmtree(staged, ignore_errors=True)
            raise ModelsMissing(f"{source} is not {SOURCES[kind]}; not quantising it")
        (staged / kind).mkdir()
        quantize_dynamic(str(source), str(staged / kind / "inference.onnx"), weight_type=QuantType.QUInt8)
        shutil.copyfile(source_dir / "inference.yml", staged / kind / "inference.yml")
        if _sha256_file(staged / kind / "inference.onnx") != INT8_SHA256[kind]:
            shutil.rmtree(staged, ignore_errors=True)
            raise ModelsMissing(f"the INT8 {kind} model built here does not have the pinned sha256",
                                hint=f"Install the pinned onnxruntime/onnx ({importlib.metadata.version('onnxruntime')} found) "
                                     "and re-run `zcps models install`, or set ZCPS_OCR_QUANTISED=none.")
    staged.chmod(0o755)
    _replace_dir(staged, int8_dir(model_dir))
    log.info("INT8 detector and recogniser written to %s", int8_dir(model_dir))
    return int8_dir(model_dir)


def int8_problems(model_dir: Path | str) -> list[str]:
    """What is missing or altered in ``int8/`` (empty when both copies have their pinned sha256)."""
    folder = int8_dir(Path(model_dir))
    problems = []
    for kind in SOURCES:
        path = folder / kind / "inference.onnx"
        if not path.is_file() or not (folder / kind / "inference.yml").is_file():
            problems.append(f"{folder / kind} is incomplete")
        elif _sha256_file(path) != INT8_SHA256[kind]:
            problems.append(f"{path} has the wrong sha256")
    return problems


def int8_absent(model_dir: Path | str) -> bool:
    """True when no file of ``int8/`` exists at all (never installed, as opposed to damaged)."""
    folder = int8_dir(Path(model_dir))
    return not any((folder / kind / name).exists() for kind in SOURCES for name in ("inference.onnx", "inference.yml"))


def paths_for(paths: ModelPaths, model_dir: Path | str, quantised: str) -> ModelPaths:
    """``paths`` with the INT8 detector and/or recogniser swapped in; ModelsMissing when they fail the check."""
    if quantised == "none":
        return paths
    problems = int8_problems(model_dir)
    if problems:
        raise ModelsMissing("INT8 OCR models unusable: " + "; ".join(problems),
                            hint="Run `zcps models install` (it writes int8/), or set ZCPS_OCR_QUANTISED=none.")
    folder = int8_dir(Path(model_dir))
    det_dir = folder / "det" if quantised in ("det", "both") else paths.det_dir
    rec_dir = folder / "rec" if quantised in ("rec", "both") else paths.rec_dir
    return ModelPaths(det_dir=det_dir, rec_dir=rec_dir, cls_file=paths.cls_file)
