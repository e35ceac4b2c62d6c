"""Released documents are named by checklist order and document type, never after the submitted file.

Units name files freely (``张三毕业证.jpg``, an ID number, a phone-camera name), so a submitted name
may carry PII. Every document of the applicant, released or not, gets ``NN_{doc_type}`` in the
order the committee binds materials (education, degree, title, appointment, CE card, assessments,
achievements, forms), the submitted order breaking ties; findings and evidence in the released
review refer to these names.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from zcps.manifest import Manifest
from zcps.models import DocType, DocumentResult

CHECKLIST_ORDER: tuple[DocType, ...] = (
    DocType.education_certificate, DocType.degree_certificate, DocType.title_certificate,
    DocType.appointment_letter, DocType.vocational_qualification, DocType.ce_card, DocType.annual_assessment,
    DocType.achievement, DocType.pledge, DocType.unit_evaluation, DocType.green_channel_form, DocType.other,
)
# Bookmark titles in the dossier (reviewer-facing, Chinese).
DOC_TITLES: dict[DocType, str] = {
    DocType.education_certificate: "学历证书", DocType.degree_certificate: "学位证书",
    DocType.title_certificate: "专业技术资格证书", DocType.appointment_letter: "聘任文件",
    DocType.vocational_qualification: "职业资格证书", DocType.ce_card: "继续教育审验卡",
    DocType.annual_assessment: "年度考核表", DocType.achievement: "业绩成果", DocType.pledge: "承诺书",
    DocType.unit_evaluation: "单位评价意见", DocType.green_channel_form: "绿色通道申报表", DocType.other: "其他材料",
}


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
        return DOC_TITLES[self.doc_type]


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
    typed.sort(key=lambda item: (CHECKLIST_ORDER.index(item[0]), item[1]))
    return [ReleaseName(file=file, order=order, doc_type=kind) for order, (kind, _, file) in enumerate(typed, 1)]


def renames(names: list[ReleaseName]) -> dict[str, str]:
    """Submitted reference → released reference, for rewriting the review: ``docs/{file}`` and the bare file."""
    mapping = {f"docs/{n.file}": n.document for n in names}
    mapping.update({n.file: n.stem for n in names})
    return mapping
