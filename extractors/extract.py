"""``DocumentText`` → ``Extraction``: classify, analyse the layout, then read each field of the type's spec.

Nothing here knows a document type: the specs (extractors/specs/*.yaml) say which fields a type
has, by which labels and where; ``associate`` finds them; CE records come from ``ce_records``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from extractors.associate import COMPLETED_CERTAINTY, Reading, find_field, wrapped_dates
from extractors.ce_records import extract_ce_records
from extractors.classify import classify_text
from extractors.doc_specs import DocSpec, FieldSpec, specs
from extractors.dates import COMPLETED_DOUBT, DAY_MISSING_DOUBT, complete_year, find_dates, find_incomplete_dates, \
    is_month_only
from extractors.fields_boxes import span_bbox
from extractors.geometry import page_image
from extractors.matches import Match
from extractors.layout import DocumentLayout, analyse, ruling_cells
from extractors.levels import title_level
from extractors.grades import garbled_options
from extractors.strategies import MISREAD_OPTIONS_DOUBT, STRATEGIES, image_marked_grade
from zcps.errors import InputError, SpecInvalid
from zcps.models import DocType, DocumentText, Extraction, Field

log = logging.getLogger(__name__)
_ANY_DATE = FieldSpec(kind="date")


@lru_cache(maxsize=1)
def _checked_specs():
    registry = specs()
    for spec in registry:
        for name, field_spec in spec.fields.items():
            if field_spec.strategy is not None and field_spec.strategy not in STRATEGIES:
                raise SpecInvalid(f"{spec.doc_type}.{name}: unknown strategy {field_spec.strategy!r}")
            if field_spec.same_as is not None and field_spec.same_as not in spec.fields:
                raise SpecInvalid(f"{spec.doc_type}.{name}: same_as names no field {field_spec.same_as!r}")
    return registry


def _read_field(layout: DocumentLayout, field_spec: FieldSpec, found: dict[str, Field]) -> Field | None:
    if field_spec.same_as is not None and field_spec.same_as in found:
        source = found[field_spec.same_as]
        return source.model_copy(update={"value": title_level(str(source.value))})
    if field_spec.strategy is not None:
        field = STRATEGIES[field_spec.strategy](layout, field_spec)
        if field is not None:
            return field
    return find_field(layout, field_spec)


def _doubt_a_date_without_its_day(field: Field, field_spec: FieldSpec) -> None:
    """A field the form prints to the day, read as year and month only: the day was there and is lost."""
    if not (field_spec.kind == "date" and field_spec.full_date and is_month_only(field.value)):
        return
    doubt = DAY_MISSING_DOUBT.format(raw=field.raw)
    if doubt not in field.doubts:
        field.doubts.append(doubt)


def read_fields(layout: DocumentLayout, spec: DocSpec | None) -> dict[str, Field]:
    registry = _checked_specs()
    field_specs = spec.fields if spec is not None else registry.shared
    found: dict[str, Field] = {}
    for name, field_spec in field_specs.items():
        field = _read_field(layout, field_spec, found)
        if field is not None:
            _doubt_a_date_without_its_day(field, field_spec)
            found[name] = field
    return found


def _doubt_a_garbled_option_list(field: Field, layout: DocumentLayout) -> None:
    """A grade read as the only whole word of an option list whose other words OCR broke is doubtful."""
    if field.method == "mark" or field.bbox is None or MISREAD_OPTIONS_DOUBT in field.doubts:
        return
    cx, cy = (field.bbox[0] + field.bbox[2]) / 2, (field.bbox[1] + field.bbox[3]) / 2
    for cell in layout.cells:
        x0, y0, x1, y1 = cell.bbox
        if cell.page == field.page and x0 <= cx <= x1 and y0 <= cy <= y1 and garbled_options(cell.text, field.raw):
            field.doubts.append(MISREAD_OPTIONS_DOUBT)
            return


def document_dates(layout: DocumentLayout) -> list[Field]:
    """Every date printed on the document, row by row (a date split over two cells of a row reads
    whole), then dates split over two rows, then dates whose lost year digit the document restores."""
    dates = [Reading(d, cell, "pattern", None, span_bbox(cell.line, d.span)).field(None)
             for cell in layout.row_cells for d in find_dates(cell.line)]
    dates += [reading.field(None) for reading in wrapped_dates(layout, _ANY_DATE)]
    printed = [str(d.value) for d in dates]
    for cell in layout.row_cells:
        for raw, span in find_incomplete_dates(cell.text):
            value = complete_year(raw, printed)
            if value is not None:
                reading = Reading(Match(value, raw, span, COMPLETED_CERTAINTY), cell, "pattern", None, span_bbox(cell.line, span))
                dates.append(reading.field(None).model_copy(update={"doubts": [COMPLETED_DOUBT]}))
    return dates


PageImages = Callable[[int], "np.ndarray | None"]  # page number → the upright page image, or None


def page_images_of(data: bytes, filename: str, text: DocumentText) -> PageImages:
    """Each page's upright image (as OCR saw it), decoded on first use only: most documents need none."""
    pages = {page.number: page for page in text.pages}

    @lru_cache(maxsize=None)
    def image(number: int) -> np.ndarray | None:
        if number not in pages:
            return None
        try:
            return page_image(data, filename, pages[number])
        except InputError as exc:
            # the text came from the cache; without the image the layout comes from the boxes alone
            log.warning("page %d image unavailable (%s); layout from boxes only", number, exc.code)
            return None
    return image


def extract_document(text: DocumentText, doc_type: DocType | None = None,
                     page_images: PageImages | None = None) -> Extraction:
    """Fields with provenance; ``doc_type`` skips classification when the caller already knows it.
    ``page_images`` (``page_images_of``) lets a CE card's ruled cells and an option list's marks be read
    from the image; without it the layout comes from the boxes alone."""
    if doc_type is None:
        classification = classify_text(text)
        doc_type, confidence = classification.doc_type, classification.confidence
    else:
        confidence = 1.0
    registry = _checked_specs()
    spec = registry.get(doc_type) if doc_type is not DocType.other else None
    tables = {}
    if spec is not None and spec.ce_records and page_images is not None:
        tables = {page.number: ruling_cells(image) for page in text.pages if (image := page_images(page.number)) is not None}
    layout = analyse(text, tables)
    fields = read_fields(layout, spec)
    if spec is not None and page_images is not None:
        for name, field_spec in spec.fields.items():
            if field_spec.kind == "grade" and name not in fields:
                marked = image_marked_grade(layout, page_images)
                if marked is not None:
                    fields[name] = marked
    for name, field in fields.items():
        if spec is not None and name in spec.fields and spec.fields[name].kind == "grade":
            _doubt_a_garbled_option_list(field, layout)
    records = extract_ce_records(text.pages, tables) if spec is not None and spec.ce_records else []
    return Extraction(doc_type=doc_type, doc_type_confidence=confidence, fields=fields,
                      dates=document_dates(layout), records=records)
