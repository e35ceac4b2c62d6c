"""The declared data of one applicant (``manifest.json``, schema ``zcps.manifest/1``, docs/contracts.md).

Validated on read: an unknown field or a bad value is an applicant-level ``ManifestInvalid``
whose message names the field (never its value, which may be personal data).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zcps.errors import ManifestInvalid
from zcps.text import unsafe_characters, visible


class ManifestWords(BaseModel):
    """``zcps/data/manifest_words.yaml``: every word a manifest may declare, each list once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: tuple[str, ...]
    education_levels: tuple[str, ...]
    degrees: tuple[str, ...]
    grades: tuple[str, ...]
    skill_levels: tuple[str, ...]
    school_classes: tuple[str, ...]
    paths: tuple[str, ...]
    green_channel_items: tuple[int, int]


def _read_words() -> ManifestWords:
    text = resources.files("zcps").joinpath("data/manifest_words.yaml").read_text(encoding="utf-8")
    return ManifestWords.model_validate(yaml.safe_load(text))


WORDS = _read_words()  # the types below are built from it, so it is read when this module is imported
Level = Literal[WORDS.levels]
EducationLevel = Literal[WORDS.education_levels]
Degree = Literal[WORDS.degrees]
Grade = Literal[WORDS.grades]
SkillLevel = Literal[WORDS.skill_levels]
SchoolClass = Literal[WORDS.school_classes]
PATH_IDS = WORDS.paths
GREEN_CHANNEL_ITEMS = range(WORDS.green_channel_items[0], WORDS.green_channel_items[1] + 1)

_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_PATH = re.compile(
    "^(" + "|".join(f"green_channel:[{GREEN_CHANNEL_ITEMS[0]}-{GREEN_CHANNEL_ITEMS[-1]}]" if p == "green_channel"
                    else p for p in PATH_IDS) + ")$"
)
_YEAR = re.compile(r"^(19|20)\d{2}$")


def _check_date(value: str | None) -> str | None:
    if value is not None and not _DATE.match(value):
        raise ValueError("must be YYYY-MM-DD or YYYY-MM")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Education(Strict):
    level: EducationLevel
    degree: Degree | None = None
    graduated_on: str | None = None
    specialty_related: bool = False
    school: str | None = None

    _d = field_validator("graduated_on")(_check_date)


class CurrentTitle(Strict):
    level: Level
    name: str
    obtained_on: str
    series: str = "电力工程"

    _d = field_validator("obtained_on")(_check_date)


class Skill(Strict):
    level: SkillLevel
    obtained_on: str
    school_class: SchoolClass | None = None

    _d = field_validator("obtained_on")(_check_date)


class Hours(Strict):
    public: float = Field(ge=0, le=1000)
    professional: float = Field(ge=0, le=1000)


class DeclaredDocument(Strict):
    file: str
    declared_type: str


class Manifest(Strict):
    schema_: Literal["zcps.manifest/1"] = Field(alias="schema")
    applicant_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=40)
    id_number: str = Field(min_length=15, max_length=18)
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    unit: str
    unit_location: Literal["city", "county", "township"]
    sector: Literal["public", "non_public"]
    series: str = "电力工程"
    target_level: Level
    education: Education
    technical_work_start: str | None = None
    current_title: CurrentTitle | None = None
    skill: Skill | None = None
    paths: list[str] = Field(default_factory=lambda: ["standard"], min_length=1)
    assessments: dict[str, Grade] = Field(default_factory=dict)
    ce_hours: dict[str, Hours] = Field(default_factory=dict)
    township_service_months: dict[str, int] = Field(default_factory=dict)
    documents: list[DeclaredDocument] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    _d = field_validator("technical_work_start")(_check_date)

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not _PATH.match(path):
                raise ValueError(f"unknown path {path!r}")
        return value

    @field_validator("assessments", "ce_hours", "township_service_months")
    @classmethod
    def _years(cls, value: dict) -> dict:
        for year in value:
            if not _YEAR.match(year):
                raise ValueError("keys must be four-digit years")
        return value


def unsafe_text_field(raw: object) -> str | None:
    """The dotted path of the first string (key or value) holding a control, bidi-override or unpaired
    surrogate character, or None. Iterative: a manifest may be nested deeper than Python recurses."""
    pending: list[tuple[str, object]] = [("", raw)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if unsafe_characters(value):
                return path or "(root)"
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if unsafe_characters(key):
                    return f"{path}.(key)" if path else "(key)"
                pending.append((where, item))
        elif isinstance(value, list):
            pending.extend((f"{path}.{index}", item) for index, item in enumerate(value))
    return None


def parse_manifest(data: bytes | str, *, source: str = "manifest.json") -> Manifest:
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestInvalid(f"{source}: not valid JSON ({type(exc).__name__})") from None
    except RecursionError:
        raise ManifestInvalid(f"{source}: nested too deeply to be a manifest") from None
    if not isinstance(raw, dict):
        raise ManifestInvalid(f"{source}: the top level must be a JSON object")
    unsafe = unsafe_text_field(raw)
    if unsafe is not None:
        # The field is named, never its value: the value is applicant data and holds the bad character.
        raise ManifestInvalid(f"{source}: {_printable_path(unsafe)}: contains a control or bidirectional-override "
                              "character")
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ManifestInvalid(f"{source}: {problems}") from None


def _printable_path(path: str) -> str:
    return visible(path, keep="")[:120]
