"""The page frames and the maps between them (docs/contracts.md, "Coordinates").

The stored frame is the file's page as decoded (PDFs rendered at ``Page.dpi``). The upright frame is
what OCR saw, reached in three steps, each recorded on the ``Page``:

1. scale by ``Page.scale`` (very large scans are shrunk),
2. turn clockwise by ``Page.rotation`` (0/90/180/270),
3. rotate counter-clockwise by ``Page.deskew_angle`` degrees about the centre, on a canvas grown to
   hold the whole rotated page (no corner of the scan is cut off).

Boxes are ``(x0, y0, x1, y1)`` with edge coordinates; a mapped box is the axis-aligned hull of the
mapped corners, so a map and its inverse grow a box by at most the deskew's shear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from zcps.models import BBox, Page

QUARTER_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
WHITE = (255, 255, 255)


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(1, round(width * scale)), max(1, round(height * scale))


def turned_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    return (height, width) if rotation % 180 else (width, height)


def deskewed_size(width: int, height: int, angle: float) -> tuple[int, int]:
    if not angle:
        return width, height
    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    return round(width * cos + height * sin), round(width * sin + height * cos)


def _turn_matrix(width: int, height: int, rotation: int) -> np.ndarray:
    """Clockwise quarter turn of a ``width`` x ``height`` image, in edge coordinates."""
    return {0: np.eye(3),
            90: np.array([[0, -1, height], [1, 0, 0], [0, 0, 1]], dtype=float),
            180: np.array([[-1, 0, width], [0, -1, height], [0, 0, 1]], dtype=float),
            270: np.array([[0, 1, 0], [-1, 0, width], [0, 0, 1]], dtype=float)}[rotation % 360]


def _deskew_matrix(width: int, height: int, angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    out_w, out_h = deskewed_size(width, height, angle)
    rotate = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
    rotate[0, 2] += (out_w - width) / 2.0
    rotate[1, 2] += (out_h - height) / 2.0
    return np.vstack([rotate, [0, 0, 1]]), (out_w, out_h)


@dataclass(frozen=True)
class PageTransform:
    """Stored frame → upright frame, as one matrix plus the sizes of the intermediate images."""

    scale: float
    rotation: int
    deskew_angle: float
    scaled: tuple[int, int]
    turned: tuple[int, int]
    upright: tuple[int, int]
    matrix: np.ndarray

    @classmethod
    def build(cls, scaled: tuple[int, int], scale: float, rotation: int, deskew_angle: float) -> "PageTransform":
        """From the size after scaling (the first step), which pins every later size exactly."""
        rotation %= 360
        turned = turned_size(*scaled, rotation)
        deskew, upright = _deskew_matrix(*turned, deskew_angle)
        matrix = deskew @ _turn_matrix(*scaled, rotation) @ np.diag([scale, scale, 1.0])
        return cls(scale, rotation, deskew_angle, scaled, turned, upright, matrix)

    @classmethod
    def for_stored(cls, width: int, height: int, scale: float, rotation: int, deskew_angle: float) -> "PageTransform":
        return cls.build(scaled_size(width, height, scale), scale, rotation, deskew_angle)

    @classmethod
    def for_page(cls, page: Page) -> "PageTransform":
        """Rebuild the transform from a Page alone, solving the canvas growth of the deskew backwards."""
        turned = _undo_deskew_size(page.width, page.height, page.deskew_angle)
        scaled = turned_size(*turned, page.rotation)
        return cls.build(scaled, page.scale, page.rotation, page.deskew_angle)

    @property
    def stored_size(self) -> tuple[float, float]:
        return self.scaled[0] / self.scale, self.scaled[1] / self.scale

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The upright image: the same three steps, in order, on pixels."""
        height, width = image.shape[:2]
        if self.scaled != (width, height):
            interpolation = cv2.INTER_AREA if self.scale < 1 else cv2.INTER_CUBIC
            image = cv2.resize(image, self.scaled, interpolation=interpolation)
        if self.rotation:
            image = cv2.rotate(image, QUARTER_TURNS[self.rotation])
        if self.deskew_angle:
            deskew, size = _deskew_matrix(*self.turned, self.deskew_angle)
            border = WHITE[: image.shape[2]] if image.ndim == 3 else 255
            image = cv2.warpAffine(image, deskew[:2], size, flags=cv2.INTER_CUBIC,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=border)
        return image


def _undo_deskew_size(width: int, height: int, angle: float) -> tuple[int, int]:
    if not angle:
        return width, height
    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    inner_w, inner_h = np.linalg.solve(np.array([[cos, sin], [sin, cos]]), np.array([width, height], dtype=float))
    return round(inner_w), round(inner_h)


def map_box(bbox: BBox, matrix: np.ndarray, size: tuple[float, float]) -> BBox:
    x0, y0, x1, y1 = bbox
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=float).T
    xs, ys, _ = matrix @ corners
    width, height = size
    return (float(np.clip(xs.min(), 0, width)), float(np.clip(ys.min(), 0, height)),
            float(np.clip(xs.max(), 0, width)), float(np.clip(ys.max(), 0, height)))


def to_stored(bbox: BBox, page: Page) -> BBox:
    """A box from the upright (OCR) frame to the stored file's frame."""
    transform = PageTransform.for_page(page)
    return map_box(bbox, np.linalg.inv(transform.matrix), transform.stored_size)


def to_upright(bbox: BBox, page: Page) -> BBox:
    """A box from the stored file's frame to the upright (OCR) frame."""
    transform = PageTransform.for_page(page)
    return map_box(bbox, transform.matrix, (page.width, page.height))


def page_image(data: bytes, filename: str, page: Page) -> np.ndarray:
    """The page as OCR saw it geometrically (upright, deskewed, scaled), in its original colours.

    Contrast and seal clean-up are not replayed: masking and report crops show the real scan.
    """
    from extractors.loader import FileKind, decode_image_frame, render_pdf_page, sniff_kind

    index = page.number - 1
    if sniff_kind(data, filename) is FileKind.pdf:
        image = render_pdf_page(data, index, page.dpi, filename)
    else:
        image = decode_image_frame(data, index, filename)
    if page.rotation == 0 and not page.deskew_angle and page.scale == 1.0:
        return image
    height, width = image.shape[:2]
    return PageTransform.for_stored(width, height, page.scale, page.rotation, page.deskew_angle).apply(image)
