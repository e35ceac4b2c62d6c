"""Issue 18 items 1-2: a PDF text layer is read only when it is what the page shows, and every
released page is checked by reading the released image itself, not only where detection masked."""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
import pytest
from pydantic import SecretStr

from extractors.geometry import page_image
from extractors.pdf_text import pdf_text_pages
from support.hostile_pdfs import (APPLICANT, DECOY, FONT_POINTS, Line, covered_text_page, digital_page, form_lines,
                          scan_image, scan_in_form, scanned_with_invisible_layer)
from storage.layout import release_prefix
from zcps.manifest import Manifest
from zcps.models import DocumentRef, DocumentResult, Page, Review, Status, TextLayer, TextSource
from zcps.settings import Settings

DPI = 100
SCALE = DPI / 72.0
UNCHECKED = Settings(render_dpi=DPI, pdf_spot_check_lines=0)


def _scan_only_pdf() -> bytes:
    buffer = io.BytesIO()
    scan_image(form_lines(APPLICANT)).save(buffer, format="PDF", resolution=200)
    return buffer.getvalue()


def _sideways_pdf() -> bytes:
    """/Rotate 90 over text drawn upright in user space: the page shows it running downwards."""
    from reportlab.pdfgen import canvas

    from support.hostile_pdfs import _font

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(842, 595))  # reportlab swaps it: the MediaBox is 595 x 842
    pdf.setFont(_font(), 14)
    for index, line in enumerate(form_lines(APPLICANT)):
        pdf.drawString(72, 760 - 40 * index, line.text)
    pdf.setPageRotation(90)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize("make, verdict", [
    (lambda: digital_page(form_lines(APPLICANT)), TextLayer.trusted),
    (lambda: digital_page(form_lines(APPLICANT), 90), TextLayer.trusted),  # turned and drawn turned back: upright
    (lambda: scanned_with_invisible_layer(form_lines(APPLICANT), form_lines(DECOY, 500)), TextLayer.invisible),
    (lambda: scanned_with_invisible_layer(form_lines(APPLICANT), form_lines(APPLICANT)), TextLayer.invisible),
    (lambda: _scan_only_pdf(), TextLayer.image),
    (lambda: scan_in_form(form_lines(APPLICANT)), TextLayer.image),
    (lambda: _sideways_pdf(), TextLayer.turned),
    (lambda: digital_page([Line(72, 90, "姓名：王建国")]), TextLayer.sparse),
    # near miss: visible-mode text under a strip of scan; the analysis alone trusts it (the spot OCR does not)
    (lambda: covered_text_page(form_lines(APPLICANT), form_lines(DECOY)), TextLayer.trusted),
])
def test_page_analysis_verdicts(make, verdict):
    (page,) = pdf_text_pages(make(), DPI)
    assert page.text_layer is verdict
    assert bool(page.lines) is (verdict is TextLayer.trusted)


@pytest.mark.parametrize("crop_offset", [None, (40.0, 30.0)])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_text_layer_boxes_land_on_the_rendered_text(rotation, crop_offset):
    from extractors.acquire import acquire_text

    data = digital_page(form_lines(APPLICANT), rotation, crop_offset)
    text = acquire_text(data, "form.pdf", settings=UNCHECKED)
    (page,) = text.pages
    assert text.source is TextSource.pdf_text and page.text_layer is TextLayer.trusted
    rendered = cv2.cvtColor(page_image(data, "form.pdf", page), cv2.COLOR_BGR2GRAY)
    assert rendered.shape == (page.height, page.width) == (math.ceil(842 * SCALE), math.ceil(595 * SCALE))
    assert "裁切区外" not in page.text  # drawn outside the CropBox: never shown
    for expected in form_lines(APPLICANT):
        line = next(line for line in page.lines if line.text == expected.text)
        x0, y0, x1, y1 = line.bbox
        assert abs(x0 - expected.x * SCALE) <= 2 and abs(y0 - expected.top * SCALE) <= 3
        assert abs((y1 - y0) - FONT_POINTS * SCALE) <= 0.25 * FONT_POINTS * SCALE
        box = rendered[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))]
        around = rendered[max(0, int(y0) - 15):int(y1) + 15, max(0, int(x0) - 15):int(x1) + 15]
        assert (box < 128).sum() > 0.95 * (around < 128).sum() > 0


@pytest.fixture(scope="module")
def engine():
    from extractors.ocr import get_engine

    return get_engine()


HOSTILE = {
    "invisible_layer": (lambda: scanned_with_invisible_layer(form_lines(APPLICANT), form_lines(DECOY, 500)),
                        TextLayer.invisible),
    "covered_text": (lambda: covered_text_page(form_lines(APPLICANT), form_lines(DECOY)), TextLayer.disagrees),
    "rotate_90": (lambda: digital_page(form_lines(APPLICANT), 90), TextLayer.trusted),
    "rotate_270_cropped": (lambda: digital_page(form_lines(APPLICANT), 270, (40.0, 30.0)), TextLayer.trusted),
    "sideways": (_sideways_pdf, TextLayer.turned),
}


@pytest.mark.models
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_pdfs_are_read_from_what_they_show(case, engine):
    from extractors.acquire import acquire_text
    from extractors.extract import extract_document

    make, verdict = HOSTILE[case]
    text = acquire_text(make(), f"{case}.pdf", settings=Settings(), engine=engine)
    assert [page.text_layer for page in text.pages] == [verdict]
    extraction = extract_document(text)
    values = {name: field.value for name, field in extraction.fields.items()}
    assert extraction.doc_type.value == "annual_assessment"
    assert (values.get("name"), values.get("id_number"), values.get("grade")) == (
        APPLICANT.name, APPLICANT.id_number, APPLICANT.grade)
    assert DECOY.name not in text.text and DECOY.id_number not in text.text


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0009", "name": APPLICANT.name,
        "id_number": APPLICANT.id_number, "phone": "13904711234", "email": None, "address": None,
        "unit": "呼和浩特供电分公司", "unit_location": "city", "sector": "public", "target_level": "中级",
        "education": {"level": "本科"},
        "documents": [{"file": "docs/05_assessment.pdf", "declared_type": "annual_assessment"}],
    })


def _release(tmp_path, manifest, pages: list[Page], data: bytes, mode: str, **kwargs):
    from masking.release import release_applicant
    from storage.local import LocalStore

    store = LocalStore(tmp_path)
    ref = DocumentRef(batch="2024", unit="hh", applicant="2024-HH-0009", file="05_assessment.pdf")
    result = DocumentResult(ref=ref, status=Status.done, page_count=len(pages), pages=pages)
    review = Review(batch="2024", unit="hh", applicant_id="2024-HH-0009", verdict="eligible")
    settings = Settings(pseudonym_key=SecretStr("test-key"), mask_verify_mode=mode)
    return store, release_applicant(store, "2024", "hh", manifest, review, [(result, data)], settings, **kwargs)


def _whole_page_text(store, keys, engine) -> str:
    images = [cv2.imdecode(np.frombuffer(store.get(key), np.uint8), cv2.IMREAD_COLOR) for key in keys]
    return "\n".join(line.text for image in images for line in engine.recognize(image))


@pytest.mark.models
@pytest.mark.parametrize("case", ["invisible_layer", "rotate_90"])
def test_hostile_pdfs_are_released_masked(tmp_path, manifest, engine, case):
    from extractors.acquire import acquire_text

    data = HOSTILE[case][0]()
    text = acquire_text(data, "05_assessment.pdf", engine=engine)
    store, result = _release(tmp_path, manifest, text.pages, data, "page", engine=engine)
    assert result.withheld == [] and len(result.released) == 1
    released = _whole_page_text(store, result.released[0].keys, engine)
    assert APPLICANT.name not in released and APPLICANT.id_number[:10] not in released
    assert "考核等次" in released


def _stale_text_layer_pages() -> list[Page]:
    """What acquisition produced before issue 18 for the invisible-layer scan: lines where the
    invisible text sat (lower on the page), so detection masks there and never on the visible scan."""
    from extractors.pdf_text import _Char, lines_of

    scale = 200 / 72
    chars = [_Char(ch, (line.x + FONT_POINTS * i) * scale, line.top * scale, (line.x + FONT_POINTS * (i + 1)) * scale,
                   (line.top + FONT_POINTS) * scale, FONT_POINTS * scale)
             for line in form_lines(APPLICANT, 500) for i, ch in enumerate(line.text)]
    return [Page(number=1, width=math.ceil(595 * scale), height=math.ceil(842 * scale), dpi=200,
                 lines=lines_of(chars))]


@pytest.mark.models
@pytest.mark.parametrize("mode, withheld", [
    ("regions", False),  # the hole issue 18 found: only where detection masked is re-read
    ("page", True),
    ("full", True),
])
def test_detection_that_misses_the_visible_pii_is_withheld(tmp_path, manifest, engine, mode, withheld):
    data = HOSTILE["invisible_layer"][0]()
    pages = _stale_text_layer_pages()
    store, result = _release(tmp_path, manifest, pages, data, mode, engine=engine)
    assert bool(result.withheld) is withheld and bool(result.released) is not withheld
    assert bool(list(store.list(release_prefix("2024", "hh", result.pseudonym) + "docs/"))) is not withheld
    if withheld:
        assert result.withheld[0].code == "E_MASK_VERIFY" and APPLICANT.name not in result.withheld[0].detail


@pytest.mark.models
def test_redactor_that_paints_nothing_is_withheld_in_page_mode(tmp_path, manifest, engine):
    from extractors.acquire import acquire_text

    data = HOSTILE["rotate_90"][0]()
    text = acquire_text(data, "05_assessment.pdf", engine=engine)
    _, result = _release(tmp_path, manifest, text.pages, data, "page", engine=engine,
                         redactor=lambda image, boxes: image.copy())
    assert result.released == [] and [w.code for w in result.withheld] == ["E_MASK_VERIFY"]


@pytest.mark.parametrize("verdicts, pages_named", [
    ([TextLayer.trusted], None),
    ([TextLayer.invisible], None),  # an invisible layer is a scanner's: expected, OCR'd, not a finding
    ([TextLayer.disagrees], "1"),
    ([TextLayer.trusted, TextLayer.disagrees, TextLayer.disagrees], "2、3"),
    ([None], None),  # an image file
])
def test_text_layer_disagreement_is_a_review_finding(verdicts, pages_named):
    from support.validate_samples import documents_for, manifest as support_manifest

    from validators.check import check_applicant

    applicant = support_manifest()
    documents = documents_for(applicant)
    flagged = documents[0]
    flagged.pages = [Page(number=index + 1, width=100, height=100, text_layer=verdict)
                     for index, verdict in enumerate(verdicts)]
    review = check_applicant(applicant, documents, batch="2024", unit="u")
    findings = [f for f in review.findings if f.rule == "extract.text_layer_mismatch"]
    if pages_named is None:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.severity, finding.section) == ("review", "§一(四)1(2)")
    assert f"第{pages_named}页" in finding.message and f"docs/{flagged.ref.file}" in finding.message
    assert finding.evidence.document == f"docs/{flagged.ref.file}" and review.verdict == "needs_review"


class _FailingReader:
    """A re-read that cannot run (a broken OCR runtime): fault injection, not a stand-in for OCR."""

    def recognize(self, image_bgr):
        raise RuntimeError("onnxruntime session failed")


@pytest.mark.parametrize("mode", ["page", "full", "regions"])
def test_a_re_read_that_cannot_run_withholds(tmp_path, manifest, mode):
    data = HOSTILE["invisible_layer"][0]()
    store, result = _release(tmp_path, manifest, _stale_text_layer_pages(), data, mode, engine=_FailingReader())
    assert result.released == [] and [w.code for w in result.withheld] == ["E_MASK_VERIFY"]
    assert "RuntimeError" in result.withheld[0].detail
    assert not list(store.list(release_prefix("2024", "hh", result.pseudonym) + "docs/"))
