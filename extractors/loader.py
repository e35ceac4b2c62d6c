"""Open a submitted file safely: sniff its type from magic bytes, enforce the limits, decode pages.

Limits are checked before anything is decoded: the byte size first, then the pixel count from the
image header (PIL reads it lazily) or the page count and page size of a PDF. Pages come out as BGR
``uint8`` arrays in the stored file's frame (EXIF orientation is not applied; the orientation step
finds the upright turn from the content, so the stored frame stays the raw pixel grid).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

import numpy as np
from PIL import Image, ImageSequence

from zcps.errors import CorruptFile, EmptyFile, EncryptedPdf, LimitExceeded, UnsupportedFileType
from zcps.models import TextLayer
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.loader")

# pdfium's FPDF_ERR_PASSWORD: the document needs a password it was not given.
PDFIUM_PASSWORD_ERROR = 4
DEFAULT_IMAGE_DPI = 200


class FileKind(str, Enum):
    pdf = "pdf"
    jpeg = "jpeg"
    png = "png"
    tiff = "tiff"


MAGIC = (
    (b"%PDF-", FileKind.pdf),
    (b"\xff\xd8\xff", FileKind.jpeg),
    (b"\x89PNG\r\n\x1a\n", FileKind.png),
    (b"II*\x00", FileKind.tiff),
    (b"MM\x00*", FileKind.tiff),
)
# Some writers put junk (or a BOM) before "%PDF-"; PDF readers accept it within the first KiB.
PDF_HEADER_WINDOW = 1024


def sniff_kind(data: bytes, filename: str = "") -> FileKind:
    """The file's real type from its first bytes; the name's extension is never trusted."""
    if not data:
        raise EmptyFile(f"{filename or 'file'} is empty")
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return FileKind.pdf
    raise UnsupportedFileType(f"{filename or 'file'} is not a PDF, JPEG, PNG or TIFF (starts with {data[:8]!r})")


@dataclass(frozen=True)
class SourceDocument:
    """A validated file: its kind, page count and dpi (the render dpi for PDFs)."""

    data: bytes = field(repr=False)
    filename: str
    kind: FileKind
    page_count: int
    dpi: int

    @cached_property
    def digital(self) -> bool:
        """True for a PDF whose every page has a text layer that shows what the page shows."""
        return self.kind is FileKind.pdf and pdf_has_text_layer(self.data, self.filename)

    def page_image(self, index: int) -> np.ndarray:
        """Page ``index`` (0-based) as a BGR array in the stored file's frame."""
        if self.kind is FileKind.pdf:
            return render_pdf_page(self.data, index, self.dpi, self.filename)
        return decode_image_frame(self.data, index, self.filename)


def _check_pixels(width: int, height: int, settings: Settings, what: str) -> None:
    if width * height > settings.max_image_pixels:
        raise LimitExceeded(f"{what} is {width}x{height} = {width * height} pixels, "
                            f"above ZCPS_MAX_IMAGE_PIXELS={settings.max_image_pixels}")


def _check_pages(count: int, settings: Settings, filename: str) -> None:
    if count > settings.max_pages:
        raise LimitExceeded(f"{filename} has {count} pages, above ZCPS_MAX_PAGES={settings.max_pages}")


def _open_image(data: bytes, filename: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # PIL warns above MAX_IMAGE_PIXELS; the explicit header check right after turns that into E_LIMIT.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"{filename}: {exc}") from exc
    except Exception as exc:
        raise CorruptFile(f"{filename} cannot be decoded as an image ({type(exc).__name__})") from exc


def _image_dpi(image: Image.Image) -> int:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0]))
    except (TypeError, ValueError, IndexError):
        return DEFAULT_IMAGE_DPI
    return value if 50 <= value <= 1200 else DEFAULT_IMAGE_DPI


def _to_bgr(frame: Image.Image) -> np.ndarray:
    if frame.mode in ("I;16", "I;16B", "I", "F"):
        pixels = np.asarray(frame, dtype=np.float64)
        span = max(float(pixels.max() - pixels.min()), 1.0)
        frame = Image.fromarray(((pixels - pixels.min()) * (255.0 / span)).astype(np.uint8))
    rgb = np.asarray(frame.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def decode_image_frame(data: bytes, index: int, filename: str = "") -> np.ndarray:
    image = _open_image(data, filename)
    try:
        image.seek(index)
        image.load()
        return _to_bgr(image)
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"{filename}: {exc}") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise CorruptFile(f"{filename} page {index + 1} cannot be decoded ({type(exc).__name__})") from exc


def _inspect_image(data: bytes, filename: str, kind: FileKind, settings: Settings) -> tuple[int, int]:
    """Page count and dpi, after checking every page's header size and that every page decodes.

    Only TIFF pages are pages: a phone's JPEG may be an MPO whose extra frames are previews.
    """
    image = _open_image(data, filename)
    frames = ImageSequence.Iterator(image) if kind is FileKind.tiff else [image]
    count = 0
    try:
        for frame in frames:
            count += 1
            _check_pages(count, settings, filename)
            _check_pixels(frame.width, frame.height, settings, f"{filename} page {count}")
            frame.load()
    except (LimitExceeded, EmptyFile):
        raise
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"{filename}: {exc}") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise CorruptFile(f"{filename} cannot be decoded ({type(exc).__name__}: {exc})") from exc
    if count == 0:
        raise CorruptFile(f"{filename} has no image frames")
    return count, _image_dpi(image)


def _open_pdf(data: bytes, filename: str):
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) == PDFIUM_PASSWORD_ERROR:
            raise EncryptedPdf(f"{filename} is password-protected") from exc
        raise CorruptFile(f"{filename} is not a readable PDF ({exc})") from exc


def render_pdf_page(data: bytes, index: int, dpi: int, filename: str = "") -> np.ndarray:
    document = _open_pdf(data, filename)
    try:
        bitmap = document[index].render(scale=dpi / 72.0)
        rgb = bitmap.to_numpy()[:, :, :3]
        return np.ascontiguousarray(rgb[:, :, ::-1])
    finally:
        document.close()


def pdf_has_text_layer(data: bytes, filename: str = "") -> bool:
    """True when every page's text layer is trusted by the page analysis (``extractors.pdf_text``;
    at 72 dpi: only the verdicts are wanted, not the boxes)."""
    from extractors.pdf_text import pdf_text_pages

    try:
        return all(page.text_layer is TextLayer.trusted for page in pdf_text_pages(data, 72, filename))
    except CorruptFile as exc:
        log.debug("text layer of %s unreadable (%s); treating it as scanned", filename, exc.code)
        return False


def _inspect_pdf(data: bytes, filename: str, settings: Settings) -> int:
    document = _open_pdf(data, filename)
    try:
        count = len(document)
        if count == 0:
            raise CorruptFile(f"{filename} has no pages")
        _check_pages(count, settings, filename)
        for index in range(count):
            width_pt, height_pt = document[index].get_size()
            scale = settings.render_dpi / 72.0
            _check_pixels(round(width_pt * scale), round(height_pt * scale), settings,
                          f"{filename} page {index + 1} at {settings.render_dpi} dpi")
        return count
    finally:
        document.close()


def open_document(data: bytes, filename: str, settings: Settings | None = None) -> SourceDocument:
    """Validate a file and describe it; pages are decoded later, one at a time, by ``page_image``."""
    settings = settings or get_settings()
    if len(data) > settings.max_file_bytes:
        raise LimitExceeded(f"{filename} is {len(data)} bytes, above ZCPS_MAX_FILE_BYTES={settings.max_file_bytes}")
    kind = sniff_kind(data, filename)
    if kind is FileKind.pdf:
        count = _inspect_pdf(data, filename, settings)
        return SourceDocument(data=data, filename=filename, kind=kind, page_count=count, dpi=settings.render_dpi)
    count, dpi = _inspect_image(data, filename, kind, settings)
    return SourceDocument(data=data, filename=filename, kind=kind, page_count=count, dpi=dpi)
