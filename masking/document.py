"""Mask one document: detect per page, fill boxes over PII, photos and QR codes, re-OCR to verify, encode."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from masking.detect import detect_lines, known_pii
from masking.entities import PiiType
from masking.known import KnownPii
from masking.recognizers import photo, qr_code, signature
from masking.redact_image import encode_pdf, encode_png, fill_boxes, redaction_boxes
from masking.redact_text import mask_text
from masking.verify import OcrEngine, VerifyMode, check_page, raise_if_leaked, verification_crops
from zcps.manifest import Manifest
from zcps.models import BBox, Page
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.masking")

Redactor = Callable[[np.ndarray, list[BBox]], np.ndarray]


class Redaction(BaseModel):
    """One masked entity: its type and the filled boxes (page pixels, OCR frame)."""

    model_config = ConfigDict(extra="forbid")

    type: PiiType
    boxes: list[BBox]


class MaskedPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int
    png: bytes = Field(repr=False)
    redactions: list[Redaction] = Field(default_factory=list)


class MaskedDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    dpi: int = 200
    pages: list[MaskedPage]
    counts: dict[str, int] = Field(default_factory=dict)  # entities per PII type, never values
    verified: bool = False
    verify_mode: VerifyMode | None = None


class MaskSummary(BaseModel):
    """What ``zcps mask --json`` prints: counts and outputs, never values."""

    model_config = ConfigDict(extra="forbid")

    counts: dict[str, int]
    pages: int
    verified: bool
    verify_mode: VerifyMode | None
    outputs: list[str]


def page_images(data: bytes, filename: str, pages: list[Page]) -> list[np.ndarray]:
    """Upright page images in the frame the OCR boxes refer to."""
    from extractors.geometry import page_image

    return [page_image(data, filename, page) for page in pages]


def ocr_engine() -> OcrEngine:
    from extractors.ocr import get_engine

    return get_engine()


def mask_document(label: str, images: list[np.ndarray], pages: list[Page], known: KnownPii, *,
                  engine: OcrEngine | None, mode: VerifyMode | None = "page",
                  redactor: Redactor = fill_boxes) -> MaskedDocument:
    """Mask every page; with ``mode`` set, re-OCR and raise ``MaskingFailed`` if PII survived.

    ``mode=None`` skips verification and is only for measuring redaction itself (the benchmark).
    """
    counts: Counter[str] = Counter()
    masked_pages: list[MaskedPage] = []
    leaks: dict[int, set[PiiType]] = {}
    for image, page in zip(images, pages, strict=True):
        height, width = image.shape[:2]
        hits = detect_lines(page.lines, known)
        counts.update(hit.type.value for hit in hits)
        pii = [Redaction(type=hit.type, boxes=redaction_boxes(page.lines, [hit], width, height)) for hit in hits]
        photos = [Redaction(type=PiiType.photo, boxes=[box])
                  for box in photo.find(image, [line.bbox for line in page.lines])]
        codes = [Redaction(type=PiiType.qr_code, boxes=[box]) for box in qr_code.find(image)]
        signatures = [Redaction(type=PiiType.signature, boxes=[box])
                      for box in signature.find(page.lines, width, height)]
        counts.update(redaction.type.value for redaction in photos + codes + signatures)
        redactions = pii + photos + codes + signatures
        png = encode_png(redactor(image, [box for redaction in redactions for box in redaction.boxes]))
        if mode is not None:
            if engine is None:
                engine = ocr_engine()
            expected = [(box, page.lines[hit.line].bbox[3] - page.lines[hit.line].bbox[1])
                        for hit, redaction in zip(hits, pii) for box in redaction.boxes]
            crops = verification_crops(expected, width, height)
            # The check reads the PNG that is released, decoded, not the array it was encoded from.
            released = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
            leaks[page.number] = check_page(released, crops, known, engine, mode)
        masked_pages.append(MaskedPage(number=page.number, png=png, redactions=redactions))
    if mode is not None:
        raise_if_leaked(label, leaks)
    log.info("masked %s: %d pages, %s", label, len(masked_pages), dict(sorted(counts.items())))
    dpi = pages[0].dpi if pages else 200
    return MaskedDocument(label=label, dpi=dpi, pages=masked_pages, counts=dict(sorted(counts.items())),
                          verified=mode is not None, verify_mode=mode)


def decoded_pages(document: MaskedDocument) -> list[np.ndarray]:
    return [cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR) for page in document.pages]


def write_outputs(document: MaskedDocument, out: Path) -> list[Path]:
    """``out.pdf`` → one image-only PDF; otherwise PNG (``out`` for one page, ``stem.pN.png`` for more)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(encode_pdf(decoded_pages(document), document.dpi))
        return [out]
    if len(document.pages) == 1:
        out.write_bytes(document.pages[0].png)
        return [out]
    paths = []
    for page in document.pages:
        path = out.with_name(f"{out.stem}.p{page.number}.png")
        path.write_bytes(page.png)
        paths.append(path)
    return paths


def mask_file(path: Path, manifest: Manifest, out: Path, settings: Settings | None = None) -> MaskSummary:
    """Mask one local file for ``zcps mask``; fails closed (``MaskingFailed``) before writing anything."""
    from extractors.acquire import acquire_text

    settings = settings or get_settings()
    data = path.read_bytes()
    text = acquire_text(data, path.name)
    images = page_images(data, path.name, text.pages)
    known = known_pii(manifest)
    document = mask_document(mask_text(path.name, known), images, text.pages, known, engine=None,
                             mode=settings.mask_verify_mode)
    outputs = write_outputs(document, out)
    return MaskSummary(counts=document.counts, pages=len(document.pages), verified=document.verified,
                       verify_mode=document.verify_mode, outputs=[str(p) for p in outputs])
