"""``DocumentText`` → ``Extraction``: classify, then run the extractor of the document's type."""

from __future__ import annotations

from extractors.ce_table import extract_ce_records
from extractors.classify import classify_text
from extractors.fields import date_fields, identity_fields, page_rows
from extractors.fields_types import EXTRACTORS
from zcps.models import DocType, DocumentText, Extraction


def extract_document(text: DocumentText, doc_type: DocType | None = None) -> Extraction:
    """Fields with provenance; ``doc_type`` skips classification when the caller already knows it."""
    if doc_type is None:
        classification = classify_text(text)
        doc_type, confidence = classification.doc_type, classification.confidence
    else:
        confidence = 1.0
    lines = page_rows(text)
    fields = identity_fields(lines)
    extractor = EXTRACTORS.get(doc_type)
    if extractor is not None:
        fields.update(extractor(lines))
    records = extract_ce_records(text.pages) if doc_type is DocType.ce_card else []
    return Extraction(doc_type=doc_type, doc_type_confidence=confidence, fields=fields,
                      dates=date_fields(lines), records=records)
