"""The object-key layout of DESIGN §3, in one place."""

from __future__ import annotations

from zcps.models import DocumentRef


def intake_prefix(batch: str) -> str:
    return f"intake/{batch}/"


def manifest_key(batch: str, unit: str, applicant: str) -> str:
    return f"intake/{batch}/{unit}/{applicant}/manifest.json"


def doc_key(ref: DocumentRef) -> str:
    return f"intake/{ref.applicant_prefix}/docs/{ref.file}"


def ocr_cache_key(sha256: str) -> str:
    return f"work/ocr/{sha256}.json"


def document_result_key(ref: DocumentRef) -> str:
    return f"results/{ref.applicant_prefix}/documents/{ref.file}.json"


def review_key(batch: str, unit: str, applicant: str) -> str:
    return f"results/{batch}/{unit}/{applicant}/review.json"


def ledger_key(ref: DocumentRef) -> str:
    return f"results/{ref.batch}/state/{ref.unit}/{ref.applicant}/{ref.file}.json"


def ledger_prefix(batch: str) -> str:
    return f"results/{batch}/state/"


def report_key(batch: str, name: str, ext: str) -> str:
    return f"results/{batch}/reports/{name}.{ext}"


def release_prefix(batch: str, unit: str, pseudonym: str) -> str:
    return f"release/{batch}/{unit}/{pseudonym}/"


def pseudonym_prefix(batch: str) -> str:
    return f"results/{batch}/pseudonyms/"


def pseudonym_key(batch: str, applicant: str) -> str:
    # One object per applicant: release tasks run concurrently and a shared map would lose entries.
    return f"{pseudonym_prefix(batch)}{applicant}"


def release_page_name(document: str, page: int) -> str:
    """A released page inside an applicant's release folder: ``docs/03_title_certificate`` → ``…_p1.png``."""
    return f"{document}_p{page}.png"
