"""PaddleOCR (onnxruntime engine, PP-OCRv6 small) behind a lazy per-process singleton.

The models load once per worker process, on first use; ``get_engine`` is safe to call from several
threads, and calls into the engine are serialised because the paddlex pipeline keeps per-call state.
``OcrEngine.probe`` runs the detector alone on a shrunken copy of the page: its quads say which way
the page is turned and how far it is tilted, so ``extractors.acquire.ocr_page`` recognises once, on
the upright page. Every detector input is padded to a fixed canvas (``ocr_options.bucket_canvas``).
The text-line orientation classifier (0° vs 180°) runs directly on onnxruntime: it is a tiny model
with a fixed input, and paddlex has no pipeline slot for this older export.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from extractors.models_install import ModelPaths, ensure_models
from extractors.models_int8 import paths_for
from extractors.ocr_options import OcrOptions, bucket_canvas, probe_factor
from zcps.models import TextLine, Word
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.ocr")

# Part of every cache entry's engine name: bump it when preprocessing or line building changes results.
PIPELINE_OCR_VERSION = "zcps-ocr/3"  # 3: faint pages stretched before OCR
CLS_HEIGHT, CLS_WIDTH = 48, 192


@dataclass
class OcrResult:
    lines: list[TextLine]
    polys: list[np.ndarray] = field(default_factory=list)  # every detected text quad, (4, 2) float


@lru_cache(maxsize=1)
def _library_versions() -> str:
    return "+".join(f"{dist}-{importlib.metadata.version(dist)}" for dist in ("paddleocr", "paddlex", "onnxruntime"))


def engine_name(options: OcrOptions | None = None) -> str:
    """The OCR cache's engine name, part of every result's pipeline version: library versions, the
    settings that change output, this code's version."""
    options = options or OcrOptions.from_settings(get_settings())
    return f"{_library_versions()}+PP-OCRv6_small+{options.output_tag()}+{PIPELINE_OCR_VERSION}"


class _DemoteToDebug(logging.Filter):
    """paddlex logs model creation at INFO with its own colour handler; keep that off the console.

    INFO and below are re-logged at DEBUG on ``zcps.ocr.paddlex`` (so they obey that logger's level);
    warnings and errors pass through unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        log.getChild("paddlex").debug("%s", record.getMessage())
        return False


def _quiet_paddlex() -> None:
    paddlex_log = logging.getLogger("paddlex")
    for handler in list(paddlex_log.handlers):
        paddlex_log.removeHandler(handler)
    paddlex_log.propagate = True
    if not any(isinstance(f, _DemoteToDebug) for f in paddlex_log.filters):
        paddlex_log.addFilter(_DemoteToDebug())


def _words(texts: list[str], boxes: list) -> list[Word]:
    return [Word(text=text, bbox=tuple(float(v) for v in box)) for text, box in zip(texts, boxes) if text.strip()]


def lines_from_result(res: dict) -> list[TextLine]:
    """TextLines from a paddlex OCR result's ``res`` dict (rec_texts/rec_scores/rec_boxes/text_word*)."""
    words = res.get("text_word") or [[] for _ in res["rec_texts"]]
    word_boxes = res.get("text_word_boxes") or [[] for _ in res["rec_texts"]]
    lines = []
    for text, score, box, line_words, line_word_boxes in zip(res["rec_texts"], res["rec_scores"], res["rec_boxes"],
                                                             words, word_boxes):
        if not text.strip():
            continue
        lines.append(TextLine(text=text, bbox=tuple(float(v) for v in box), score=float(score),
                              words=_words(line_words, line_word_boxes)))
    return lines


def pad_to_canvas(image_bgr: np.ndarray, bucket: int) -> np.ndarray:
    """The page on its fixed white canvas, anchored top-left so coordinates do not move."""
    height, width = image_bgr.shape[:2]
    canvas_w, canvas_h = bucket_canvas(width, height, bucket)
    if (canvas_w, canvas_h) == (width, height):
        return np.ascontiguousarray(image_bgr)
    return cv2.copyMakeBorder(image_bgr, 0, canvas_h - height, 0, canvas_w - width, cv2.BORDER_CONSTANT,
                              value=(255, 255, 255))


def _clip_lines(lines: list[TextLine], width: int, height: int) -> list[TextLine]:
    """Boxes of lines on the padded canvas, held to the page (DB unclipping can reach into the margin)."""
    def clip(box) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = box
        return (min(max(x0, 0.0), width), min(max(y0, 0.0), height), min(max(x1, 0.0), width),
                min(max(y1, 0.0), height))
    return [line.model_copy(update={"bbox": clip(line.bbox),
                                    "words": [word.model_copy(update={"bbox": clip(word.bbox)}) for word in line.words]})
            for line in lines]


def _classifier_input(crop: np.ndarray) -> np.ndarray:
    height, width = crop.shape[:2]
    resized_w = min(CLS_WIDTH, max(1, math.ceil(CLS_HEIGHT * width / max(height, 1))))
    resized = cv2.resize(crop, (resized_w, CLS_HEIGHT)).astype(np.float32)
    normalised = (resized / 255.0 - 0.5) / 0.5
    padded = np.zeros((CLS_HEIGHT, CLS_WIDTH, 3), dtype=np.float32)
    padded[:, :resized_w] = normalised
    return padded.transpose(2, 0, 1)


class OcrEngine:
    """One loaded detector + recogniser pipeline and the line-orientation classifier."""

    def __init__(self, paths: ModelPaths, options: OcrOptions):
        os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
        from paddleocr import PaddleOCR
        import onnxruntime

        _quiet_paddlex()
        self.options = options
        self.name = engine_name(options)
        self._lock = threading.Lock()
        self._pipeline = PaddleOCR(
            text_detection_model_name=paths.det_model_name, text_detection_model_dir=str(paths.det_dir),
            text_recognition_model_name=paths.rec_model_name, text_recognition_model_dir=str(paths.rec_dir),
            use_doc_orientation_classify=False, use_doc_unwarping=False, use_textline_orientation=False,
            text_det_limit_type=options.det_limit_type, text_det_limit_side_len=options.det_limit_side_len,
            text_recognition_batch_size=options.rec_batch_size,
            engine="onnxruntime", device="cpu", return_word_box=True, engine_config=options.engine_config())
        # paddlex 3 keeps the pipeline's detector and recogniser here; reused alone (the orientation
        # probe, crops that hold one line each), so each model is loaded once.
        self._detector = self._pipeline.paddlex_pipeline._pipeline.text_det_model
        self._recognizer = self._pipeline.paddlex_pipeline._pipeline.text_rec_model
        session_options = onnxruntime.SessionOptions()
        session_options.intra_op_num_threads = options.intra_threads
        session_options.inter_op_num_threads = options.inter_threads
        self._classifier = onnxruntime.InferenceSession(str(paths.cls_file), session_options,
                                                        providers=["CPUExecutionProvider"])

    def read(self, image_bgr: np.ndarray) -> OcrResult:
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        height, width = image_bgr.shape[:2]
        with self._lock:
            results = list(self._pipeline.predict(pad_to_canvas(image_bgr, self.options.bucket)))
        res = results[0].json["res"]
        polys = [np.asarray(poly, dtype=float).reshape(-1, 2) for poly in res.get("dt_polys", [])]
        return OcrResult(lines=_clip_lines(lines_from_result(res), width, height), polys=[p for p in polys if len(p) == 4])

    def probe(self, image_bgr: np.ndarray) -> list[np.ndarray]:
        """Text quads (page coordinates) from the detector alone on a copy shrunk to ``probe_long_side``."""
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        height, width = image_bgr.shape[:2]
        factor = probe_factor(width, height, self.options.probe_long_side)
        small = image_bgr if factor == 1.0 else cv2.resize(
            image_bgr, (max(1, round(width * factor)), max(1, round(height * factor))), interpolation=cv2.INTER_AREA)
        with self._lock:
            (result,) = list(self._detector([pad_to_canvas(small, self.options.bucket)]))
        polys = [np.asarray(poly, dtype=float).reshape(-1, 2) / factor for poly in result["dt_polys"]]
        return [poly for poly in polys if len(poly) == 4]

    def recognize(self, image_bgr: np.ndarray) -> list[TextLine]:
        return self.read(image_bgr).lines

    def recognize_lines(self, crops_bgr: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and score of crops that each hold one line: the recogniser alone, no detection."""
        if not crops_bgr:
            return []
        with self._lock:
            results = list(self._recognizer([np.ascontiguousarray(crop) for crop in crops_bgr]))
        return [(str(result["rec_text"]), float(result["rec_score"])) for result in results]

    def upside_down_probabilities(self, crops: list[np.ndarray]) -> list[float]:
        """For horizontal text-line crops (BGR), the probability each one is upside down."""
        if not crops:
            return []
        batch = np.stack([_classifier_input(crop) for crop in crops])
        with self._lock:
            (probabilities,) = self._classifier.run(None, {self._classifier.get_inputs()[0].name: batch})
        return [float(row[1]) for row in probabilities]


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine(settings: Settings | None = None) -> OcrEngine:
    """The process's engine, created on first call; ModelsMissing when `zcps models install` never ran."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                settings = settings or get_settings()
                _engine = build_engine(settings.model_dir, OcrOptions.from_settings(settings))
                # INFO, once per process: the cluster test counts these lines in each worker's log.
                log.info("OCR models loaded in process %d", os.getpid())
    return _engine


def build_engine(model_dir: Path, options: OcrOptions) -> OcrEngine:
    """A new engine (the worker uses ``get_engine``; ``zcps bench ocr`` builds one per candidate)."""
    paths = paths_for(ensure_models(model_dir), model_dir, options.quantised)
    log.debug("loading OCR models from %s (%s)", model_dir, options.label())
    return OcrEngine(paths, options)
