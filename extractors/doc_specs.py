"""Document-type specs: one YAML file per type under ``extractors/specs/``, checked and registered once.

A spec holds the title keywords (with weights) that classify a document and, per field, the
label synonyms, the kind of value, the role of a name and where the value may sit relative to
its label. ``_shared.yaml`` holds the fields every document may print (name, ID number); a
type's own field of the same name replaces it. Adding a document type is one YAML file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zcps.errors import SpecInvalid, UnknownDocType
from zcps.models import DocType

SPEC_DIR = Path(__file__).parent / "specs"
SHARED_FILE = "_shared.yaml"

Kind = Literal["date", "year", "hours", "grade", "level", "name", "id", "number", "text", "item"]
Where = Literal["same_line", "right", "below", "wrap", "sentence"]
LevelVocabulary = Literal["education", "degree", "title_name", "title_level", "skill"]
ALL_PLACES: tuple[Where, ...] = ("same_line", "right", "below", "wrap", "sentence")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    kind: Kind
    vocabulary: LevelVocabulary | None = None  # which rules-file vocabulary a ``level`` reads
    labels: list[str] = Field(default_factory=list)  # synonyms; spaces between characters are allowed
    role: Literal["holder", "signer"] | None = None
    where: list[Where] = Field(default_factory=lambda: list(ALL_PLACES))
    # regexes with a (?P<v>…) group, tried on whole rows: 于(?P<v>…)毕业
    sentences: list[str] = Field(default_factory=list)
    # without a labelled or sentence value: the first / last value of this kind anywhere, or none
    unlabelled: Literal["first", "last", "none"] = "first"
    # a value with one of these words just before it is set aside (出生日期 is not the issue date)
    avoid: list[str] = Field(default_factory=list)
    # words the document's own value sits under or after (the unit seal): the nearest value wins
    near: list[str] = Field(default_factory=list)
    # a regex the value must match for text/number kinds (group v when present)
    pattern: str | None = None
    # copy this field's value, mapped through the vocabulary, when that field was found
    same_as: str | None = None
    strategy: str | None = None  # a named reader in extractors.strategies, tried before the labels

    @field_validator("sentences", "avoid", "near")
    @classmethod
    def _regexes_compile(cls, values: list[str]) -> list[str]:
        for value in values:
            re.compile(value)
        return values

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class DocSpec(_Spec):
    doc_type: DocType
    title_keywords: dict[str, float]
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    ce_records: bool = False  # the type carries yearly continuing-education records

    @field_validator("doc_type")
    @classmethod
    def _not_other(cls, value: DocType) -> DocType:
        if value is DocType.other:
            raise ValueError("'other' is what no spec matched; it has no spec")
        return value


class _SharedSpec(_Spec):
    fields: dict[str, FieldSpec]


class SpecRegistry:
    """Specs by document type; a second spec for a type is refused, an unknown type is named."""

    def __init__(self, shared: dict[str, FieldSpec] | None = None) -> None:
        self._specs: dict[DocType, DocSpec] = {}
        self.shared = shared or {}  # the fields of _shared.yaml, read on documents of no known type

    def register(self, spec: DocSpec, source: str = "") -> None:
        if spec.doc_type in self._specs:
            raise SpecInvalid(f"{source or spec.doc_type.value}: a spec for {spec.doc_type.value} is already registered")
        self._specs[spec.doc_type] = spec

    def get(self, doc_type: DocType | str) -> DocSpec:
        try:
            return self._specs[DocType(doc_type)]
        except (KeyError, ValueError):
            raise UnknownDocType(f"document type {str(getattr(doc_type, 'value', doc_type))!r}") from None

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


def _read(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecInvalid(f"{path.name}: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecInvalid(f"{path.name}: a spec is a mapping")
    return raw


def parse_spec(raw: dict, shared: dict[str, FieldSpec], source: str) -> DocSpec:
    try:
        spec = DocSpec.model_validate(raw)
    except (ValidationError, re.error) as exc:
        raise SpecInvalid(f"{source}: {exc}") from None
    return spec.model_copy(update={"fields": {**shared, **spec.fields}})


def load_registry(folder: Path = SPEC_DIR) -> SpecRegistry:
    shared_path = folder / SHARED_FILE
    try:
        shared = _SharedSpec.model_validate(_read(shared_path)).fields if shared_path.exists() else {}
    except (ValidationError, re.error) as exc:
        raise SpecInvalid(f"{SHARED_FILE}: {exc}") from None
    registry = SpecRegistry(shared)
    for path in sorted(folder.glob("*.yaml")):
        if path.name != SHARED_FILE:
            registry.register(parse_spec(_read(path), shared, path.name), path.name)
    return registry


@lru_cache(maxsize=1)
def specs() -> SpecRegistry:
    """The packaged specs, read once per process on first use."""
    return load_registry()
