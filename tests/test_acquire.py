"""File loading, the digital-PDF text path, the OCR cache and the page geometry (no OCR models needed)."""

from __future__ import annotations

import io
import json
import math
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image
from rapidfuzz import fuzz
from reportlab.lib import pdfencrypt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from extractors.acquire import PDF_TEXT_ENGINE, acquire_text, acquire_text_cached
from extractors.geometry import PageTransform, page_image, to_stored, to_upright
from extractors.loader import FileKind, open_document, sniff_kind
from storage.layout import ocr_cache_key
from storage.local import LocalStore
from zcps.errors import ZcpsError
from zcps.models import DocumentText, Page, TextSource
from zcps.resources import font_path
from zcps.settings import Settings

A4_POINTS = (595, 842)
PDF_LINES = ((72, 760, "毕业时间：2012年7月1日"), (72, 700, "身份证号：150102198503152317"), (300, 640, "学历：本科"))


def digital_pdf(pages: int = 1, password: str | None = None, lines=PDF_LINES) -> bytes:
    if "zenhei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("zenhei", str(font_path("hei")), subfontIndex=0))
    buffer = io.BytesIO()
    encrypt = pdfencrypt.StandardEncryption(password, canPrint=0) if password else None
    pdf = canvas.Canvas(buffer, pagesize=A4_POINTS, encrypt=encrypt)
    for _ in range(pages):
        pdf.setFont("zenhei", 14)
        for x, y, text in lines:
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_bytes(fmt: str, size=(300, 200), frames: int = 1) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("RGB", size, (255, 255, 255 - 20 * i)) for i in range(frames)]
    images[0].save(buffer, format=fmt, save_all=frames > 1, append_images=images[1:])
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``: the limit must trip before any decoding."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


SMALL_LIMITS = Settings(max_pages=2, max_image_pixels=1_000_000, max_file_bytes=5_000_000, render_dpi=72)


@pytest.mark.parametrize("make, filename, code", [
    (lambda: b"", "empty.pdf", "E_EMPTY_FILE"),
    (lambda: "这不是图片，是一个文本文件\n".encode(), "scan.jpg", "E_UNSUPPORTED_TYPE"),
    (lambda: b"GIF89a" + b"\x00" * 64, "scan.gif", "E_UNSUPPORTED_TYPE"),
    (lambda: digital_pdf()[:400], "cut.pdf", "E_CORRUPT_FILE"),
    (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, "junk.pdf", "E_CORRUPT_FILE"),
    (lambda: image_bytes("JPEG", (800, 600))[:600], "cut.jpg", "E_CORRUPT_FILE"),
    (lambda: image_bytes("PNG")[:60], "cut.png", "E_CORRUPT_FILE"),
    (lambda: digital_pdf(password="secret"), "locked.pdf", "E_ENCRYPTED_PDF"),
    (lambda: png_header_only(1001, 1000), "huge.png", "E_LIMIT"),
    (lambda: digital_pdf(pages=3), "long.pdf", "E_LIMIT"),
    (lambda: image_bytes("TIFF", frames=3), "long.tif", "E_LIMIT"),
    (lambda: b"%PDF-1.7\n" + b"0" * 5_000_001, "big.pdf", "E_LIMIT"),
])
def test_bad_files_raise_typed_errors(make, filename, code):
    with pytest.raises(ZcpsError) as caught:
        open_document(make(), filename, SMALL_LIMITS)
    assert caught.value.code == code
    assert caught.value.hint


@pytest.mark.parametrize("make, filename, kind, pages", [
    (lambda: image_bytes("PNG"), "named_wrong.pdf", FileKind.png, 1),
    (lambda: image_bytes("JPEG"), "photo.png", FileKind.jpeg, 1),
    (lambda: image_bytes("TIFF", frames=2), "two.tif", FileKind.tiff, 2),
    (lambda: image_bytes("MPO", frames=2), "phone.jpg", FileKind.jpeg, 1),  # previews are not pages
    (lambda: digital_pdf(pages=2), "two.pdf", FileKind.pdf, 2),
])
def test_good_files_open_by_content(make, filename, kind, pages):
    document = open_document(make(), filename, SMALL_LIMITS)
    assert (document.kind, document.page_count) == (kind, pages)
    image = document.page_image(pages - 1)
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8


def test_pixel_limit_at_exactly_the_limit_passes():
    data = image_bytes("PNG", size=(1000, 1000))
    assert open_document(data, "edge.png", SMALL_LIMITS).page_count == 1
    with pytest.raises(ZcpsError, match="pixels"):
        open_document(image_bytes("PNG", size=(1000, 1001)), "edge.png", SMALL_LIMITS)


def test_pdf_page_pixels_checked_at_the_render_dpi():
    data = digital_pdf()
    assert open_document(data, "a4.pdf", SMALL_LIMITS).page_count == 1
    with pytest.raises(ZcpsError) as caught:
        open_document(data, "a4.pdf", SMALL_LIMITS.model_copy(update={"render_dpi": 120}))
    assert caught.value.code == "E_LIMIT"


def test_sniff_kind_ignores_the_extension():
    assert sniff_kind(b"junk\n%PDF-1.4\n", "x.jpg") is FileKind.pdf


def test_digital_pdf_text_and_boxes():
    settings = Settings(render_dpi=150, pdf_spot_check_lines=0)
    text = acquire_text(digital_pdf(), "diploma.pdf", settings=settings)
    assert text.source is TextSource.pdf_text and text.engine == PDF_TEXT_ENGINE
    page = text.pages[0]
    assert (page.width, page.height) == (math.ceil(595 * 150 / 72), math.ceil(842 * 150 / 72))
    for _, _, expected in PDF_LINES:
        best = max(page.lines, key=lambda line: fuzz.ratio(line.text, expected))
        assert fuzz.ratio(best.text, expected) >= 95
        x0, y0, x1, y1 = best.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    id_line = next(line for line in page.lines if "150102" in line.text)
    assert "150102198503152317" in [word.text for word in id_line.words]
    assert id_line.bbox[0] == pytest.approx(72 * 150 / 72, abs=3)


def test_digital_pdf_boxes_land_on_the_rendered_ink():
    data = digital_pdf()
    text = acquire_text(data, "diploma.pdf", settings=Settings(render_dpi=100, pdf_spot_check_lines=0))
    page = text.pages[0]
    rendered = cv2.cvtColor(page_image(data, "diploma.pdf", page), cv2.COLOR_BGR2GRAY)
    assert rendered.shape == (page.height, page.width)
    for line in page.lines:
        x0, y0, x1, y1 = (int(round(v)) for v in line.bbox)
        inside = (rendered[y0:y1, x0:x1] < 128).sum()
        assert inside > 0.9 * (rendered[max(0, y0 - 20):y1 + 20, max(0, x0 - 20):x1 + 20] < 128).sum()


def test_pdf_without_text_layer_is_treated_as_scanned():
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="PDF")
    assert open_document(buffer.getvalue(), "scan.pdf").digital is False
    assert open_document(digital_pdf(lines=((72, 700, "短"),)), "short.pdf").digital is False
    assert open_document(digital_pdf(), "full.pdf").digital is True


def test_cache_round_trip_and_stale_engine(tmp_path):
    store = LocalStore(tmp_path)
    data = digital_pdf()
    unchecked = Settings(pdf_spot_check_lines=0)
    first, cached = acquire_text_cached(store, data, "a.pdf", unchecked)
    assert not cached
    second, cached = acquire_text_cached(store, data, "renamed.pdf", unchecked)
    assert cached and second == first
    key = ocr_cache_key(first.sha256)
    stale = json.loads(store.get(key))
    stale["engine"] = "paddleocr-2.0+old"
    stale["pages"][0]["lines"] = []
    store.put(key, json.dumps(stale).encode())
    third, cached = acquire_text_cached(store, data, "a.pdf", unchecked)
    assert not cached and third.pages[0].lines
    assert DocumentText.model_validate_json(store.get(key)).engine == PDF_TEXT_ENGINE
    store.put(key, b"{not json")
    assert acquire_text_cached(store, data, "a.pdf", unchecked)[1] is False


@pytest.mark.parametrize("size", [(1400, 1000), (1000, 1400), (6000, 4000)])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("angle", [0.0, 2.0, -4.5])
def test_geometry_round_trip(size, rotation, angle):
    scale = min(1.0, 2500 / max(size))
    transform = PageTransform.for_stored(*size, scale, rotation, angle)
    page = Page(number=1, width=transform.upright[0], height=transform.upright[1], rotation=rotation,
                deskew_angle=angle, scale=scale)
    assert PageTransform.for_page(page).turned == transform.turned
    box = (0.31 * size[0], 0.42 * size[1], 0.55 * size[0], 0.47 * size[1])
    back = to_stored(to_upright(box, page), page)
    # Each rotated hull grows the box by the shear; two hulls of a 4.5° turn stay well inside this.
    slack = 2 + (abs(np.sin(np.radians(angle))) * 2.2) * max(box[2] - box[0], box[3] - box[1])
    assert all(abs(a - b) <= slack for a, b in zip(box, back))
    if not angle:
        assert all(abs(a - b) <= 2 / scale for a, b in zip(box, back))


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("angle", [0.0, 3.0])
def test_geometry_matches_the_warped_pixels(rotation, angle):
    stored = np.full((700, 1000, 3), 255, np.uint8)
    box = (600, 100, 800, 160)
    stored[box[1]:box[3], box[0]:box[2]] = 0
    transform = PageTransform.for_stored(1000, 700, 0.8, rotation, angle)
    upright = transform.apply(stored)
    assert upright.shape[1::-1] == transform.upright
    page = Page(number=1, width=upright.shape[1], height=upright.shape[0], rotation=rotation, deskew_angle=angle,
                scale=0.8)
    ys, xs = np.nonzero(upright.min(axis=2) < 128)
    mapped = to_upright(box, page)
    found = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert all(abs(a - b) <= 3 for a, b in zip(mapped, found))
