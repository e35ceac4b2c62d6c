"""Every object key zcps reads or writes, in one place (docs/storage-layout.md).

``intake/`` is written by the units' platform and keeps its names. Every key zcps derives from it
puts the user-supplied names (unit, applicant, file) below a namespace folder of their own
(``units/``), so that no name a unit chooses can reach an internal key: the reserved names are
``RESERVED`` below. User names are passed through ``safe_segment``: one that holds a control
character or a backslash, or is too long for a local file name, becomes a stable short form (its
printable head + ``~`` + 16 hex digits of its SHA-256); the original stays in the ledger entry and
the result objects. A derived key that would still pass S3's 1,024 bytes keeps only hashes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from zcps.models import DocumentRef

# Internal folders directly below results/{batch}/ and release/{batch}/; user names never land here.
RESERVED = ("units", "state", "reports", "pseudonyms", "decisions", "selections")
UNITS = "units"
MAX_KEY_BYTES = 1024
# A local path segment may hold 255 bytes; derived keys append ".json" or ".p123.png" to a name.
MAX_SEGMENT_BYTES = 200
_HASH_DIGITS = 16
_SHORT_FORM = re.compile(rf"~[0-9a-f]{{{_HASH_DIGITS}}}$")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]


def _unsafe(ch: str) -> bool:
    return ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def safe_segment(name: str) -> str:
    """``name`` unchanged when it is safe as one key segment everywhere, else its stable short form."""
    fits = len(name.encode("utf-8", "surrogatepass")) <= MAX_SEGMENT_BYTES
    if name and fits and not any(_unsafe(ch) for ch in name) and not _SHORT_FORM.search(name):
        return name
    head = "".join(ch for ch in name if not _unsafe(ch))
    budget = MAX_SEGMENT_BYTES - _HASH_DIGITS - 1
    while len(head.encode()) > budget:
        head = head[:-1]
    return f"{head}~{_digest(name)}"


def safe_path(path: str) -> str:
    """A relative path (``sub/file.png``) with each segment made safe."""
    return "/".join(safe_segment(part) for part in path.split("/"))


def _fit(head: str, path: str, tail: str = "") -> str:
    key = f"{head}{safe_path(path)}{tail}"
    if len(key.encode()) <= MAX_KEY_BYTES:
        return key
    return f"{head}~{_digest(path)}{tail}"


# intake/: the units' upload layout, read only.

def intake_prefix(batch: str) -> str:
    return f"intake/{batch}/"


def intake_key(batch: str, relative: str) -> str:
    """An intake object by its path below the batch (``{unit}/{applicant}/docs/{file}``), as a unit uploads it."""
    return f"{intake_prefix(batch)}{relative}"


def manifest_key(batch: str, unit: str, applicant: str) -> str:
    return f"intake/{batch}/{unit}/{applicant}/manifest.json"


def doc_key(ref: DocumentRef) -> str:
    return f"intake/{ref.applicant_prefix}/docs/{ref.file}"


# work/: caches keyed by content.

def ocr_cache_key(sha256: str) -> str:
    return f"work/ocr/{sha256}.json"


# results/{batch}/units/{unit}/{applicant}/: per-applicant outputs.

REVIEW = "review.json"


def results_prefix(batch: str) -> str:
    return f"results/{batch}/"


def results_units_prefix(batch: str) -> str:
    return f"{results_prefix(batch)}{UNITS}/"


def unit_results_prefix(batch: str, unit: str) -> str:
    return f"{results_units_prefix(batch)}{safe_segment(unit)}/"


def is_applicant_review(units_prefix: str, key: str) -> bool:
    """``{unit}/{applicant}/review.json`` right below a ``units/`` prefix (results or release); deeper
    names are documents' results or released pages."""
    return key.startswith(units_prefix) and key.endswith(f"/{REVIEW}") and key[len(units_prefix):].count("/") == 2


def applicant_results_prefix(batch: str, unit: str, applicant: str) -> str:
    return f"{results_units_prefix(batch)}{safe_segment(unit)}/{safe_segment(applicant)}/"


def document_result_key(ref: DocumentRef) -> str:
    return _fit(f"{applicant_results_prefix(ref.batch, ref.unit, ref.applicant)}documents/", ref.file, ".json")


def review_key(batch: str, unit: str, applicant: str) -> str:
    return f"{applicant_results_prefix(batch, unit, applicant)}{REVIEW}"


def applicant_index_key(batch: str, unit: str, applicant: str) -> str:
    """The applicant's document fingerprints (hashes, certificate numbers) for the batch-wide duplicate checks."""
    return f"{applicant_results_prefix(batch, unit, applicant)}index.json"


# results/{batch}/state/: the ledger. Documents, other intake objects and per-applicant stages
# each have their own folder, so an object named like a document or a stage cannot alias it.

def ledger_prefix(batch: str) -> str:
    return f"results/{batch}/state/"


def ledger_key(ref: DocumentRef) -> str:
    """The entry of a document under ``docs/``."""
    head = f"{ledger_prefix(ref.batch)}{UNITS}/{safe_segment(ref.unit)}/{safe_segment(ref.applicant)}/"
    return _fit(head, ref.file, ".json")


def ledger_documents_prefix(batch: str, unit: str | None = None) -> str:
    """The document entries of the batch, or of one unit."""
    head = f"{ledger_prefix(batch)}{UNITS}/"
    return head if unit is None else f"{head}{safe_segment(unit)}/"


def ledger_objects_prefix(batch: str) -> str:
    return f"{ledger_prefix(batch)}objects/"


def ledger_stages_prefix(batch: str) -> str:
    return f"{ledger_prefix(batch)}stages/"


def ledger_summaries_prefix(batch: str) -> str:
    return f"{ledger_prefix(batch)}summaries/"


def ledger_summary_key_of(entry_key: str) -> str:
    """The applicant's ledger summary that covers a document entry's key (one per applicant folder)."""
    area, results_batch, state, units, unit, applicant, *_ = entry_key.split("/")
    return f"{area}/{results_batch}/{state}/summaries/{unit}/{applicant}.json"


def object_ledger_key(batch: str, intake_key: str) -> str:
    """The entry of an intake object that is not a document (misplaced, ignored, bad key)."""
    return f"{ledger_prefix(batch)}objects/{_digest(intake_key)}.json"


def stage_ledger_key(batch: str, unit: str, applicant: str | None, stage: str) -> str:
    """The entry of a per-applicant stage (review, release) or a per-unit report that failed."""
    who = f"{safe_segment(unit)}/{safe_segment(applicant)}" if applicant is not None else safe_segment(unit)
    return f"{ledger_prefix(batch)}stages/{stage}/{who}.json"


# results/{batch}/reports/ and results/{batch}/pseudonyms/.

def selection_key(batch: str, reference: str) -> str:
    """A run's selection (units, file keys), stored so that the flow's parameters carry only its reference."""
    return f"results/{batch}/selections/{reference}.json"


def reports_prefix(batch: str) -> str:
    return f"results/{batch}/reports/"


def report_key(batch: str, unit: str | None, kind: str, ext: str) -> str:
    """The whole-batch report is ``reports/batch/{kind}.{ext}``; a unit's is ``reports/units/{unit}/…``."""
    scope = "batch" if unit is None else f"{UNITS}/{safe_segment(unit)}"
    return f"{reports_prefix(batch)}{scope}/{kind}.{ext}"


def report_page_key(batch: str, unit: str, kind: str, page: int) -> str:
    """Page ``page`` (2, 3, …) of a unit's HTML report; page 1 is ``report_key(…, "html")``."""
    if page == 1:
        return report_key(batch, unit, kind, "html")
    return f"{reports_prefix(batch)}{UNITS}/{safe_segment(unit)}/{kind}-p{page}.html"


def report_summary_key(batch: str, unit: str, kind: str) -> str:
    """The counts of one unit's report of ``kind``, beside it; the whole-batch report is built from these."""
    return f"{reports_prefix(batch)}{UNITS}/{safe_segment(unit)}/{kind}.summary.json"


def notice_key(batch: str, unit: str, applicant: str) -> str:
    """An applicant's 一次性告知单 (review/notices.py), beside its unit's reports."""
    return f"{reports_prefix(batch)}{UNITS}/{safe_segment(unit)}/notices/{safe_segment(applicant)}.html"


def pseudonym_prefix(batch: str) -> str:
    return f"results/{batch}/pseudonyms/"


def pseudonym_key(batch: str, applicant: str) -> str:
    # One object per applicant: release tasks run concurrently and a shared map would lose entries.
    return f"{pseudonym_prefix(batch)}{safe_segment(applicant)}"


# results/{batch}/decisions/{unit}/{applicant}.json: reviewers' decisions (review/decisions.py). One object
# per applicant, so that reviewers of different applicants never overwrite each other's decisions.

def decisions_prefix(batch: str) -> str:
    return f"results/{batch}/decisions/"


def decisions_key(batch: str, unit: str, applicant: str) -> str:
    return f"{decisions_prefix(batch)}{safe_segment(unit)}/{safe_segment(applicant)}.json"


# release/{batch}/units/{unit}/{pseudonym}/: what the committee reads.

def release_batch_prefix(batch: str) -> str:
    return f"release/{batch}/"


def release_units_prefix(batch: str) -> str:
    return f"{release_batch_prefix(batch)}{UNITS}/"


def unit_release_prefix(batch: str, unit: str) -> str:
    return f"{release_units_prefix(batch)}{safe_segment(unit)}/"


def release_prefix(batch: str, unit: str, pseudonym: str) -> str:
    return f"{unit_release_prefix(batch, unit)}{pseudonym}/"


def released_review_key(batch: str, unit: str, pseudonym: str) -> str:
    return f"{release_prefix(batch, unit, pseudonym)}{REVIEW}"


def dossier_key(batch: str, unit: str, pseudonym: str) -> str:
    return f"{release_prefix(batch, unit, pseudonym)}dossier.pdf"


def release_page_name(document: str, page: int) -> str:
    """A released page inside an applicant's release folder: ``docs/03_title_certificate`` → ``…_p1.png``."""
    return f"{document}_p{page}.png"
