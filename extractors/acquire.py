"""Bytes → ``DocumentText``: a PDF page's text layer where it is what the page shows, else OCR.

A PDF page is read from its text layer only when ``extractors.pdf_text`` trusts it (visible,
upright, not a scan) and a spot OCR of the rendered page agrees (``extractors.spot_check``); every
other page, and every image, is OCR'd. ``Page.text_layer`` records the verdict on each PDF page.

``acquire_text_cached`` keeps one JSON per file content at ``work/ocr/{sha256}.json``; an entry
written by another engine or pipeline version (``DocumentText.engine``) is ignored and rewritten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import numpy as np
from pydantic import ValidationError

from extractors import preprocess
from extractors.geometry import PageTransform
from extractors.loader import FileKind, SourceDocument, open_document
from extractors.ocr import PIPELINE_OCR_VERSION, OcrEngine, engine_name, get_engine
from extractors.pdf_text import PdfTextPage, pdf_text_pages
from extractors.spot_check import text_layer_agrees
from storage.base import ObjectStore, sha256_hex
from storage.layout import ocr_cache_key
from zcps.errors import ObjectNotFound
from zcps.models import DocumentText, Page, TextLayer, TextSource
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.acquire")

PDF_TEXT_ENGINE = f"pdfium-text+trust/1+{PIPELINE_OCR_VERSION}"


def upright_transform(cleaned: np.ndarray, polys: list[np.ndarray], scale: float,
                      upside_down: preprocess.UpsideDown) -> PageTransform:
    """Turn and deskew of a (scaled, cleaned) page, decided from detected quads before any recognition."""
    rotation = preprocess.detect_orientation(cleaned, polys, upside_down)
    scaled_h, scaled_w = cleaned.shape[:2]
    turned_polys = [preprocess.turn_points(poly, scaled_w, scaled_h, rotation) for poly in polys]
    skew = preprocess.estimate_skew(turned_polys)
    if not preprocess.worth_deskewing(skew, rotation):
        skew = 0.0
    return PageTransform.build((scaled_w, scaled_h), scale, rotation, round(skew, 2))


def ocr_page(image: np.ndarray, number: int, dpi: int, engine: OcrEngine) -> Page:
    """One stored-frame page image → an upright Page of OCR lines, recording every geometric step.

    The detector's probe (a shrunken copy, no recognition) decides the turn and the tilt; the page is
    then recognised once, already upright, so its line boxes are as tight as a fresh detection gives.
    """
    height, width = image.shape[:2]
    scale = preprocess.downscale_factor(width, height)
    scaled = PageTransform.for_stored(width, height, scale, 0, 0.0).apply(image)
    cleaned = preprocess.suppress_red_seals(preprocess.stretch_faint_page(scaled))
    transform = upright_transform(cleaned, engine.probe(cleaned), scale, engine.upside_down_probabilities)
    upright = transform.apply(cleaned) if transform.rotation or transform.deskew_angle else cleaned
    lines = engine.recognize(upright)
    upright_w, upright_h = transform.upright
    return Page(number=number, width=upright_w, height=upright_h, dpi=dpi, rotation=transform.rotation,
                deskew_angle=transform.deskew_angle, scale=scale, lines=lines)


def _ocr_document(source: SourceDocument, engine: OcrEngine) -> list[Page]:
    pages = []
    for index in range(source.page_count):
        started = time.perf_counter()
        page = ocr_page(source.page_image(index), index + 1, source.dpi, engine)
        # No file name: names and ID numbers are in them (the task's log fields say which file).
        log.debug("OCR page %d: %d lines, rotation %d, deskew %.2f, scale %.3f in %.2fs", index + 1, len(page.lines), page.rotation, page.deskew_angle, page.scale,
                  time.perf_counter() - started)
        pages.append(page)
    return pages


class _LazyEngine:
    """The OCR engine, loaded only when a page needs it (a trusted digital PDF without spot checks never does)."""

    def __init__(self, engine: OcrEngine | None, settings: Settings):
        self._engine, self._settings = engine, settings

    def get(self) -> OcrEngine:
        if self._engine is None:
            self._engine = get_engine(self._settings)
        return self._engine


def _pdf_page(source: SourceDocument, layer: PdfTextPage, engine: _LazyEngine, settings: Settings) -> Page:
    verdict = layer.text_layer
    image = None
    if verdict is TextLayer.trusted and settings.pdf_spot_check_lines:
        image = source.page_image(layer.number - 1)
        if not text_layer_agrees(image, layer.lines, engine.get(), settings.pdf_spot_check_lines):
            verdict = TextLayer.disagrees
    if verdict is TextLayer.trusted:
        return Page(number=layer.number, width=layer.width, height=layer.height, dpi=layer.dpi, lines=layer.lines,
                    text_layer=verdict)
    # No file name here: submitted names carry personal data; the document task logs the key's hash.
    log.info("PDF page %d: text layer %s (%d visible, %d invisible, %d turned chars, images cover %.0f%%); "
             "OCR'd from the rendered page", layer.number, verdict.value, layer.visible_chars,
             layer.invisible_chars, layer.turned_chars, 100 * layer.image_coverage)
    image = source.page_image(layer.number - 1) if image is None else image
    page = ocr_page(image, layer.number, source.dpi, engine.get())
    return page.model_copy(update={"text_layer": verdict})


def _pdf_document(source: SourceDocument, sha256: str, settings: Settings, engine: OcrEngine | None) -> DocumentText:
    lazy = _LazyEngine(engine, settings)
    pages = [_pdf_page(source, layer, lazy, settings)
             for layer in pdf_text_pages(source.data, source.dpi, source.filename)]
    if all(page.from_text_layer for page in pages):
        return DocumentText(sha256=sha256, source=TextSource.pdf_text, engine=PDF_TEXT_ENGINE, pages=pages)
    return DocumentText(sha256=sha256, source=TextSource.ocr, engine=lazy.get().name, pages=pages)


def acquire_text(data: bytes, filename: str, *, settings: Settings | None = None,
                 engine: OcrEngine | None = None) -> DocumentText:
    """Text with boxes for one file; raises the InputError subclasses of zcps.errors for bad files."""
    settings = settings or get_settings()
    source = open_document(data, filename, settings)
    sha256 = sha256_hex(data)
    if source.kind is FileKind.pdf:
        return _pdf_document(source, sha256, settings, engine)
    engine = engine or get_engine(settings)
    return DocumentText(sha256=sha256, source=TextSource.ocr, engine=engine.name,
                        pages=_ocr_document(source, engine))


def current_engine_names(engine: OcrEngine | None) -> set[str]:
    return {PDF_TEXT_ENGINE, engine.name if engine is not None else engine_name()}


def _cached(store: ObjectStore, key: str, sha256: str, engines: set[str]) -> DocumentText | None:
    try:
        cached = DocumentText.model_validate_json(store.get(key))
    except ObjectNotFound:
        return None
    except ValidationError:
        log.warning("OCR cache entry %s is unreadable; recomputing it", key)
        return None
    if cached.sha256 != sha256 or cached.engine not in engines:
        log.info("OCR cache entry %s is from %s; recomputing it", key, cached.engine)
        return None
    return cached


def acquire_text_cached(store: ObjectStore, data: bytes, filename: str, settings: Settings | None = None,
                        engine: OcrEngine | None = None,
                        ocr_slot: Callable[[], AbstractContextManager] = nullcontext) -> tuple[DocumentText, bool]:
    """``acquire_text`` through the ``work/ocr/{sha256}.json`` cache; returns (text, came from cache).

    ``ocr_slot()`` is entered only around a cache miss, so a cached file never waits for OCR capacity."""
    sha256 = sha256_hex(data)
    key = ocr_cache_key(sha256)
    cached = _cached(store, key, sha256, current_engine_names(engine))
    if cached is not None:
        return cached, True
    with ocr_slot():
        text = acquire_text(data, filename, settings=settings, engine=engine)
    store.put(key, text.model_dump_json().encode())
    return text, False
