"""The one reader of fixture truth (fixtures/README.md) that every benchmark shares.

A fixture tree holds ``intake/{unit}/{applicant}/…`` and, beside it, ``truth/{unit}/{applicant}/expected.json``
(the hand-derived verdict) and ``truth/{unit}/{applicant}/docs/{file}.json`` (one per document: type,
fields, dates, records, lines, PII boxes, ``bad_file``). Generated trees add ``truth/index.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TruthFile:
    """One document's truth file and the intake file it describes."""

    root: Path
    unit: str
    applicant: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(".json")

    @property
    def document(self) -> Path:
        return self.root / "intake" / self.unit / self.applicant / "docs" / self.name

    @property
    def label(self) -> str:
        return f"{self.unit}/{self.applicant}/{self.name}"

    def read(self) -> dict:
        return read_json(self.path)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def truth_files(root: Path | str, unit: str = "*", applicant: str = "*") -> list[TruthFile]:
    """Every document truth file under ``root`` (or one applicant's), in path order."""
    root = Path(root)
    return [TruthFile(root, path.parts[-4], path.parts[-3], path)
            for path in sorted((root / "truth").glob(f"{unit}/{applicant}/docs/*.json"))]


def document_truth(root: Path | str, unit: str, applicant: str, name: str) -> dict | None:
    """The truth of ``intake/{unit}/{applicant}/docs/{name}``, or None when the tree has none for it."""
    path = Path(root) / "truth" / unit / applicant / "docs" / f"{name}.json"
    return read_json(path) if path.exists() else None


def truth_applicants(root: Path | str) -> list[tuple[str, str]]:
    """(unit, applicant) of every applicant with an ``expected.json``, in path order."""
    return [(p.parts[-3], p.parts[-2]) for p in sorted((Path(root) / "truth").glob("*/*/expected.json"))]


def expected_review(root: Path | str, unit: str, applicant: str) -> dict:
    return read_json(Path(root) / "truth" / unit / applicant / "expected.json")


def truth_index(root: Path | str, name: str = "index.json") -> dict:
    """A generated tree's index (``index.json``; the layout family writes ``family.json``)."""
    return read_json(Path(root) / "truth" / name)
