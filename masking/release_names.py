"""Released documents are named by checklist order and document type, never after the submitted file.

Units name files freely (``张三毕业证.jpg``, an ID number, a phone-camera name), so a submitted name
may carry PII. Every document of the applicant, released or not, gets ``NN_{doc_type}`` in the
order the committee binds materials (each spec file's ``release_order``: education, degree, title,
appointment, CE card, assessments, achievements, forms), the submitted order breaking ties; findings and evidence in the released
review refer to these names.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from validators.engine import doc_name
from zcps.doctypes import default_catalogue
from zcps.manifest import Manifest
from zcps.models import DocType, DocumentResult

class ReleaseName(BaseModel):
    """One submitted document's name in the release."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str  # the submitted file name (never released)
    order: int
    doc_type: DocType

    @property
    def stem(self) -> str:
        return f"{self.order:02d}_{self.doc_type.value}"

    @property
    def document(self) -> str:
        """The evidence reference in the released review, like the submitted ``docs/{file}``."""
        return f"docs/{self.stem}"

    @property
    def title(self) -> str:
        return doc_name(self.doc_type.value)  # the name findings use, as the dossier's bookmark


def _doc_type(result: DocumentResult, declared: dict[str, str]) -> DocType:
    if result.extraction is not None and result.extraction.doc_type is not DocType.other:
        return result.extraction.doc_type
    try:
        return DocType(declared.get(result.ref.file, DocType.other.value))
    except ValueError:
        return DocType.other


def release_names(manifest: Manifest, results: list[DocumentResult]) -> list[ReleaseName]:
    """Names for every document, in checklist order (the list order is the release order)."""
    declared = {doc.file.removeprefix("docs/"): doc.declared_type for doc in manifest.documents}
    typed = [(_doc_type(result, declared), index, result.ref.file) for index, result in enumerate(results)]
    typed.sort(key=lambda item: (default_catalogue().release_rank(item[0]), item[1]))
    return [ReleaseName(file=file, order=order, doc_type=kind) for order, (kind, _, file) in enumerate(typed, 1)]


def renames(names: list[ReleaseName]) -> dict[str, str]:
    """Submitted reference → released reference, for rewriting the review: ``docs/{file}`` and the bare file."""
    mapping = {f"docs/{n.file}": n.document for n in names}
    mapping.update({n.file: n.stem for n in names})
    return mapping
