"""Measure what each preprocessing step buys: CER and date hits on rendered, degraded certificate pages.

Run by ``zcps bench preprocess [--pages 3] [--variant clean ...]`` (needs `zcps models install`), or
``zcps bench preprocess --fixtures fixtures/sample --docs 12`` to read the committed sample batch
against its truth instead.

Each page is drawn with PIL (name, ID number, dates), degraded one way at a time, and read through
``extractors.acquire.ocr_page`` with every step on, then with one step switched off, and with none.
CER is the Levenshtein distance between the drawn text and the OCR text (whitespace removed, lines
in reading order) over the drawn length; a date hit is the exact date string found in the OCR text. On fixtures, where reading order may
differ, each truth line is aligned to its best-matching stretch of the OCR text instead.
"""

from __future__ import annotations

import math
import random
import time
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from benchmarks.fixture_truth import truth_files
from extractors import preprocess
from extractors.acquire import acquire_text, ocr_page
from extractors.ocr import get_engine
from zcps.resources import font_path

SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴", "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超"


def page_lines(rng: random.Random) -> tuple[list[str], list[str]]:
    year, month, day = rng.randint(2005, 2023), rng.randint(1, 12), rng.randint(1, 28)
    dates = [f"{year}年{month}月{day}日", f"{rng.randint(2015, 2024)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}"]
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
    id_number = f"1501021985{rng.randint(1, 12):02d}{rng.randint(10, 28)}{rng.randint(1000, 9999)}"
    lines = ["专业技术资格证书", f"姓名：{name}", f"身份证号：{id_number}", "资格名称：工程师",
             f"取得时间：{dates[0]}", f"审验日期：{dates[1]}", "审批机关：内蒙古人力资源和社会保障厅"]
    return lines, dates


def render(lines: list[str]) -> tuple[np.ndarray, tuple[int, int]]:
    image = Image.new("RGB", (1654, 1169), "white")
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(font_path("song")), 46)
    for index, text in enumerate(lines):
        draw.text((160, 120 + index * 130), text, font=face, fill=(25, 25, 25))
    date_box = draw.textbbox((160, 120 + 4 * 130), lines[4], font=face)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1]), (date_box[2] - 80, (date_box[1] + date_box[3]) // 2)


def seal(image: np.ndarray, centre: tuple[int, int], radius: int = 170) -> np.ndarray:
    layer = Image.new("RGBA", (2 * radius + 4,) * 2, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = (215, 30, 35, 210)
    draw.ellipse((2, 2, 2 * radius + 1, 2 * radius + 1), outline=colour, width=radius // 16)
    face = ImageFont.truetype(str(font_path("hei")), int(radius * 0.24))
    for i, ch in enumerate("内蒙古自治区职称改革领导小组"):
        angle = math.radians(-120 + 240 * (i + 0.5) / 14)
        draw.text((radius + 2 + 0.72 * radius * math.sin(angle), radius + 2 - 0.72 * radius * math.cos(angle)), ch,
                  font=face, fill=colour, anchor="mm")
    rgba = np.asarray(layer, dtype=np.float32)[:, :, [2, 1, 0, 3]]
    x, y = centre[0] - radius, centre[1] - radius
    region = image[y:y + rgba.shape[0], x:x + rgba.shape[1]].astype(np.float32)
    alpha = rgba[..., 3:4] / 255.0
    out = image.copy()
    out[y:y + rgba.shape[0], x:x + rgba.shape[1]] = (region * (1 - alpha) + region * rgba[..., :3] / 255 * alpha).astype(np.uint8)
    return out


def tilt(image: np.ndarray, degrees: float) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderValue=(255, 255, 255))


def fax(image: np.ndarray) -> np.ndarray:
    grey = image.astype(np.float32).mean(axis=2, keepdims=True)
    noisy = 150 + (grey - 128) * 0.45 + np.random.default_rng(1).normal(0, 6, grey.shape)
    return cv2.GaussianBlur(np.clip(np.repeat(noisy, 3, axis=2), 0, 255).astype(np.uint8), (3, 3), 0)


def uneven(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.6 * np.clip(1 - np.hypot(xx - width, yy - height) / (0.8 * width), 0, 1)
    return np.clip(image.astype(np.float32) * light[..., None], 0, 255).astype(np.uint8)


VARIANTS = {
    "clean": lambda page, spot: page,
    "seal_over_date": lambda page, spot: seal(page, spot),
    "rotated90_skew2": lambda page, spot: cv2.rotate(tilt(page, 2.0), cv2.ROTATE_90_COUNTERCLOCKWISE),
    "rotated180_skew-3": lambda page, spot: cv2.rotate(tilt(page, -3.0), cv2.ROTATE_180),
    "fax_faint": lambda page, spot: fax(page),
    "uneven_light": lambda page, spot: uneven(page),
    "seal+uneven+skew4": lambda page, spot: tilt(uneven(seal(page, spot)), 4.0),
}


def identity(image, *args, **kwargs):
    return image


CONFIGS = {
    "all steps": {},
    "no seal step": {"suppress_red_seals": identity},
    "no orientation/deskew": {"detect_orientation": lambda *a: 0, "estimate_skew": lambda polys: 0.0},
    "nothing": {"suppress_red_seals": identity, "detect_orientation": lambda *a: 0,
                "estimate_skew": lambda polys: 0.0},
}


def squash(text: str) -> str:
    return "".join(text.split())


def aligned_errors(truth_line: str, seen: str) -> int:
    """Edit distance from a truth line to the stretch of OCR text it best aligns with."""
    if not seen:
        return len(truth_line)
    match = fuzz.partial_ratio_alignment(truth_line, seen)
    return Levenshtein.distance(truth_line, seen[match.dest_start:match.dest_end])


def fixture_docs(root: Path, limit: int) -> list[tuple[Path, dict]]:
    """Image documents of the sample batch with their truth, turned pages first so they are always in."""
    docs = []
    for truth_file in truth_files(root):
        truth = truth_file.read()
        data_path = root / "intake" / truth_file.unit / truth_file.applicant / truth["file"]
        if truth.get("bad_file") or data_path.suffix.lower() == ".pdf" or not data_path.is_file():
            continue
        docs.append((data_path, truth))
    docs.sort(key=lambda item: -max(page["rotation"] for page in item[1]["pages"]))
    return docs[:limit]


class StepScore(BaseModel):
    """One configuration's totals on one set of pages: edit errors over truth length, dates found, time."""

    errors: int = 0
    length: int = 0
    hits: int = 0
    dates: int = 0
    rotation_right: int = 0
    seconds: float = 0.0

    @property
    def cer(self) -> float:
        return self.errors / max(self.length, 1)


class RenderedPreprocessBench(BaseModel):
    """CER, date hits and seconds per page for each degradation (row) under each configuration (column)."""

    pages: int
    scores: dict[str, dict[str, StepScore]]  # variant → configuration → score

    def table(self) -> str:
        configs = list(next(iter(self.scores.values())))
        lines = [f"{'variant':<20}" + "".join(f"{name:>24}" for name in configs)]
        for variant, row in self.scores.items():
            lines.append(f"{variant:<20}" + "".join(
                f"{s.cer:>9.3f} {s.hits:>2}/{s.dates} {s.seconds / self.pages:>6.2f}s   " for s in row.values()))
        totals = {config: StepScore() for config in configs}
        for row in self.scores.values():
            for config, score in row.items():
                for name in ("errors", "length", "hits", "dates", "seconds"):
                    setattr(totals[config], name, getattr(totals[config], name) + getattr(score, name))
        lines.append(f"{'TOTAL':<20}" + "".join(
            f"{t.cer:>9.3f} {t.hits:>3}/{t.dates}{t.seconds / self.pages / len(self.scores):>6.2f}s  "
            for t in totals.values()))
        lines.append("columns: CER, date hits, seconds per page")
        return "\n".join(lines)


class FixturePreprocessBench(BaseModel):
    """The same configurations on committed sample documents, scored against their truth."""

    documents: list[str]
    scores: dict[str, StepScore]  # configuration → score over all documents

    def table(self) -> str:
        count = max(len(self.documents), 1)
        lines = [f"{len(self.documents)} sample documents: {', '.join(self.documents)}"]
        lines.extend(f"{config:<22} CER {s.cer:.3f}  date hits {s.hits}/{s.dates}  rotation right "
                     f"{s.rotation_right}/{len(self.documents)}  {s.seconds / count:.2f}s/doc"
                     for config, s in self.scores.items())
        return "\n".join(lines)


def _steps_switched_off(stack: ExitStack, config: str) -> None:
    for name, replacement in CONFIGS[config].items():
        stack.enter_context(mock.patch.object(preprocess, name, replacement))


def run_fixture_preprocess_bench(root: Path | str, limit: int = 12) -> FixturePreprocessBench:
    """Every configuration on the first ``limit`` image documents of a fixture batch (turned pages first)."""
    engine = get_engine()
    docs = fixture_docs(Path(root), limit)
    scores = {}
    for config in CONFIGS:
        score = StepScore()
        started = time.perf_counter()
        with ExitStack() as stack:
            _steps_switched_off(stack, config)
            for path, truth in docs:
                text = acquire_text(path.read_bytes(), path.name, engine=engine)
                seen = squash(text.text)
                for line in truth["lines"]:
                    score.errors += aligned_errors(squash(line["text"]), seen)
                    score.length += len(squash(line["text"]))
                score.hits += sum(squash(date["raw"]) in seen for date in truth["dates"])
                score.dates += len(truth["dates"])
                score.rotation_right += all(page.rotation == want["rotation"]
                                            for page, want in zip(text.pages, truth["pages"]))
        score.seconds = time.perf_counter() - started
        scores[config] = score
    return FixturePreprocessBench(documents=[path.name for path, _ in docs], scores=scores)


def run_preprocess_bench(pages: int = 3, variants: list[str] | None = None) -> RenderedPreprocessBench:
    """Every configuration on ``pages`` drawn certificates, degraded by each of ``variants`` (default all)."""
    engine = get_engine()
    drawn = [page_lines(random.Random(seed)) for seed in range(pages)]
    rendered = [render(lines) for lines, _ in drawn]
    scores: dict[str, dict[str, StepScore]] = {}
    for variant in variants or list(VARIANTS):
        degrade = VARIANTS[variant]
        scores[variant] = {}
        for config in CONFIGS:
            score = StepScore()
            started = time.perf_counter()
            with ExitStack() as stack:
                _steps_switched_off(stack, config)
                for (lines, dates), (image, spot) in zip(drawn, rendered):
                    page = ocr_page(degrade(image, spot), 1, 200, engine)
                    truth, seen = squash("".join(lines)), squash(page.text)
                    score.errors += Levenshtein.distance(truth, seen)
                    score.length += len(truth)
                    score.hits += sum(date in seen for date in dates)
                    score.dates += len(dates)
            score.seconds = time.perf_counter() - started
            scores[variant][config] = score
    return RenderedPreprocessBench(pages=pages, scores=scores)
