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

from zcps.doctypes import SHARED_FILE, SPEC_DIR, DocTypeCatalogue, header_of, read_spec_file, type_specs
from zcps.errors import SpecInvalid, UnknownDocType

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
    # a date the form always prints to the day (a signature or seal date): a month-only reading of it
    # lost its day to a seal or a fold, so it is doubtful (a genuinely month-only field leaves this off)
    full_date: bool = False

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
    doc_type: str  # the type's id; with name and release_order, its entry in zcps.doctypes
    name: str
    release_order: int
    title_keywords: dict[str, float]
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    ce_records: bool = False  # the type carries yearly continuing-education records


class _SharedSpec(_Spec):
    fields: dict[str, FieldSpec]


class SpecRegistry:
    """Specs by document type; a second spec for a type is refused, an unknown type is named."""

    def __init__(self, shared: dict[str, FieldSpec] | None = None) -> None:
        self._specs: dict[str, DocSpec] = {}
        self.shared = shared or {}  # the fields of _shared.yaml, read on documents of no known type
        self.catalogue = DocTypeCatalogue()  # the types' ids, names and release order

    def register(self, spec: DocSpec, source: str = "") -> None:
        self.catalogue.register(header_of(spec.model_dump(), source), source)
        self._specs[spec.doc_type] = spec

    def get(self, doc_type: object) -> DocSpec:
        key = str(getattr(doc_type, "value", doc_type))
        try:
            return self._specs[key]
        except KeyError:
            raise UnknownDocType(f"document type {key!r}") from None

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


def parse_spec(raw: dict, shared: dict[str, FieldSpec], source: str) -> DocSpec:
    try:
        spec = DocSpec.model_validate(raw)
    except (ValidationError, re.error) as exc:
        raise SpecInvalid(f"{source}: {exc}") from None
    return spec.model_copy(update={"fields": {**shared, **spec.fields}})


def load_registry(folder: Path = SPEC_DIR) -> SpecRegistry:
    shared_path = folder / SHARED_FILE
    try:
        shared = _SharedSpec.model_validate(read_spec_file(shared_path)).fields if shared_path.exists() else {}
    except (ValidationError, re.error) as exc:
        raise SpecInvalid(f"{SHARED_FILE}: {exc}") from None
    registry = SpecRegistry(shared)
    for path, raw in type_specs(folder):
        registry.register(parse_spec(raw, shared, path.name), path.name)
    return registry


@lru_cache(maxsize=1)
def specs() -> SpecRegistry:
    """The packaged specs, read once per process on first use."""
    return load_registry()
