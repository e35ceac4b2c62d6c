"""Recorded PaddleOCR output: replayed so a test runs without the models, stamped with what made it.

A recording folder (``tests/data/ocr/<name>/``) holds one ``DocumentText`` per source file
(``<file>.json``) and ``stamp.json``: the engine name (library versions, the output-changing
``ZCPS_OCR_*`` settings, zcps's OCR version: ``extractors.ocr.engine_name``) and the sha256 of every
model file it ran (``extractors.models_install.MODEL_SHA256``, and ``INT8_SHA256`` when quantised). A
recording whose stamp differs from the current engine's is stale: ``stale_reason`` says what changed.
With ``ZCPS_REGENERATE=1`` the test that replays it reads its source files again with the real models and
rewrites the folder (tests/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from extractors.models_install import MODEL_SHA256
from extractors.models_int8 import INT8_SHA256
from extractors.ocr import engine_name
from extractors.ocr_options import OcrOptions
from storage.base import sha256_hex
from support.regenerate import regenerating
from zcps.models import DocumentText
from zcps.settings import Settings

RECORDINGS = Path(__file__).parents[1] / "data" / "ocr"
STAMP = "stamp.json"


class RecordingStamp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str
    models: dict[str, str]  # model file (or int8 kind) → sha256


def current_stamp() -> RecordingStamp:
    """The stamp of the engine the environment configures now (a fresh ``Settings``, not another test's cache)."""
    options = OcrOptions.from_settings(Settings())
    models = dict(MODEL_SHA256)
    models.update({f"int8/{kind}": digest for kind, digest in INT8_SHA256.items()
                   if options.quantised in (kind, "both")})
    return RecordingStamp(engine=engine_name(options), models=models)


def read_stamp(folder: Path) -> RecordingStamp | None:
    path = folder / STAMP
    return RecordingStamp.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


def stale_reason(recorded: RecordingStamp | None, current: RecordingStamp) -> str | None:
    """Why a recording no longer shows what the engine reads now, or None when it does."""
    if recorded is None:
        return f"no {STAMP}: the engine and models it was made with are unknown"
    if recorded.engine != current.engine:
        return f"made by {recorded.engine}, the engine is now {current.engine}"
    changed = sorted(name for name in {*recorded.models, *current.models}
                     if recorded.models.get(name) != current.models.get(name))
    return f"model files changed: {', '.join(changed)}" if changed else None


def replay(folder: Path, sources: list[Path], read: Callable[[bytes, str], DocumentText]) -> dict[str, DocumentText]:
    """The recorded text of every source file by its sha256; with the switch on, ``read`` them again first
    (the real engine) and rewrite the folder and its stamp."""
    if regenerating():
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            text = read(source.read_bytes(), source.name)
            (folder / f"{source.name}.json").write_text(text.model_dump_json(), encoding="utf-8")
        (folder / STAMP).write_text(json.dumps(current_stamp().model_dump(), indent=1) + "\n", encoding="utf-8")
    texts = {}
    for source in sources:
        text = DocumentText.model_validate_json((folder / f"{source.name}.json").read_text(encoding="utf-8"))
        texts[sha256_hex(source.read_bytes())] = text
    return texts
