"""One masked PDF dossier per applicant: a Chinese cover page, then every released page on A4.

Written with reportlab (the CJK font is embedded as a subset), one outline entry per document, in
checklist order. A page image is embedded as its PNG's own compressed rows (Flate with PNG
predictors, which PDF decodes natively): recompressing ≈ 2 MP per page would cost more than the
masking check itself. Fail closed like the page images: ``verify_dossier`` re-reads the written
PDF with pypdfium2 — every page image stream must be byte-identical to the masked page that the
re-OCR check cleared, and the cover must show none of the applicant's PII (its drawn text is
searched; in ``page`` and ``full`` mode its text layer is read back and must be that text, with no
image on it; in ``full`` mode the cover's rendering and every page are re-OCR'd too) — and raises
``MaskingFailed`` so the whole dossier is withheld.
"""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from masking.known import KnownPii, find_known
from masking.verify import OcrEngine, VerifyMode, leaked_types
from zcps.errors import ConfigError, MaskingFailed
from validators.schema import rules_of
from zcps.labels import PENDING_STATUS, SEVERITY_LABELS, VERDICT_LABELS, decision_text
from zcps.models import Review

FONT_NAME = "zcps-dossier"
MARGIN_PT = 28.0
COVER_DPI = 110  # enough for OCR of the 10–16 pt cover text
_WHITESPACE = re.compile(r"\s+")


class DossierDocument(BaseModel):
    """One released document: its bookmark title, released name and masked pages (PNG, in order)."""

    model_config = ConfigDict(extra="forbid")

    title: str
    name: str
    pages: list[bytes] = Field(repr=False)


class DossierCover(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pseudonym: str
    review: Review  # the committee (masked) version
    withheld: list[str] = Field(default_factory=list)  # released names of documents held back


def _register_font(path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not path.is_file():
        raise ConfigError(f"dossier font not found: {path}",
                          hint="Install fonts-wqy-microhei (scripts/setup.sh) or set ZCPS_DOSSIER_FONT to a CJK TTF/TTC.")
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Character-wise wrapping: Chinese has no spaces to break at."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current = [], ""
    for ch in text:
        if ch == "\n" or stringWidth(current + ch, FONT_NAME, size) > width:
            lines.append(current)
            current = "" if ch == "\n" else ch
        else:
            current += ch
    return lines + [current] if current else lines


def cover_lines(cover: DossierCover) -> list[tuple[float, str]]:
    """(font size, text) rows of the cover page, committee version: no name, no file names."""
    review = cover.review
    rows = [(18.0, "职称评审材料（评委会版）"), (12.0, f"申报人编号：{cover.pseudonym}"),
            (12.0, f"申报级别：{review.target_level or '未注明'}"),
            (12.0, f"申报途径：{rules_of(review).path_name(review.path) or '未确定'}"),
            (12.0, f"机器审核结论：{VERDICT_LABELS[review.verdict]}"),
            (12.0, f"单位审核状态：{review.reviewed_status or PENDING_STATUS}"),
            (12.0, f"评审费：{review.fee_yuan} 元" if review.fee_yuan is not None else "评审费：未计算")]
    rows.append((13.0, f"审核发现（{len(review.findings)} 条）："))
    for number, finding in enumerate(review.findings, 1):
        rows.append((10.0, f"{number}. 【{SEVERITY_LABELS[finding.severity]}】{finding.section} {finding.message}"
                           f"（单位处理意见：{decision_text(finding.decision, with_reviewer=False)}）"))
    if cover.withheld:
        rows.append((10.0, f"暂扣材料（脱敏复核未通过，另行报送）：{'、'.join(cover.withheld)}"))
    return rows


def _draw_cover(canvas, cover: DossierCover, width: float, height: float) -> None:
    y = height - MARGIN_PT - 10
    for size, text in cover_lines(cover):
        for row in _wrap(text, size, width - 2 * MARGIN_PT):
            if y < MARGIN_PT + size:
                canvas.showPage()
                y = height - MARGIN_PT - 10
            canvas.setFont(FONT_NAME, size)
            canvas.drawString(MARGIN_PT, y - size, row)
            y -= size * 1.6
        y -= size * 0.4


class PngRows(BaseModel):
    """A non-interlaced 8-bit grey or RGB PNG's size and its concatenated IDAT data."""

    model_config = ConfigDict(frozen=True)

    width: int
    height: int
    colours: int
    rows: bytes = Field(repr=False)


def png_rows(png: bytes) -> PngRows:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    offset, idat, header = 8, [], None
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        data = png[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat.append(data)
        offset += 12 + length
    if header is None or header[2] != 8 or header[3] not in (0, 2) or header[6] != 0:
        raise ValueError("only non-interlaced 8-bit grey or RGB PNGs are embedded as they are")
    return PngRows(width=header[0], height=header[1], colours=1 if header[3] == 0 else 3, rows=b"".join(idat))


def _png_xobject(name: str, rows: PngRows):
    from reportlab.pdfbase import pdfdoc

    class PngXObject(pdfdoc.PDFImageXObject):
        def format(self, document):
            stream = pdfdoc.PDFStream(content=rows.rows)
            entries = stream.dictionary
            entries["Type"] = pdfdoc.PDFName("XObject")
            entries["Subtype"] = pdfdoc.PDFName("Image")
            entries["Width"], entries["Height"], entries["BitsPerComponent"] = rows.width, rows.height, 8
            entries["ColorSpace"] = pdfdoc.PDFName("DeviceRGB" if rows.colours == 3 else "DeviceGray")
            entries["Filter"] = pdfdoc.PDFName("FlateDecode")
            entries["DecodeParms"] = pdfdoc.PDFDictionary(
                {"Predictor": 15, "Colors": rows.colours, "BitsPerComponent": 8, "Columns": rows.width})
            entries["Length"] = len(rows.rows)
            return stream.format(document)

    xobject = PngXObject(name)
    xobject.width, xobject.height = rows.width, rows.height
    return xobject


def _draw_page(canvas, png: bytes, name: str, width: float, height: float) -> None:
    """Place one page image centred on A4, registered the way ``Canvas.drawImage`` registers images."""
    rows = png_rows(png)
    scale = min((width - 2 * MARGIN_PT) / rows.width, (height - 2 * MARGIN_PT) / rows.height)
    w, h = rows.width * scale, rows.height * scale
    registered = canvas._doc.getXObjectName(name)
    xobject = _png_xobject(name, rows)
    canvas._setXObjects(xobject)
    canvas._doc.Reference(xobject, registered)
    canvas._doc.addForm(name, xobject)
    canvas.saveState()
    canvas.translate((width - w) / 2, (height - h) / 2)
    canvas.scale(w, h)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)


def build_dossier(cover: DossierCover, documents: list[DossierDocument], font: Path) -> bytes:
    """The dossier PDF: cover, then each document's pages scaled to A4, one bookmark per document."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    # No ASCII85 wrapping of streams: it runs in pure Python and only makes the file bigger.
    rl_config.useA85 = 0
    _register_font(font)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"{cover.pseudonym} 评审材料")
    canvas.setAuthor("")
    canvas.setProducer("zcps")
    canvas.setCreator("zcps")
    width, height = A4
    canvas.bookmarkPage("cover")
    canvas.addOutlineEntry("封面与审核结论", "cover", level=0)
    _draw_cover(canvas, cover, width, height)
    canvas.showPage()
    for index, document in enumerate(documents):
        key = f"doc{index}"
        canvas.bookmarkPage(key)
        canvas.addOutlineEntry(f"{document.name} {document.title}", key, level=0)
        for number, png in enumerate(document.pages, 1):
            _draw_page(canvas, png, f"zcpsDoc{index}P{number}", width, height)
            canvas.showPage()
    canvas.save()
    return out.getvalue()


def _page_streams(page) -> list[bytes]:
    """The raw (still compressed) data of every image on a PDF page."""
    import pypdfium2.raw as pdfium_c

    return [bytes(obj.get_data(decode_simple=False))
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]


def _same_image(streams: list[bytes], png: bytes) -> bool:
    """The page shows exactly the verified masked PNG: one image, with that PNG's very bytes."""
    return len(streams) == 1 and streams[0] == png_rows(png).rows


def _render(page, dpi: int) -> np.ndarray:
    bitmap = page.render(scale=dpi / 72).to_pil()
    return cv2.cvtColor(np.asarray(bitmap.convert("RGB")), cv2.COLOR_RGB2BGR)


def _inked(image: np.ndarray, margin: int = 16) -> np.ndarray:
    """The part of a rendered page that has ink: OCR of a mostly blank cover costs less."""
    rows, cols = np.nonzero(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) < 200)
    if not len(rows):
        return image
    return image[max(0, rows.min() - margin):rows.max() + margin, max(0, cols.min() - margin):cols.max() + margin]


def verify_dossier(pdf: bytes, cover: DossierCover, documents: list[DossierDocument], known: KnownPii,
                   engine: OcrEngine, mode: VerifyMode) -> None:
    """Raise ``MaskingFailed`` (the dossier is withheld) if any page may show the applicant's PII."""
    label = f"{cover.review.unit}/{cover.pseudonym}/dossier.pdf"
    cover_text = "\n".join(text for _, text in cover_lines(cover))
    problems: list[str] = []
    types = {entity.type for entity in find_known(cover_text, known, anywhere=False)}
    if types:
        problems.append(f"cover: {', '.join(sorted(t.value for t in types))}")
    try:
        problems += _pdf_problems(pdf, documents, known, engine, mode, label, cover_text)
    except MaskingFailed:
        raise
    except Exception as exc:  # a re-read that cannot run must not release an unchecked dossier
        raise MaskingFailed(f"{label}: the dossier re-read failed ({type(exc).__name__})") from exc
    if problems:
        raise MaskingFailed(f"{label}: PII survived masking ({'; '.join(problems)})")


def _cover_layer_problems(pages: list, cover_text: str) -> list[str]:
    """The cover pages read back from the written PDF: text only, no image, and exactly the text drawn.

    The cover is born digital, so its text layer is what it shows: reading it back is an exact re-read
    where OCR of the rendering would be an approximate one, at a thousandth of the cost. The drawn text
    itself is searched for PII by ``verify_dossier``, so a layer equal to it needs no second search."""
    problems = [f"page {number}: the cover carries an image" for number, page in enumerate(pages, 1)
                if _page_streams(page)]
    shown = "".join(page.get_textpage().get_text_range() for page in pages)
    if _WHITESPACE.sub("", shown) != _WHITESPACE.sub("", cover_text):
        problems.append("cover: its text layer is not the text drawn")
    return problems


def _pdf_problems(pdf: bytes, documents: list[DossierDocument], known: KnownPii, engine: OcrEngine,
                  mode: VerifyMode, label: str, cover_text: str) -> list[str]:
    import pypdfium2 as pdfium

    problems: list[str] = []
    pdf_doc = pdfium.PdfDocument(pdf)
    try:
        expected = [png for document in documents for png in document.pages]
        cover_pages = len(pdf_doc) - len(expected)
        if cover_pages < 1:
            raise MaskingFailed(f"{label}: {len(pdf_doc)} pages for {len(expected)} masked pages")
        if mode in ("page", "full"):
            problems += _cover_layer_problems([pdf_doc[index] for index in range(cover_pages)], cover_text)
        for index in range(cover_pages if mode == "full" else 0):
            types = leaked_types(engine.recognize(_inked(_render(pdf_doc[index], COVER_DPI))), known, anywhere=False)
            if types:
                problems.append(f"page {index + 1}: {', '.join(sorted(t.value for t in types))}")
        for offset, png in enumerate(expected):
            page = pdf_doc[cover_pages + offset]
            if not _same_image(_page_streams(page), png):
                problems.append(f"page {cover_pages + offset + 1}: not the verified masked image")
            elif mode == "full":
                types = leaked_types(engine.recognize(_render(page, 150)), known)
                if types:
                    problems.append(f"page {cover_pages + offset + 1}: {', '.join(sorted(t.value for t in types))}")
    finally:
        pdf_doc.close()
    return problems
