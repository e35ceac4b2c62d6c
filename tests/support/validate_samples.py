"""Builders for the validator tests: a declared manifest and the documents that evidence it.

The documents carry the ``Extraction`` an extractor would produce (field names of docs/contracts.md),
built directly so each test states exactly which evidence the rules see.
"""

from __future__ import annotations

import copy

from zcps.idcard import with_check_digit

from zcps.manifest import Manifest
from zcps.models import (
    CERecord, DocType, DocumentRef, DocumentResult, ErrorInfo, Extraction, Field, Status,
)

ID_BASE = "15010219850315231"
APPLICANT_ID_NUMBER = with_check_digit(ID_BASE)
APPLICANT_NAME = "王建国"
BOX = (40.0, 120.0, 420.0, 160.0)

BASE_MANIFEST = {
    "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0007", "name": APPLICANT_NAME,
    "id_number": APPLICANT_ID_NUMBER, "phone": "13904711234", "email": None, "address": "呼和浩特市赛罕区某路1号",
    "unit": "内蒙古电力（集团）有限责任公司呼和浩特供电分公司", "unit_location": "city", "sector": "public",
    "series": "电力工程", "target_level": "中级",
    "education": {"level": "本科", "degree": "学士", "graduated_on": "2012-07-01", "specialty_related": True},
    "technical_work_start": "2012-07-15",
    "current_title": {"level": "助理级", "name": "助理工程师", "obtained_on": "2019-12-28", "series": "电力工程"},
    "skill": None, "paths": ["standard"],
    "assessments": {"2021": "称职", "2022": "优秀", "2023": "称职"},
    "ce_hours": {str(y): {"public": 30, "professional": 60} for y in (2021, 2022, 2023)},
    "township_service_months": {}, "documents": [],
}


def manifest(**changes) -> Manifest:
    """The base applicant with top-level keys replaced; dict values for ``education``,
    ``current_title`` and ``skill`` are merged into the base (None removes them)."""
    data = copy.deepcopy(BASE_MANIFEST)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict) and key in ("education", "current_title"):
            data[key].update(value)
        else:
            data[key] = value
    return Manifest.model_validate(data)


def field(value, confidence: float = 0.99, page: int = 1, role: str | None = None) -> Field:
    return Field(value=value, raw=str(value), confidence=confidence, page=page, bbox=BOX, role=role)


def document(doc_type: str, file: str, fields: dict | None = None, *, records: list[CERecord] | None = None,
             holder: tuple[str | None, str | None] = (APPLICANT_NAME, APPLICANT_ID_NUMBER), sha256: str | None = None,
             confidence: float = 0.99, unit: str = "hhht", applicant: str = "2024-HH-0007") -> DocumentResult:
    values = dict(fields or {})
    name, id_number = holder
    if name is not None:
        values.setdefault("name", name)
    if id_number is not None:
        values.setdefault("id_number", id_number)
    extraction = Extraction(doc_type=DocType(doc_type), doc_type_confidence=0.95,
                            fields={k: field(v, confidence, role="holder" if k == "name" else None)
                                    for k, v in values.items()}, records=records or [])
    return DocumentResult(ref=DocumentRef(batch="2024", unit=unit, applicant=applicant, file=file),
                          status=Status.done, sha256=sha256 or f"sha-{applicant}-{file}", extraction=extraction)


def failed(file: str, code: str = "E_CORRUPT_FILE", applicant: str = "2024-HH-0007") -> DocumentResult:
    return DocumentResult(ref=DocumentRef(batch="2024", unit="hhht", applicant=applicant, file=file),
                          status=Status.failed, sha256="e3b0c44298fc1c149afbf4c8996fb924",
                          errors=[ErrorInfo(code=code, message="cannot read", stage="acquire")])


def ce_record(year: int, public: float = 30, professional: float = 60, verified_on: str | None = None,
              confidence: float = 0.99) -> CERecord:
    return CERecord(year=year, public_hours=public, professional_hours=professional, total=public + professional,
                    verified_on=verified_on or f"{year}-12-15", confidence=confidence, page=1, bbox=BOX)


def documents_for(m: Manifest, *, without: tuple[str, ...] = ()) -> list[DocumentResult]:
    """The file set consistent with the manifest: every declared fact has its document."""
    edu = m.education
    holder = (m.name, m.id_number)
    docs = [document("education_certificate", "01_education.jpg",
                     {"education_level": edu.level, "graduated_on": edu.graduated_on, "certificate_number": "EDU-1"},
                     holder=(m.name, None))]
    if edu.degree:
        docs.append(document("degree_certificate", "02_degree.jpg", {"degree": edu.degree}, holder=(m.name, None)))
    if m.current_title:
        docs.append(document("title_certificate", "03_title.jpg", {
            "title_level": m.current_title.level, "title_name": m.current_title.name,
            "series": m.current_title.series, "qualified_on": m.current_title.obtained_on,
            "certificate_number": "T-1"}, holder=holder))
    if m.skill:
        docs.append(document("vocational_qualification", "04_skill.jpg",
                             {"skill_level": m.skill.level, "obtained_on": m.skill.obtained_on}, holder=holder))
    records = [ce_record(int(y), h.public, h.professional) for y, h in sorted(m.ce_hours.items())]
    docs.append(document("ce_card", "05_ce_card.jpg", records=records, holder=holder))
    for year, grade in sorted(m.assessments.items()):
        docs.append(document("annual_assessment", f"06_assessment_{year}.jpg",
                             {"year": int(year), "grade": grade, "signed_on": f"{int(year) + 1}-01-10"}, holder=holder))
    if m.target_level == "正高级" and m.current_title:
        docs.append(document("appointment_letter", "03_appointment.jpg",
                             {"title_level": m.current_title.level, "appointed_on": m.current_title.obtained_on},
                             holder=holder))
        docs.append(document("achievement", "06_paper.pdf", {"title": "论文", "issued_on": "2022-06-01"}, holder=holder))
    docs.append(document("pledge", "07_pledge.jpg", {"signed_on": "2024-06-20"}, holder=holder))
    docs.append(document("unit_evaluation", "08_unit_evaluation.jpg", {"signed_on": "2024-06-26"},
                         holder=(m.name, None)))
    for path in m.paths:
        if path.startswith("green_channel:"):
            docs.append(document("green_channel_form", "09_green.jpg",
                                 {"green_channel_item": int(path.split(":")[1]), "signed_on": "2024-06-21"},
                                 holder=holder))
    return [d for d in docs if d.extraction.doc_type.value not in without]


def replace_field(docs: list[DocumentResult], doc_type: str, name: str, value, confidence: float = 0.99,
                  year: int | None = None) -> None:
    for result in docs:
        extraction = result.extraction
        if extraction is None or extraction.doc_type.value != doc_type:
            continue
        if year is not None and extraction.fields["year"].value != year:
            continue
        extraction.fields[name] = field(value, confidence)


def review_rules(review) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in review.findings}
