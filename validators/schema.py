"""Pydantic models for a year's rules file (``validators/rules/{year}.yaml``) and its loader.

The file is the only place the numbers of the notice live; the code reads them from here, so a
new year is a new YAML file, not a code change.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from zcps.errors import RulesInvalid
from zcps.manifest import EducationLevel, Level, SkillLevel
from zcps.models import DocType, Severity

RULES_DIR = Path(__file__).parent / "rules"

# Rule ids the code emits; the rules file must define every one of them.
EMITTED_RULES = frozenset({
    "manifest.invalid", "file.unreadable", "docs.missing", "docs.senior_checklist", "identity.name_mismatch",
    "identity.name_unknown", "identity.id_mismatch", "duplicate.same_file", "duplicate.same_certificate",
    "extract.low_confidence", "extract.text_layer_mismatch",
    "declared.date_mismatch", "declared.level_mismatch", "declared.grade_mismatch", "declared.hours_mismatch",
    "cutoff.evidence_after", "cutoff.ce_verified_after", "qualification.education", "qualification.years_short",
    "qualification.prerequisite_title", "performance.grade_below", "performance.year_missing", "ce.hours_short",
    "ce.year_missing", "ce.unverified", "ce.township_exempt", "ce.non_public", "green_channel.other_committee",
    "green_channel.manual", "green_channel.form_missing", "rural.years_short", "township_institution.years_short",
    "rural_service.early", "non_public.years_short", "skilled.years_short", "transfer.years_short",
    "qualification_equivalence.manual", "transitional.township_recognition", "transitional.years_short",
    "path.not_applicable", "xuexin.number_mismatch",
})

Location = Literal["city", "county", "township"]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSpec(Spec):
    section: str
    severity: Severity
    message: str


class StandardPath(Spec):
    id: str
    section: str
    education: EducationLevel
    prerequisite_title: Level | None = None
    years: int = Field(ge=0)
    count_from: Literal["title", "work_start"] = "title"
    early_degrees: list[EducationLevel] = Field(default_factory=list)
    early_years: int = 0


class PerformanceRules(Spec):
    section: str
    years: list[int]
    passing_grades: list[str]


class ContinuingEducationRules(Spec):
    section: str
    years: list[int]
    min_total_hours: float
    min_professional_share: str
    township_exempt_months: int

    @field_validator("min_professional_share")
    @classmethod
    def _fraction(cls, value: str) -> str:
        Fraction(value)
        return value

    @property
    def professional_share(self) -> Fraction:
        return Fraction(self.min_professional_share)


class GreenChannelRules(Spec):
    section: str
    other_committee_items: list[int]
    manual_items: list[int]


class RuralArea(Spec):
    years: int
    locations: list[Location]


class RuralRules(Spec):
    section: str
    county: RuralArea
    township: RuralArea


class TownshipInstitutionRules(Spec):
    section: str
    target: Level
    locations: list[Location]
    years_by_education: dict[EducationLevel, int]


class RuralServiceRules(Spec):
    section: str
    min_months: int
    years_earlier: int


class EducationYears(Spec):
    education: EducationLevel
    years: int


class NonPublicRules(Spec):
    section: str
    options: dict[Level, list[EducationYears]]


class SkillStep(Spec):
    target: Level
    years: int


class SkilledWorkerRules(Spec):
    section: str
    levels: dict[SkillLevel, SkillStep]
    school_class_equivalence: dict[str, EducationLevel]


class TransferRules(Spec):
    section: str
    min_years_in_post: int
    min_years_with_new_title: int


class TransitionalOption(Spec):
    education: EducationLevel
    target: Level
    years: int


class TransitionalRules(Spec):
    section: str
    recognition_section: str
    recognition_locations: list[Location]
    county_locations: list[Location]
    county_years_earlier: int
    options: list[TransitionalOption]


class ChecklistItem(Spec):
    item: int
    name: str
    doc_types: list[DocType] = Field(default_factory=list)
    min_count: int = 1


class CertaintyDoubts(Spec):
    low_confidence: str
    alternative: str
    alternative_values: str
    no_holder_label: str


class CertaintyRules(Spec):
    block_confidence: float = Field(gt=0, le=1)
    holder_name_confidence: float = Field(gt=0, le=1)
    rules_without_hours: list[str] = Field(default_factory=list)
    doubtful: str
    both_ways: str
    read_only: str
    doubts: CertaintyDoubts
    declared_is_candidate: str


class CheckSpec(Spec):
    section: str | None = None
    doubt: str


class CESumCheck(CheckSpec):
    rounding_hours: float = Field(ge=0)
    read: str
    other: str


class HoursRangeCheck(CheckSpec):
    max_hours: float = Field(gt=0)


class OrderedDate(Spec):
    fact: Literal["birth", "graduated_on", "title_on", "cutoff"]
    label: str


class DateOrderCheck(CheckSpec):
    order: list[OrderedDate]


class AssessmentYearCheck(CheckSpec):
    signed_within_years: int = Field(ge=0)
    other_year: str
    signed: str


class ConsistencyRules(Spec):
    ce_sum: CESumCheck
    ce_parts_missing: CheckSpec
    ce_verified_in_year: CheckSpec
    ce_hours_range: HoursRangeCheck
    date_order: DateOrderCheck
    assessment_year: AssessmentYearCheck


class Vocabulary(Spec):
    """Printed words → the manifest's levels; what the extractors match (validators/rules/{year}.yaml)."""

    education_words: dict[str, EducationLevel]
    degree_words: dict[str, str]
    title_names: dict[str, Level]
    grade_equivalence: dict[str, str]


class CertificateNumberRules(Spec):
    """The codes inside 毕业证书编号 (18 digits) and 学位证书编号 (16 digits); validators/certificates.py."""

    school_types: dict[str, str]  # 办学类型 code → name
    education_levels: dict[str, EducationLevel]  # 培养层次 code → the manifest's education level
    degree_levels: dict[str, str]  # 学位级别 code → degree


class RuleSet(Spec):
    year: int
    cutoff: date
    cutoff_section: str
    levels: list[Level]
    education_order: list[EducationLevel]
    degree_equivalence: dict[str, EducationLevel]
    grade_order: list[str]
    standard_paths: dict[Level, list[StandardPath]]
    performance: PerformanceRules
    continuing_education: ContinuingEducationRules
    green_channel: GreenChannelRules
    rural: RuralRules
    township_institution: TownshipInstitutionRules
    rural_service: RuralServiceRules
    non_public: NonPublicRules
    skilled_worker: SkilledWorkerRules
    transfer: TransferRules
    transitional_2023: TransitionalRules
    required_documents: list[DocType]
    no_education_certificate_levels: list[Level]
    senior_checklist: list[ChecklistItem]
    certainty: CertaintyRules
    consistency: ConsistencyRules
    certificate_numbers: CertificateNumberRules
    scoring: dict[Level, str]
    fees_yuan: dict[Level, int]
    rules: dict[str, RuleSpec]
    vocabulary: Vocabulary

    @model_validator(mode="after")
    def _complete(self) -> "RuleSet":
        missing = sorted(EMITTED_RULES - set(self.rules))
        if missing:
            raise ValueError(f"rules file lacks rule ids: {', '.join(missing)}")
        for level in self.levels:
            if level not in self.standard_paths or level not in self.fees_yuan or level not in self.scoring:
                raise ValueError(f"level {level} needs standard_paths, fees_yuan and scoring entries")
        unknown = sorted({*self.vocabulary.grade_equivalence, *self.vocabulary.grade_equivalence.values()}
                         - set(self.grade_order))
        unknown += sorted(set(self.vocabulary.degree_words.values()) - set(self.degree_equivalence))
        if unknown:
            raise ValueError(f"vocabulary words outside grade_order/degree_equivalence: {', '.join(unknown)}")
        return self

    def education_rank(self, level: str) -> int:
        return self.education_order.index(level)

    def level_rank(self, level: str) -> int:
        return self.levels.index(level)


def load_rules_file(path: Path) -> RuleSet:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleSet.model_validate(raw)
    except FileNotFoundError:
        raise RulesInvalid(f"{path}: no such rules file") from None
    except (yaml.YAMLError, ValidationError, ValueError) as exc:
        raise RulesInvalid(f"{path.name}: {exc}") from None


@lru_cache(maxsize=4)
def load_rules(year: str) -> RuleSet:
    """The rules for ``year`` from ``validators/rules/{year}.yaml``, parsed once per process."""
    if not year.isdigit():
        raise RulesInvalid(f"rules year {year!r} is not a year")
    return load_rules_file(RULES_DIR / f"{year}.yaml")
