"""Pages rendered with PIL for the preprocessing and OCR tests: certificate lines, a red seal over the date."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors import preprocess
from zcps.resources import font_path

PAGE_LINES = ("专业技术资格证书", "姓名：王建国", "身份证号：150102198503152317", "资格名称：工程师",
              "取得时间：2019年12月28日", "审批机关：内蒙古人力资源和社会保障厅")
DATE_LINE = 4
LINE_PITCH, LINE_TOP, LEFT, FONT_PX = 120, 100, 100, 40


def render_page(lines=PAGE_LINES, size=(1400, 1000), ink=(20, 20, 20), paper=(255, 255, 255)) -> Image.Image:
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(font_path("hei")), FONT_PX)
    for index, text in enumerate(lines):
        draw.text((LEFT, LINE_TOP + index * LINE_PITCH), text, font=face, fill=ink)
    return image


def line_box(index: int, text: str) -> tuple[float, float, float, float]:
    face = ImageFont.truetype(str(font_path("hei")), FONT_PX)
    return tuple(float(v) for v in ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        (LEFT, LINE_TOP + index * LINE_PITCH), text, font=face))


def red_seal(radius: int = 150) -> Image.Image:
    """A red round seal (ring, arc legend, star) as RGBA, multiplied onto pages like real ink."""
    size = 2 * radius + 4
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = (215, 30, 35, 210)
    draw.ellipse((2, 2, size - 3, size - 3), outline=colour, width=max(3, radius // 18))
    face = ImageFont.truetype(str(font_path("hei")), int(radius * 0.24))
    legend = "内蒙古自治区职称改革领导小组"
    for i, ch in enumerate(legend):
        angle = math.radians(-120 + 240 * (i + 0.5) / len(legend))
        r = radius * 0.72
        draw.text((size / 2 + r * math.sin(angle), size / 2 - r * math.cos(angle)), ch, font=face, fill=colour,
                  anchor="mm")
    star = [(size / 2 + radius * 0.28 * (1 if k % 2 == 0 else 0.4) * math.sin(math.radians(k * 36)),
             size / 2 - radius * 0.28 * (1 if k % 2 == 0 else 0.4) * math.cos(math.radians(k * 36))) for k in range(10)]
    draw.polygon(star, fill=colour)
    return layer


def stamp(page: Image.Image, overlay: Image.Image, centre: tuple[int, int]) -> Image.Image:
    x, y = centre[0] - overlay.width // 2, centre[1] - overlay.height // 2
    base = np.asarray(page, dtype=np.float32).copy()
    region = base[y:y + overlay.height, x:x + overlay.width]
    rgba = np.asarray(overlay, dtype=np.float32)
    alpha = rgba[..., 3:4] / 255.0
    region[:] = region * (1 - alpha) + region * rgba[..., :3] / 255.0 * alpha
    return Image.fromarray(base.astype(np.uint8))


def to_bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def seal_over_date() -> tuple[np.ndarray, np.ndarray]:
    """(page with a seal over the date line, the same page without it)."""
    clean = render_page()
    x0, y0, x1, y1 = line_box(DATE_LINE, PAGE_LINES[DATE_LINE])
    sealed = stamp(clean, red_seal(), (int(x1 - 60), int((y0 + y1) / 2)))
    return to_bgr(sealed), to_bgr(clean)


def red_pixel_count(image: np.ndarray) -> int:
    return int(np.count_nonzero(preprocess.red_mask(image)))
