"""Discovery of a batch's applicants and documents under ``intake/{batch}/`` (docs/storage-layout.md).

Every object under intake ends as exactly one of: a document to process, an ``IntakeProblem``
that failed with a code (misplaced: ``E_LAYOUT``; a key the stores cannot hold or a symlink:
``E_BAD_KEY``), or an ``IntakeProblem`` ignored by a policy of ``IGNORED`` (listed with its
reason). Keys are not guessed at, and one bad key never stops the rest of the batch. Every
applicant folder is found, empty ones included, so that each gets a review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from storage.base import ObjectStore, validate_key
from storage.layout import intake_prefix
from storage.ledger import Ledger, LedgerEntry, object_entry
from zcps.errors import InvalidKey
from zcps.models import DocumentRef, Status, log_id


@dataclass(frozen=True)
class IgnorePolicy:
    code: str
    pattern: re.Pattern
    reason: str  # reviewer-facing, Chinese


# Names that are never submitted material; matched against the object's last name segment.
IGNORED = (
    IgnorePolicy("IGNORED_OS_FILE",
                 re.compile(r"^(\.DS_Store|Thumbs\.db|ehthumbs\.db|desktop\.ini|\._.*|~\$.*|\.~lock\..*#)$",
                            re.IGNORECASE),
                 "操作系统或办公软件自动生成的文件（如 .DS_Store、Thumbs.db、desktop.ini），不是申报材料"),
    IgnorePolicy("IGNORED_RESERVED_NAME", re.compile(r"^\.zcps-"),
                 "以 .zcps- 开头的名称由系统保留（未完成的上传或临时文件）；如确为申报材料，请改名后重新上传"),
)

_LAYOUT_LOOSE = "object outside {unit}/{applicant}/ — move it into an applicant folder's docs/"
_LAYOUT_STRAY = "unexpected object in the applicant folder — documents belong under docs/"
_SYMLINK = "is a symbolic link; zcps never follows links — upload the file itself"


@dataclass(frozen=True)
class IntakeProblem:
    key: str  # the full intake key, as the store lists it
    code: str
    message: str
    ignored: bool = False
    document: DocumentRef | None = None  # set when the object is below an applicant's docs/

    def relative_key(self, batch: str) -> str:
        return self.key.removeprefix(intake_prefix(batch))


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

    @property
    def log_id(self) -> str:
        """What logs and Prefect task names call this applicant: a hash, never the folder name."""
        return log_id("app", self.batch, self.unit, self.applicant)


@dataclass
class Intake:
    batch: str
    applicants: list[ApplicantRef]
    problems: list[IntakeProblem]

    @property
    def documents(self) -> list[DocumentRef]:
        return [doc for applicant in self.applicants for doc in applicant.documents]

    def problems_of(self, unit: str, applicant: str) -> list[IntakeProblem]:
        return [p for p in self.problems if p.document is not None
                and (p.document.unit, p.document.applicant) == (unit, applicant)]


def ignore_policy(name: str) -> IgnorePolicy | None:
    return next((policy for policy in IGNORED if policy.pattern.match(name)), None)


def discover(store: ObjectStore, batch: str, units: list[str] | None = None) -> Intake:
    validate_key(f"intake/{batch}")
    wanted = set(units) if units else None
    applicants: dict[tuple[str, str], ApplicantRef] = {}
    problems: list[IntakeProblem] = []
    prefix = intake_prefix(batch)
    unlisted = dict(store.unlisted(prefix))
    for key in sorted({*store.list(prefix), *unlisted}):
        parts = key[len(prefix):].rstrip("/").split("/")
        if wanted is not None and parts[0] not in wanted:
            continue
        reason = unlisted.get(key)
        ref = None
        if len(parts) >= 3 or (len(parts) == 2 and reason == "empty_folder"):
            ref = applicants.setdefault((parts[0], parts[1]), ApplicantRef(batch, parts[0], parts[1]))
        if reason == "empty_folder":
            continue
        rest = parts[2:]
        document = (DocumentRef(batch=batch, unit=parts[0], applicant=parts[1], file="/".join(rest[1:]))
                    if ref is not None and len(rest) >= 2 and rest[0] == "docs" else None)
        problem = _problem(key, parts, reason, document)
        if problem is not None:
            problems.append(problem)
        elif rest == ["manifest.json"]:
            ref.has_manifest = True
        else:
            ref.documents.append(document)
    ordered = [applicants[k] for k in sorted(applicants)]
    return Intake(batch=batch, applicants=ordered, problems=problems)


def _problem(key: str, parts: list[str], unlisted_reason: str | None,
             document: DocumentRef | None) -> IntakeProblem | None:
    """Why the object ``key`` is not a document or manifest to read, or None when it is one."""
    policy = ignore_policy(parts[-1])
    if policy is not None:
        return IntakeProblem(key, policy.code, policy.reason, ignored=True, document=document)
    if unlisted_reason == "symlink":
        return IntakeProblem(key, InvalidKey.code, f"{_shown(key)} {_SYMLINK}", document=document)
    try:
        validate_key(key)
    except InvalidKey as exc:
        return IntakeProblem(key, exc.code, exc.message, document=document)
    if len(parts) < 3:
        return IntakeProblem(key, "E_LAYOUT", _LAYOUT_LOOSE)
    if parts[2:] != ["manifest.json"] and document is None:
        return IntakeProblem(key, "E_LAYOUT", _LAYOUT_STRAY)
    return None


def _shown(key: str) -> str:
    return repr(key[:80])


def check_batch_name(batch: str) -> str:
    if not batch or "/" in batch:
        raise InvalidKey(f"batch name {batch[:40]!r} must be one non-empty key segment")
    validate_key(f"intake/{batch}")
    return batch


def record_intake(ledger: Ledger, intake: Intake, previous: list[LedgerEntry],
                  units: list[str] | None = None) -> bool:
    """Give every intake problem its ledger entry; drop object entries whose object is gone or fixed.
    Returns whether any entry changed."""
    known = {entry.key: entry for entry in previous if entry.scope == "object"}
    changed = False
    for problem in intake.problems:
        status = Status.ignored if problem.ignored else Status.failed
        key = problem.relative_key(intake.batch)
        before = known.pop(key, None)
        entry = object_entry(intake.batch, key, status, problem.code, problem.message)
        changed |= ledger.record(entry, before) is not before
    for stale in known.values():
        if units is None or stale.unit in units:
            ledger.remove(stale)
            changed = True
    return changed
