"""The two PDF kinds that leaked personal data (issue 18), built with reportlab for the tests.

- ``scanned_with_invisible_layer``: a scanned page (one full-page image showing the applicant's
  form) with a scanner's OCR text layer in render mode 3 that says something else, somewhere else;
- ``digital_page``: the same form as real text, on a page with any ``/Rotate`` and an optional
  CropBox inside a larger MediaBox, drawn so that the page *as shown* is upright.

Every line is placed in the shown page's frame (points, origin top-left), so a test knows where
the text must land in the rendered image whatever the rotation and crop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from zcps.idcard import with_check_digit

from zcps.resources import font_path

FONT_NAME = "hostile-zenhei"
SHOWN_SIZE = (595.0, 842.0)  # A4 portrait, as the page is shown
FONT_POINTS = 16.0
SCAN_DPI = 200


def valid_id(first17: str) -> str:
    return with_check_digit(first17)


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    grade: str


APPLICANT = Person("王建国", valid_id("15010219850315231"), "优秀")
# What the hostile scanner's invisible layer claims: another person, another grade.
DECOY = Person("李明华", valid_id("15020319790611452"), "不称职")


@dataclass(frozen=True)
class Line:
    x: float  # left edge, points from the shown page's left
    top: float  # top of the text's em box, points from the shown page's top
    text: str


def form_lines(person: Person, top: float = 90.0) -> list[Line]:
    rows = ["专业技术人员年度考核登记表", f"姓名：{person.name}", f"身份证号：{person.id_number}",
            "考核年度：2023", f"考核等次：{person.grade}", "单位：呼和浩特供电分公司", "签字日期：2024年1月15日"]
    return [Line(72.0, top + 48.0 * index, row) for index, row in enumerate(rows)]


def _font() -> str:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path("hei")), subfontIndex=0))
    return FONT_NAME


def _shown_to_user(rotation: int, crop: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The PDF matrix (a, b, c, d, e, f) from the shown page (points, origin bottom-left, y up) to
    user space, for a page turned clockwise by ``rotation`` when shown and cropped to ``crop``."""
    x0, y0, x1, y1 = crop
    width, height = x1 - x0, y1 - y0  # of the crop box before the turn
    local = {0: (1, 0, 0, 1, 0, 0), 90: (0, 1, -1, 0, width, 0),
             180: (-1, 0, 0, -1, width, height), 270: (0, -1, 1, 0, 0, height)}[rotation]
    a, b, c, d, e, f = local
    return a, b, c, d, e + x0, f + y0


def _draw_lines(pdf: canvas.Canvas, lines: list[Line], shown_height: float, render_mode: int = 0) -> None:
    text = pdf.beginText()
    text.setFont(_font(), FONT_POINTS)
    text.setTextRenderMode(render_mode)
    for line in lines:
        # drawString's y is the baseline; the em box's top sits one size above it, less the descent.
        baseline = shown_height - line.top - FONT_POINTS * 0.88
        text.setTextOrigin(line.x, baseline)
        text.textOut(line.text)
    pdf.drawText(text)


def digital_page(lines: list[Line], rotation: int = 0, crop_offset: tuple[float, float] | None = None) -> bytes:
    """One page of real text, shown upright after ``/Rotate rotation``; with ``crop_offset`` the
    CropBox starts there inside a MediaBox 120 x 90 points larger."""
    shown_w, shown_h = SHOWN_SIZE
    box_w, box_h = (shown_h, shown_w) if rotation % 180 else (shown_w, shown_h)
    ox, oy = crop_offset or (0.0, 0.0)
    media = (box_w + 120.0, box_h + 90.0) if crop_offset else (box_w, box_h)
    buffer = io.BytesIO()
    # reportlab writes the MediaBox of a page with /Rotate 90 or 270 with width and height swapped.
    pdf = canvas.Canvas(buffer, pagesize=media[::-1] if rotation % 180 else media, invariant=1)
    if crop_offset:
        pdf.setCropBox((ox, oy, ox + box_w, oy + box_h))
        # Ink outside the crop box must never reach the text layer's boxes or the render.
        pdf.setFont(_font(), FONT_POINTS)
        pdf.drawString(2, 2, "裁切区外")
    pdf.setPageRotation(rotation)
    pdf.saveState()
    pdf.transform(*_shown_to_user(rotation, (ox, oy, ox + box_w, oy + box_h)))
    _draw_lines(pdf, lines, shown_h)
    pdf.restoreState()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scan_image(lines: list[Line], dpi: int = SCAN_DPI) -> Image.Image:
    """The shown page as a scanner would capture it: black text on white at ``dpi``."""
    scale = dpi / 72.0
    page = Image.new("RGB", (round(SHOWN_SIZE[0] * scale), round(SHOWN_SIZE[1] * scale)), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path("hei")), round(FONT_POINTS * scale))
    for line in lines:
        draw.text((line.x * scale, line.top * scale), line.text, font=font, fill="black")
    return page


def scanned_with_invisible_layer(shown: list[Line], hidden: list[Line]) -> bytes:
    """A scanned page showing ``shown``, carrying ``hidden`` as invisible text (render mode 3)."""
    width, height = SHOWN_SIZE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=SHOWN_SIZE, invariant=1)
    pdf.drawImage(ImageReader(scan_image(shown)), 0, 0, width, height)
    _draw_lines(pdf, hidden, height, render_mode=3)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def covered_text_page(shown: list[Line], covered: list[Line]) -> bytes:
    """Visible-mode text painted over by a small scan that shows something else: only a read of the
    rendered page sees the difference (the near miss of the render-mode check)."""
    width, height = SHOWN_SIZE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=SHOWN_SIZE, invariant=1)
    _draw_lines(pdf, covered, height)
    top = min(line.top for line in shown) - 10
    bottom = max(line.top for line in shown) + FONT_POINTS + 10
    strip = scan_image(shown).crop((0, round(top * SCAN_DPI / 72), round(width * SCAN_DPI / 72),
                                    round(bottom * SCAN_DPI / 72)))
    pdf.drawImage(ImageReader(strip), 0, height - bottom, width, bottom - top)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scan_in_form(shown: list[Line]) -> bytes:
    """A scanned page whose image sits inside a form XObject, as some scanner drivers write it."""
    width, height = SHOWN_SIZE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=SHOWN_SIZE, invariant=1)
    pdf.beginForm("scan")
    pdf.drawImage(ImageReader(scan_image(shown)), 0, 0, width, height)
    pdf.endForm()
    pdf.doForm("scan")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
