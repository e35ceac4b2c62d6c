"""Pydantic models for a year's rules file (``validators/rules/{year}.yaml``), and which file a batch uses.

The file is the only place the numbers, names and messages of the notice live; the code reads them
from here, so a new year is a new YAML file, not a code change. ``rules_for_batch`` is the one place
that decides which file a batch runs on (docs/rules.md, "Which rules file").
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from zcps.errors import RulesInvalid, RulesMissing
from zcps.manifest import GREEN_CHANNEL_ITEMS, PATH_IDS, WORDS, EducationLevel, Grade, Level, SkillLevel
from zcps.models import DocType, RulesRef, Severity
from zcps.settings import Settings, get_settings

RULES_DIR = Path(__file__).parent / "rules"

# Rule ids the code emits; the rules file must define every one of them.
EMITTED_RULES = frozenset({
    "manifest.invalid", "file.unreadable", "docs.missing", "docs.senior_checklist", "identity.name_mismatch",
    "identity.name_unknown", "identity.id_unknown", "identity.id_mismatch", "duplicate.same_file", "duplicate.same_certificate",
    "extract.low_confidence", "extract.text_layer_mismatch",
    "declared.date_mismatch", "declared.level_mismatch", "declared.grade_mismatch", "declared.hours_mismatch",
    "cutoff.evidence_after", "cutoff.ce_verified_after", "qualification.education", "qualification.years_short",
    "qualification.prerequisite_title", "performance.grade_below", "performance.year_missing", "ce.hours_short",
    "ce.year_missing", "ce.unverified", "ce.township_exempt", "ce.non_public", "green_channel.other_committee",
    "green_channel.manual", "green_channel.form_missing", "rural.years_short", "township_institution.years_short",
    "rural_service.early", "non_public.years_short", "skilled.years_short", "transfer.years_short",
    "qualification_equivalence.manual", "transitional.township_recognition", "transitional.years_short",
    "path.not_applicable", "masking.withheld", "masking.dossier_unwritten", "xuexin.number_mismatch",
})

Location = Literal["city", "county", "township"]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSpec(Spec):
    section: str
    severity: Severity
    message: str


class PathSpec(Spec):
    name: str  # the one Chinese name; green_channel's holds {item}
    section: str


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
    id_misread_edits: int = Field(ge=0, le=4)
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
    paths: dict[str, PathSpec]
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
    _source: RulesRef | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _complete(self) -> "RuleSet":
        missing = sorted(EMITTED_RULES - set(self.rules))
        if missing:
            raise ValueError(f"rules file lacks rule ids: {', '.join(missing)}")
        # The manifest (zcps.manifest) accepts exactly the words this file ranks and names.
        for what, listed, accepted in (
                ("levels", self.levels, WORDS.levels), ("education_order", self.education_order, WORDS.education_levels),
                ("degree_equivalence", list(self.degree_equivalence), WORDS.degrees),
                ("grade_order", self.grade_order, WORDS.grades),
                ("skilled_worker.levels", list(self.skilled_worker.levels), WORDS.skill_levels),
                ("skilled_worker.school_class_equivalence", list(self.skilled_worker.school_class_equivalence),
                 WORDS.school_classes)):
            if sorted(listed) != sorted(accepted):
                raise ValueError(f"{what} must list exactly the manifest's words: {', '.join(accepted)}")
        if set(self.paths) != set(PATH_IDS):
            raise ValueError(f"paths must name exactly the manifest's paths: {', '.join(PATH_IDS)}")
        if sorted(self.green_channel.other_committee_items + self.green_channel.manual_items) != list(GREEN_CHANNEL_ITEMS):
            raise ValueError(f"green_channel items must cover {GREEN_CHANNEL_ITEMS[0]}–{GREEN_CHANNEL_ITEMS[-1]} once")
        for level in self.levels:
            if level not in self.standard_paths or level not in self.fees_yuan or level not in self.scoring:
                raise ValueError(f"level {level} needs standard_paths, fees_yuan and scoring entries")
        unknown = sorted({*self.vocabulary.grade_equivalence, *self.vocabulary.grade_equivalence.values()}
                         - set(self.grade_order))
        unknown += sorted(set(self.vocabulary.degree_words.values()) - set(self.degree_equivalence))
        if unknown:
            raise ValueError(f"vocabulary words outside grade_order/degree_equivalence: {', '.join(unknown)}")
        return self

    @property
    def source(self) -> RulesRef | None:
        """The file this rule set was read from, with its hash; None when built in memory."""
        return self._source

    def path_name(self, path: str | None) -> str | None:
        """The Chinese name of a declared path: ``green_channel:7`` → 绿色通道第7项; ``standard:中级③`` (a path
        with the clause it met) → 学历（学位）、资历条件（中级③）; an unknown id is shown as it is."""
        if path is None:
            return None
        base, _, clause = path.partition(":")
        spec = self.paths.get(base)
        if spec is None:
            return path
        if base == "green_channel":
            return spec.name.format(item=clause)
        return f"{spec.name}（{clause}）" if clause else spec.name

    def education_rank(self, level: str) -> int:
        return self.education_order.index(level)

    def level_rank(self, level: str) -> int:
        return self.levels.index(level)


def load_rules_file(path: Path) -> RuleSet:
    try:
        data = path.read_bytes()
        rules = RuleSet.model_validate(yaml.safe_load(data.decode("utf-8")))
    except FileNotFoundError:
        raise RulesMissing(f"{path}: no such rules file") from None
    except (yaml.YAMLError, ValidationError, ValueError) as exc:
        raise RulesInvalid(f"{path.name}: {exc}") from None
    name = f"validators/rules/{path.name}" if path.parent == RULES_DIR else path.name
    rules._source = RulesRef(file=name, sha256=hashlib.sha256(data).hexdigest())
    return rules


@lru_cache(maxsize=4)
def load_rules(year: str) -> RuleSet:
    """The rules for ``year`` from ``validators/rules/{year}.yaml``, parsed once per process."""
    if not year.isdigit():
        raise RulesMissing(f"rules year {year!r} is not a year")
    return load_rules_file(RULES_DIR / f"{year}.yaml")


_LEADING_YEAR = re.compile(r"^((?:19|20)\d{2})(?!\d)")


def rules_year_for(batch: str, settings: Settings | None = None) -> str:
    """The rules year of ``batch``: ``ZCPS_RULES_YEARS`` names it, else the year the batch name starts with
    (``2024``, ``2025-spring``), else ``ZCPS_RULES_YEAR``. The only reader of those settings."""
    settings = settings or get_settings()
    if batch in settings.rules_years:
        return settings.rules_years[batch]
    leading = _LEADING_YEAR.match(batch)
    return leading.group(1) if leading else settings.rules_year


def configured_years(settings: Settings | None = None) -> list[str]:
    """Every rules year the settings can send a batch to (``zcps doctor`` loads each)."""
    settings = settings or get_settings()
    return sorted({settings.rules_year, *settings.rules_years.values()})


def rules_for_batch(batch: str, settings: Settings | None = None) -> RuleSet:
    """The rules ``batch`` runs on; ``RulesMissing`` (a configuration error) when no file matches."""
    return load_rules(rules_year_for(batch, settings))


def default_rules(settings: Settings | None = None) -> RuleSet:
    """The rules of a batch that names no year (``ZCPS_RULES_YEAR``): for callers outside any batch,
    such as the extractors' printed-word vocabulary, which does not change between years."""
    return load_rules((settings or get_settings()).rules_year)


def rules_of(review) -> RuleSet:
    """The rules a ``Review`` was made under (its recorded file), else those of its batch."""
    ref = review.rules
    if ref is not None and ref.file.startswith("validators/rules/"):
        return load_rules(Path(ref.file).stem)
    return rules_for_batch(review.batch)
