"""OCR engine settings: what the detector and recogniser run with, and the fixed detector canvases.

One ``OcrOptions`` describes one engine. ``from_settings`` reads the ``ZCPS_OCR_*`` settings;
``parse_candidate`` reads the compact form ``zcps bench ocr --candidate`` takes
(``det=max1280,rec_batch=8,threads=2,opt=all,int8=rec``), so the benchmark and the worker build
engines the same way.

Bounded memory: ONNX Runtime's CPU arena keeps every block it ever handed out, and the detector
takes each page at its own size, so every new page size can grow it. Pages are therefore padded
(white, right and bottom, which leaves every coordinate as it is) to a canvas whose sides are
multiples of ``bucket`` pixels: a handful of shapes for a whole batch instead of one per scan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from zcps.errors import ConfigError
from zcps.settings import Settings

GraphLevel = Literal["disabled", "basic", "extended", "all"]
Quantised = Literal["none", "det", "rec", "both"]
# onnxruntime.GraphOptimizationLevel values, by the names its documentation uses.
GRAPH_LEVELS: dict[str, int] = {"disabled": 0, "basic": 1, "extended": 2, "all": 99}
QUANTISED = ("none", "det", "rec", "both")
LIMIT_TYPES = ("min", "max")


@dataclass(frozen=True)
class OcrOptions:
    # paddlex's DetResizeForTest: "min" scales a page up until its short side reaches the limit
    # (min64, paddlex's default: every scan at its own resolution); "max" scales it down until its
    # long side fits. max800 + batches of 12 lines: 1.67x the pages/s of min64 + 6 in one
    # `zcps bench ocr` run, with the same CER and dates/grades/CE hours (docs/benchmarks.md).
    det_limit_type: Literal["min", "max"] = "max"
    det_limit_side_len: int = 960
    rec_batch_size: int = 12
    intra_threads: int = 1
    inter_threads: int = 1
    graph_level: GraphLevel = "all"
    mem_arena: bool = True
    # Off: the recogniser's batch width changes with nearly every batch, and a memory pattern is
    # planned and kept per input shape; off read the same text faster with less memory (same run).
    mem_pattern: bool = False
    bucket: int = 128  # detector canvas step in pixels; 0 gives each page its own size
    # Long side of the detector-only pass that decides orientation and skew before recognition: on
    # the 14 turned-first sample scans 640 decides as 960 does (rotation 14/14, the same deskews to
    # 0.2°) at 0.22 instead of 0.56 CPU s per page; 480 misses a 2° deskew.
    probe_long_side: int = 640
    quantised: Quantised = "none"

    def __post_init__(self) -> None:
        problems = []
        if self.det_limit_type not in LIMIT_TYPES:
            problems.append(f"det_limit_type {self.det_limit_type!r} is not one of {', '.join(LIMIT_TYPES)}")
        if self.graph_level not in GRAPH_LEVELS:
            problems.append(f"graph_level {self.graph_level!r} is not one of {', '.join(GRAPH_LEVELS)}")
        if self.quantised not in QUANTISED:
            problems.append(f"quantised {self.quantised!r} is not one of {', '.join(QUANTISED)}")
        for name in ("det_limit_side_len", "rec_batch_size", "intra_threads", "inter_threads", "probe_long_side"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if self.bucket < 0 or self.bucket % 32:
            problems.append("bucket must be 0 or a multiple of 32 (the detector's stride)")
        if problems:
            raise ConfigError("bad OCR engine settings: " + "; ".join(problems),
                              hint="Fix the ZCPS_OCR_* settings (docs/benchmarks.md lists the measured ones).")

    @classmethod
    def from_settings(cls, settings: Settings) -> "OcrOptions":
        return cls(det_limit_type=settings.ocr_det_limit_type, det_limit_side_len=settings.ocr_det_limit_side_len,
                   rec_batch_size=settings.ocr_rec_batch_size, intra_threads=settings.ocr_threads,
                   inter_threads=settings.ocr_inter_threads, graph_level=settings.ocr_graph_level,
                   mem_arena=settings.ocr_mem_arena, mem_pattern=settings.ocr_mem_pattern,
                   bucket=settings.ocr_bucket, probe_long_side=settings.ocr_probe_long_side,
                   quantised=settings.ocr_quantised)

    def engine_config(self) -> dict:
        """paddlex's onnxruntime runner config (its ``ONNXRuntimeRunnerConfig`` fields)."""
        return {"intra_op_num_threads": self.intra_threads, "inter_op_num_threads": self.inter_threads,
                "graph_optimization_level": GRAPH_LEVELS[self.graph_level],
                "enable_cpu_mem_arena": self.mem_arena, "enable_mem_pattern": self.mem_pattern}

    def output_tag(self) -> str:
        """The settings that can change what is read, for the OCR cache's engine name."""
        return (f"det-{self.det_limit_type}{self.det_limit_side_len}+rec{self.rec_batch_size}"
                f"+bucket{self.bucket}+probe{self.probe_long_side}+int8-{self.quantised}")

    def label(self) -> str:
        """The compact form ``parse_candidate`` reads back."""
        return (f"det={self.det_limit_type}{self.det_limit_side_len},rec_batch={self.rec_batch_size},"
                f"threads={self.intra_threads},inter={self.inter_threads},opt={self.graph_level},"
                f"arena={'on' if self.mem_arena else 'off'},pattern={'on' if self.mem_pattern else 'off'},"
                f"bucket={self.bucket},probe={self.probe_long_side},int8={self.quantised}")


def _switch(value: str) -> bool:
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not on/off")


def _det(value: str) -> dict:
    kind, digits = value[:3], value[3:]
    if kind not in LIMIT_TYPES or not digits.isdigit():
        raise ValueError(f"{value!r} is not min<N> or max<N>")
    return {"det_limit_type": kind, "det_limit_side_len": int(digits)}


CANDIDATE_KEYS = {
    "det": _det,
    "rec_batch": lambda v: {"rec_batch_size": int(v)},
    "threads": lambda v: {"intra_threads": int(v)},
    "inter": lambda v: {"inter_threads": int(v)},
    "opt": lambda v: {"graph_level": v},
    "arena": lambda v: {"mem_arena": _switch(v)},
    "pattern": lambda v: {"mem_pattern": _switch(v)},
    "bucket": lambda v: {"bucket": int(v)},
    "probe": lambda v: {"probe_long_side": int(v)},
    "int8": lambda v: {"quantised": v},
}


def parse_candidate(text: str, base: OcrOptions) -> OcrOptions:
    """``base`` with the ``key=value`` pairs of ``text`` applied; ConfigError naming the bad part."""
    changes: dict = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in CANDIDATE_KEYS:
            raise ConfigError(f"bad OCR candidate part {part!r}",
                              hint=f"Use key=value pairs with keys {', '.join(CANDIDATE_KEYS)}.")
        try:
            changes.update(CANDIDATE_KEYS[key](value.strip().lower()))
        except ValueError as exc:
            raise ConfigError(f"bad OCR candidate part {part!r}: {exc}",
                              hint="det takes min<N>/max<N>; arena/pattern take on/off; the rest integers or names.") from exc
    return replace(base, **changes)


def bucket_canvas(width: int, height: int, bucket: int) -> tuple[int, int]:
    """The fixed canvas a ``width`` x ``height`` page is padded to: each side rounded up to ``bucket``."""
    if bucket <= 0:
        return width, height
    return math.ceil(width / bucket) * bucket, math.ceil(height / bucket) * bucket


def probe_factor(width: int, height: int, long_side: int) -> float:
    """The factor that shrinks a page for the detector-only orientation pass (never enlarges it)."""
    return min(1.0, long_side / max(width, height, 1))
