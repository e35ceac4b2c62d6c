"""Discovery of a batch's applicants and documents under ``intake/{batch}/`` (DESIGN §3).

Keys that do not fit the layout are not guessed at: they come back as ``IntakeProblem`` so the
ledger and the report show them, and the rest of the batch goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.base import ObjectStore, validate_key
from storage.layout import intake_prefix
from zcps.errors import InvalidKey
from zcps.models import DocumentRef

ACCEPTED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")


@dataclass(frozen=True)
class IntakeProblem:
    key: str
    code: str
    message: str


@dataclass
class ApplicantRef:
    batch: str
    unit: str
    applicant: str
    has_manifest: bool = False
    documents: list[DocumentRef] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.batch}/{self.unit}/{self.applicant}"


@dataclass
class Intake:
    batch: str
    applicants: list[ApplicantRef]
    problems: list[IntakeProblem]

    @property
    def documents(self) -> list[DocumentRef]:
        return [doc for applicant in self.applicants for doc in applicant.documents]


def discover(store: ObjectStore, batch: str, units: list[str] | None = None) -> Intake:
    validate_key(f"intake/{batch}")
    wanted = set(units) if units else None
    applicants: dict[tuple[str, str], ApplicantRef] = {}
    problems: list[IntakeProblem] = []
    prefix = intake_prefix(batch)
    for key in store.list(prefix):
        parts = key[len(prefix):].split("/")
        if len(parts) < 3:
            problems.append(IntakeProblem(key, "E_LAYOUT", "object outside {unit}/{applicant}/ — move it into an applicant folder"))
            continue
        unit, applicant, rest = parts[0], parts[1], parts[2:]
        if wanted is not None and unit not in wanted:
            continue
        ref = applicants.setdefault((unit, applicant), ApplicantRef(batch, unit, applicant))
        if rest == ["manifest.json"]:
            ref.has_manifest = True
        elif rest[0] == "docs" and len(rest) >= 2:
            ref.documents.append(DocumentRef(batch=batch, unit=unit, applicant=applicant, file="/".join(rest[1:])))
        else:
            problems.append(IntakeProblem(key, "E_LAYOUT", "unexpected object; documents belong under docs/"))
    ordered = [applicants[k] for k in sorted(applicants)]
    return Intake(batch=batch, applicants=ordered, problems=problems)


def check_batch_name(batch: str) -> str:
    if not batch or "/" in batch:
        raise InvalidKey(f"batch name {batch[:40]!r} must be one non-empty key segment")
    validate_key(f"intake/{batch}")
    return batch
