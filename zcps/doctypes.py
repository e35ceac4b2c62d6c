"""Document types, each declared once: its spec file under ``extractors/specs/`` names the type's id, its
Chinese name (findings, dossier bookmarks) and its place in the release order.

This catalogue reads those three keys, so every layer can name, order and validate a type without a list of
its own (``zcps.models.DocType`` is built from it); ``extractors.doc_specs`` reads the rest of the same
files. ``other`` is what no spec matched: it has no spec, and it is released last.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zcps.errors import SpecInvalid, UnknownDocType

# The spec files are data of the extraction layer; only their header is read here (no import of it).
SPEC_DIR = Path(__file__).resolve().parent.parent / "extractors" / "specs"
SHARED_FILE = "_shared.yaml"  # the fields any document may print; not a type
HEADER_KEYS = ("doc_type", "name", "release_order")


class DocTypeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    release_order: int = Field(ge=0)  # the committee binds documents in this order, lowest first


OTHER = DocTypeInfo(doc_type="other", name="其他材料", release_order=0)


def _id(doc_type: object) -> str:
    return str(getattr(doc_type, "value", doc_type))


class DocTypeCatalogue:
    """Types by id: a second file for an id or for a release place is refused, an unknown id is named."""

    def __init__(self) -> None:
        self._types: dict[str, DocTypeInfo] = {}

    def register(self, info: DocTypeInfo, source: str = "") -> None:
        where = source or info.doc_type
        if info.doc_type == OTHER.doc_type:
            raise SpecInvalid(f"{where}: 'other' is what no spec matched; it has no spec")
        if info.doc_type in self._types:
            raise SpecInvalid(f"{where}: a spec for {info.doc_type} is already registered")
        taken = [known.doc_type for known in self._types.values() if known.release_order == info.release_order]
        if taken:
            raise SpecInvalid(f"{where}: release_order {info.release_order} is already {taken[0]}'s")
        self._types[info.doc_type] = info

    def get(self, doc_type: object) -> DocTypeInfo:
        if _id(doc_type) == OTHER.doc_type:
            return OTHER
        try:
            return self._types[_id(doc_type)]
        except KeyError:
            raise UnknownDocType(f"document type {_id(doc_type)!r}") from None

    def name(self, doc_type: object) -> str:
        return self.get(doc_type).name

    def release_rank(self, doc_type: object) -> int:
        """The type's place among all types (``other`` last)."""
        return self.ids().index(self.get(doc_type).doc_type)

    def ids(self) -> tuple[str, ...]:
        """Every id in release order, ``other`` last."""
        ordered = sorted(self._types.values(), key=lambda info: info.release_order)
        return (*(info.doc_type for info in ordered), OTHER.doc_type)


def read_spec_file(path: Path) -> dict:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise SpecInvalid(f"{path.name}: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecInvalid(f"{path.name}: a spec is a mapping")
    return raw


def type_specs(folder: Path) -> list[tuple[Path, dict]]:
    """Every type's spec file in ``folder`` with its content, ``_shared.yaml`` left out."""
    return [(path, read_spec_file(path)) for path in sorted(folder.glob("*.yaml")) if path.name != SHARED_FILE]


def header_of(raw: dict, source: str) -> DocTypeInfo:
    try:
        return DocTypeInfo.model_validate({key: raw.get(key) for key in HEADER_KEYS})
    except ValidationError as exc:
        raise SpecInvalid(f"{source}: {exc}") from None


def load_catalogue(folder: Path = SPEC_DIR) -> DocTypeCatalogue:
    catalogue = DocTypeCatalogue()
    for path, raw in type_specs(folder):
        catalogue.register(header_of(raw, path.name), path.name)
    return catalogue


@lru_cache(maxsize=1)
def default_catalogue() -> DocTypeCatalogue:
    """The packaged types, read once per process on first use."""
    return load_catalogue()
