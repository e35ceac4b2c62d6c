"""Small PDFs made on the fly for tests: an encrypted one and a digital one with a text layer."""

from __future__ import annotations

import io

from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from zcps.resources import font_path



def _pdf(lines: list[str], encrypt=None) -> bytes:
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(font_path("hei")), subfontIndex=0))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, encrypt=encrypt)
    pdf.setFont("WQY", 16)
    for i, text in enumerate(lines):
        pdf.drawString(72, 760 - 28 * i, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    return _pdf(["专业技术资格证书"], StandardEncryption("secret", ownerPassword="owner", strength=128))


def digital_pdf_bytes(lines: list[str]) -> bytes:
    return _pdf(lines)
