"""``zcps bench verify``: what the independent read of released pages costs (issue 18, item 2),
and what the spot OCR of trusted PDF text layers costs (item 1).

Every mode reads the **same** released pages: each document is acquired and masked once (not
timed), then each page's released PNG is checked in ``regions`` (masked regions only, the old
default), ``page`` (the whole page at reduced size plus the regions: the default) and ``full``
(the whole page at full size). Modes alternate page by page, so load from other processes on a
shared machine falls on all of them. Digital PDFs are timed with and without the spot OCR.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from masking.detect import known_pii
from masking.document import mask_document, page_images
from masking.verify import OVERVIEW_LONG_SIDE, VerifyMode, check_page, verification_crops
from zcps.errors import InputError
from zcps.manifest import Manifest, parse_manifest
from zcps.settings import Settings, get_settings

MODES: tuple[VerifyMode, ...] = get_args(VerifyMode)


class ModeCost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: str
    pages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    pages_with_pii: int = 0  # pages this mode would withhold

    @property
    def seconds_per_page(self) -> float:
        return self.seconds / self.pages if self.pages else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_seconds / self.pages if self.pages else 0.0


class SpotCheckCost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pages: int = 0
    unchecked_seconds: float = 0.0  # page analysis + text layer only
    checked_seconds: float = 0.0  # plus the spot OCR of sampled lines
    disagreeing_pages: int = 0


class VerifyBench(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cores: int
    load_start: float
    load_end: float = 0.0
    overview_long_side: int = OVERVIEW_LONG_SIDE
    modes: list[ModeCost] = Field(default_factory=list)
    spot_check: SpotCheckCost = Field(default_factory=SpotCheckCost)

    def table(self) -> str:
        rows = [f"verify bench: {self.modes[0].pages if self.modes else 0} released pages; {self.cores} cores, "
                f"load {self.load_start:.2f} at start, {self.load_end:.2f} at end; page mode long side "
                f"{self.overview_long_side} px",
                "mode        s/page   cpu s/page   × regions   pages with PII"]
        base = next((m.seconds_per_page for m in self.modes if m.mode == "regions"), 0.0)
        for cost in self.modes:
            ratio = cost.seconds_per_page / base if base else 0.0
            rows.append(f"{cost.mode:<10}{cost.seconds_per_page:8.3f}{cost.cpu_per_page:13.3f}{ratio:12.2f}"
                        f"{cost.pages_with_pii:17d}")
        spot = self.spot_check
        if spot.pages:
            rows.append(f"digital PDF pages: {spot.pages}; text layer alone {spot.unchecked_seconds / spot.pages:.3f} "
                        f"s/page, with spot OCR {spot.checked_seconds / spot.pages:.3f} s/page; "
                        f"{spot.disagreeing_pages} pages disagreed")
        return "\n".join(rows)


def _documents(fixtures: Path) -> Iterator[tuple[Manifest, Path]]:
    for manifest_path in sorted((fixtures / "intake").glob("*/*/manifest.json")):
        manifest = parse_manifest(manifest_path.read_bytes(), source=manifest_path.parent.name)
        for path in sorted((manifest_path.parent / "docs").iterdir()):
            yield manifest, path


def _released_pages(manifest: Manifest, path: Path, settings: Settings):
    """(released image, crops) per page of one document, masked once without verification."""
    from extractors.acquire import acquire_text

    data = path.read_bytes()
    text = acquire_text(data, path.name, settings=settings)
    known = known_pii(manifest)
    masked = mask_document(path.name, page_images(data, path.name, text.pages), text.pages, known, engine=None,
                           mode=None)
    for page in masked.pages:
        released = cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR)
        height, width = released.shape[:2]
        expected = [(box, box[3] - box[1]) for redaction in page.redactions if redaction.type.value not in ("photo", "qr_code")
                    for box in redaction.boxes]
        yield released, verification_crops(expected, width, height), known


def _time_modes(result: VerifyBench, released, crops, known, engine) -> None:
    for cost in result.modes:
        wall, cpu = time.perf_counter(), time.process_time()
        leaks = check_page(released, crops, known, engine, cost.mode)
        cost.seconds += time.perf_counter() - wall
        cost.cpu_seconds += time.process_time() - cpu
        cost.pages += 1
        cost.pages_with_pii += bool(leaks)


def _time_spot_check(result: VerifyBench, data: bytes, name: str, settings: Settings, engine) -> None:
    from extractors.acquire import acquire_text
    from zcps.models import TextLayer

    started = time.perf_counter()
    acquire_text(data, name, settings=settings.model_copy(update={"pdf_spot_check_lines": 0}), engine=engine)
    result.spot_check.unchecked_seconds += time.perf_counter() - started
    started = time.perf_counter()
    text = acquire_text(data, name, settings=settings, engine=engine)
    result.spot_check.checked_seconds += time.perf_counter() - started
    result.spot_check.pages += len(text.pages)
    result.spot_check.disagreeing_pages += sum(page.text_layer is TextLayer.disagrees for page in text.pages)


def run_verify_bench(fixtures: Path | str = "fixtures/sample", pages: int = 12,
                     settings: Settings | None = None) -> VerifyBench:
    from extractors.loader import open_document
    from extractors.ocr import get_engine
    from masking.detect import get_nlp

    settings = settings or get_settings()
    engine = get_engine(settings)
    get_nlp()
    engine.recognize(np.full((64, 256, 3), 255, np.uint8))  # onnxruntime allocates on its first run
    result = VerifyBench(cores=os.cpu_count() or 1, load_start=os.getloadavg()[0],
                         modes=[ModeCost(mode=mode) for mode in MODES])
    digital_seen = 0
    for manifest, path in _documents(Path(fixtures)):
        data = path.read_bytes()
        try:
            digital = open_document(data, path.name, settings).digital
        except InputError:
            continue  # the sample's deliberately bad files
        if digital:
            if digital_seen < pages:
                _time_spot_check(result, data, path.name, settings, engine)
                digital_seen += 1
            continue
        if result.modes[0].pages >= pages:
            continue
        for released, crops, known in _released_pages(manifest, path, settings):
            _time_modes(result, released, crops, known, engine)
    result.load_end = os.getloadavg()[0]
    return result
