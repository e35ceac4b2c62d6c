"""Pick the evidence for each fact the rules need: documents over declarations, never past the cutoff.

Each resolved fact keeps where it came from (file, page, bbox, confidence) so a finding can point at
the crop. Document evidence dated after the cutoff is not used and is reported as ``cutoff.*``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field as PydField

from validators.engine import FindingMaker, doc_name
from validators.periods import is_after, is_date
from validators.schema import RuleSet
from zcps.manifest import Manifest
from zcps.models import CERecord, DocType, DocumentFingerprint, DocumentResult, Evidence, Field, Finding, Status


class Fact(BaseModel):
    """One value the rules use, with its provenance; ``file`` is None for a declared value."""

    value: str | int | float
    field: str
    doc_type: str | None = None
    file: str | None = None
    confidence: float = 1.0
    evidence: Evidence | None = None
    label: str | None = None  # the printed label the value was read by
    doubts: list[str] = PydField(default_factory=list)  # reviewer-facing Chinese, from extraction and checks
    alternatives: list["Fact"] = PydField(default_factory=list)  # other readings the document holds

    @property
    def from_document(self) -> bool:
        return self.file is not None


class CEYear(BaseModel):
    year: int
    public_hours: float | None = None
    professional_hours: float | None = None
    total_hours: float | None = None
    verified_on: str | None = None
    verified: bool | None = None  # False: hours without a verification date or seal (never counted as verified)
    file: str | None = None
    confidence: float = 1.0
    evidence: Evidence | None = None
    doubts: list[str] = PydField(default_factory=list)  # the extractor's and the verification date's
    hours_doubts: list[str] = PydField(default_factory=list)  # only rules that use the hours are weakened

    @property
    def from_document(self) -> bool:
        return self.file is not None

    @property
    def parts(self) -> float:
        return (self.public_hours or 0) + (self.professional_hours or 0)

    @property
    def total(self) -> float:
        if self.total_hours is not None:
            return self.total_hours
        return (self.public_hours or 0) + (self.professional_hours or 0)


class Facts(BaseModel):
    education_level: Fact | None = None
    degree: Fact | None = None
    graduated_on: Fact | None = None
    title_level: Fact | None = None
    title_on: Fact | None = None
    skill_level: Fact | None = None
    skill_on: Fact | None = None
    green_channel_item: Fact | None = None
    work_start: str | None = None
    assessments: dict[int, Fact] = PydField(default_factory=dict)
    # the printed year and the signing date of the form each assessment came from (consistency checks)
    assessment_years: dict[int, Fact] = PydField(default_factory=dict)
    assessment_signed: dict[int, Fact] = PydField(default_factory=dict)
    ce_years: dict[int, CEYear] = PydField(default_factory=dict)
    ce_verified_after: dict[int, CEYear] = PydField(default_factory=dict)
    readable_types: list[str] = PydField(default_factory=list)
    failed_types: list[str] = PydField(default_factory=list)
    cutoff_findings: list[Finding] = PydField(default_factory=list)

    def document_values(self) -> Iterator[tuple[str, Fact | CEYear]]:
        """(slot, value) for every value read from a document; a slot names where it sits, e.g.
        ``title_on``, ``assessments.2022``, ``ce_years.2021``."""
        for name in SINGLE_FACTS:
            fact = getattr(self, name)
            if fact is not None and fact.from_document:
                yield name, fact
        for name in ("assessments", "ce_years", "ce_verified_after"):
            for year, value in getattr(self, name).items():
                if value.from_document:
                    yield f"{name}.{year}", value

    def replaced(self, slot: str, value: Fact | CEYear) -> "Facts":
        """A copy with the value in ``slot`` replaced, to ask what a rule says under another reading."""
        name, _, year = slot.partition(".")
        if not year:
            return self.model_copy(update={name: value})
        return self.model_copy(update={name: {**getattr(self, name), int(year): value}})

    def has_document(self, doc_type: str) -> bool:
        return doc_type in self.readable_types

    def count(self, doc_type: str) -> int:
        return self.readable_types.count(doc_type)


SINGLE_FACTS = ("education_level", "degree", "graduated_on", "title_level", "title_on", "skill_level", "skill_on",
                "green_channel_item")


def document_path(result: DocumentResult | DocumentFingerprint) -> str:
    return f"docs/{result.ref.file}"


def field_evidence(result: DocumentResult, field: Field) -> Evidence:
    return Evidence(document=document_path(result), page=field.page, bbox=field.bbox)


# A malformed date in one of these fields is treated as not read, never guessed at.
DATE_FIELDS = frozenset({"graduated_on", "conferred_on", "qualified_on", "obtained_on", "issued_on", "signed_on",
                         "appointed_on"})


def _fact(result: DocumentResult, name: str) -> Fact | None:
    field = result.extraction.fields.get(name) if result.extraction else None
    if field is None or field.value in (None, ""):
        return None
    if name in DATE_FIELDS and not is_date(field.value):
        return None
    doc_type, file = result.extraction.doc_type.value, document_path(result)
    alternatives = [Fact(value=c.value, field=name, doc_type=doc_type, file=file, confidence=c.confidence,
                         label=c.label, evidence=Evidence(document=file, page=c.page, bbox=c.bbox))
                    for c in field.alternatives
                    if c.value not in (None, "", field.value) and (name not in DATE_FIELDS or is_date(c.value))]
    return Fact(value=field.value, field=name, doc_type=doc_type, file=file, confidence=field.confidence,
                evidence=field_evidence(result, field), label=field.label, doubts=list(field.doubts),
                alternatives=alternatives)


def _declared(value: str | None, name: str) -> Fact | None:
    return None if value is None else Fact(value=value, field=name)


def _of_type(documents: list[DocumentResult], doc_type: DocType) -> list[DocumentResult]:
    return [d for d in documents if d.extraction is not None and d.extraction.doc_type is doc_type]


class _Resolver:
    def __init__(self, manifest: Manifest, documents: list[DocumentResult], rules: RuleSet):
        self.manifest = manifest
        self.rules = rules
        self.maker = FindingMaker(rules)
        self.readable = [d for d in documents if d.status is not Status.failed and d.extraction is not None]
        self.facts = Facts(work_start=manifest.technical_work_start)

    def within_cutoff(self, result: DocumentResult, fact: Fact | None) -> Fact | None:
        """A date after the cutoff does not count; it is reported and the fact is dropped."""
        if fact is None or not is_after(str(fact.value), self.rules.cutoff):
            return fact
        self.facts.cutoff_findings.append(self.maker.make(
            "cutoff.evidence_after", section=self.rules.cutoff_section, extracted=fact.value,
            evidence=fact.evidence, doc_name=doc_name(result.extraction.doc_type.value), file=fact.file,
            date=fact.value))
        return None

    def resolve(self) -> Facts:
        facts = self.facts
        facts.readable_types = [d.extraction.doc_type.value for d in self.readable]
        self._education()
        self._title()
        self._skill()
        self._assessments()
        self._continuing_education()
        self._other_evidence()
        forms = _of_type(self.readable, DocType.green_channel_form)
        facts.green_channel_item = next((f for f in (_fact(d, "green_channel_item") for d in forms) if f), None)
        return facts

    def first_within_cutoff(self, documents: list[DocumentResult], key: str,
                            date_field: str) -> tuple[Fact | None, Fact | None]:
        """The first document (in the given order) carrying ``key`` whose date is not after the cutoff."""
        for result in documents:
            value, dated = _fact(result, key), _fact(result, date_field)
            if value is not None and (dated is None or self.within_cutoff(result, dated) is not None):
                return value, dated
        return None, None

    def _education(self) -> None:
        declared = self.manifest.education
        order = self.rules.education_order
        certificates = [d for d in _of_type(self.readable, DocType.education_certificate)
                        if str(getattr(_fact(d, "education_level"), "value", "")) in order]
        certificates.sort(key=lambda d: order.index(str(_fact(d, "education_level").value)), reverse=True)
        if certificates:
            level, graduated = self.first_within_cutoff(certificates, "education_level", "graduated_on")
            self.facts.education_level = level
            self.facts.graduated_on = graduated or (_declared(declared.graduated_on, "graduated_on") if level else None)
        else:
            self.facts.education_level = _declared(declared.level, "education_level")
            self.facts.graduated_on = _declared(declared.graduated_on, "graduated_on")
        degrees = _of_type(self.readable, DocType.degree_certificate)
        if degrees:
            self.facts.degree = self.first_within_cutoff(degrees, "degree", "conferred_on")[0]
        else:
            self.facts.degree = _declared(declared.degree, "degree")

    def _title(self) -> None:
        declared = self.manifest.current_title
        certificates = [d for d in _of_type(self.readable, DocType.title_certificate) if _fact(d, "title_level")]
        if declared is not None:
            certificates.sort(key=lambda d: _fact(d, "title_level").value != declared.level)
        if certificates:
            level, qualified = self.first_within_cutoff(certificates, "title_level", "qualified_on")
            self.facts.title_level = level
            if level is not None:
                self.facts.title_on = qualified or _declared(getattr(declared, "obtained_on", None), "qualified_on")
        elif declared is not None:
            self.facts.title_level = _declared(declared.level, "title_level")
            self.facts.title_on = _declared(declared.obtained_on, "qualified_on")

    def _skill(self) -> None:
        declared = self.manifest.skill
        certificates = _of_type(self.readable, DocType.vocational_qualification)
        if any(_fact(d, "skill_level") for d in certificates):
            level, obtained = self.first_within_cutoff(certificates, "skill_level", "obtained_on")
            self.facts.skill_level = level
            if level is not None:
                self.facts.skill_on = obtained or _declared(getattr(declared, "obtained_on", None), "obtained_on")
        elif declared is not None:
            self.facts.skill_level = _declared(declared.level, "skill_level")
            self.facts.skill_on = _declared(declared.obtained_on, "obtained_on")

    def _assessments(self) -> None:
        for result in _of_type(self.readable, DocType.annual_assessment):
            year, grade = _fact(result, "year"), _fact(result, "grade")
            if year is None or grade is None:
                continue
            try:
                number = int(year.value)
            except ValueError:
                continue
            if number in self.facts.assessments:
                continue
            self.facts.assessments[number] = grade
            self.facts.assessment_years[number] = year
            signed = _fact(result, "signed_on")
            if signed is not None:
                self.facts.assessment_signed[number] = signed

    def _continuing_education(self) -> None:
        for result in _of_type(self.readable, DocType.ce_card):
            for record in result.extraction.records:
                year = _ce_year(result, record)
                if is_date(record.verified_on) and is_after(record.verified_on, self.rules.cutoff):
                    self.facts.ce_verified_after.setdefault(record.year, year)
                else:
                    self.facts.ce_years.setdefault(record.year, year)
        for year in self.facts.ce_years:
            self.facts.ce_verified_after.pop(year, None)

    def _other_evidence(self) -> None:
        """Achievements and unclassified material count only up to the cutoff (§一(一)3)."""
        for result in self.readable:
            if result.extraction.doc_type not in (DocType.achievement, DocType.other):
                continue
            issued = _fact(result, "issued_on")
            if issued is None:
                dated = [d for d in result.extraction.dates if is_date(d.value)]
                latest = max(dated, key=lambda d: str(d.value), default=None)
                issued = None if latest is None else Fact(
                    value=latest.value, field="dates", doc_type=result.extraction.doc_type.value,
                    file=document_path(result), confidence=latest.confidence,
                    evidence=field_evidence(result, latest))
            self.within_cutoff(result, issued)


def _ce_year(result: DocumentResult, record: CERecord) -> CEYear:
    return CEYear(year=record.year, public_hours=record.public_hours, professional_hours=record.professional_hours,
                  total_hours=record.total, verified_on=record.verified_on, verified=record.verified,
                  file=document_path(result),
                  confidence=record.confidence, doubts=list(record.doubts),
                  evidence=Evidence(document=document_path(result), page=record.page, bbox=record.bbox))


def resolve_facts(manifest: Manifest, documents: list[DocumentResult], rules: RuleSet) -> Facts:
    facts = _Resolver(manifest, documents, rules).resolve()
    declared_types = {d.file.removeprefix("docs/"): d.declared_type for d in manifest.documents}
    facts.failed_types = [declared_types.get(d.ref.file, "other") for d in documents if d.status is Status.failed]
    return facts
