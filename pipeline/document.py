"""Stage 1, one document: its bytes → a ``DocumentResult`` (text with boxes, typed extraction).

``document_result`` is the one place a ``DocumentResult`` is built from a file (``read_document``
turns a bad file into a failed result); ``zcps check``, ``zcps extract``, the benchmarks and the
batch all go through them. ``process_document`` wraps it in
the ledger protocol of a batch (skip what is done, claim, then finish or fail) and stores the
result; it returns a ``DocumentOutcome``, the few fields the batch keeps of each document.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from pydantic import BaseModel, Field

from extractors.acquire import acquire_text, acquire_text_cached
from extractors.extract import extract_document, page_images_of
from extractors.ocr import engine_name
from storage.base import ObjectStore, sha256_hex
from storage.factory import open_store
from storage.layout import doc_key, document_result_key
from storage.ledger import Ledger, current_holder
from validators.duplicates import fingerprint
from zcps import __version__
from zcps.errors import InputError, LeaseConflict, ZcpsError
from zcps.models import DocumentFingerprint, DocumentRef, DocumentResult, ErrorInfo, Status

log = logging.getLogger("zcps.flow")


def pipeline_version() -> str:
    """What a finished file was read with: this code and the OCR engine's name (its libraries, the
    ``ZCPS_OCR_*`` settings that change what is read, ``PIPELINE_OCR_VERSION``). A file read under
    other OCR settings is redone, not reused."""
    return f"zcps-{__version__}+{engine_name()}"

# Entered around text acquisition that misses the OCR cache (the flows pass Prefect's ``ocr`` slot).
OcrSlot = Callable[[], AbstractContextManager]


class DocumentOutcome(BaseModel):
    """What a batch keeps of one processed document: summary counts and its fingerprint, no pages."""

    ref: DocumentRef
    status: Status
    reused: bool = False
    page_count: int = 0
    errors: list[ErrorInfo] = Field(default_factory=list)
    fingerprint: DocumentFingerprint
    stored: bool = True  # False: processing crashed and the store holds no result of this run

    @classmethod
    def of(cls, result: DocumentResult) -> "DocumentOutcome":
        return cls(ref=result.ref, status=result.status, reused=result.reused, page_count=result.page_count,
                   errors=result.errors, fingerprint=fingerprint(result))

    def unstored_result(self) -> DocumentResult:
        """The failed result of a crashed document, which its applicant's review is given."""
        return DocumentResult(ref=self.ref, status=self.status, errors=self.errors)

    @property
    def newly_read(self) -> bool:
        """Pages were read in this run (so the applicant's release is made again)."""
        return not self.reused and self.status is Status.done


def failed_result(ref: DocumentRef, exc: ZcpsError, stage: str, sha: str | None = None) -> DocumentResult:
    return DocumentResult(ref=ref, status=Status.failed, sha256=sha, pipeline_version=pipeline_version(),
                          errors=[ErrorInfo(code=exc.code, message=exc.message, stage=stage)])


def document_result(ref: DocumentRef, data: bytes, *, store: ObjectStore | None = None,
                    ocr_slot: OcrSlot = nullcontext) -> DocumentResult:
    """Acquire the text (through the store's OCR cache when there is a store) and extract the fields;
    a bad file raises its ``InputError`` (``zcps extract`` reports it as such)."""
    if store is not None:
        text, cached = acquire_text_cached(store, data, ref.file, ocr_slot=ocr_slot)
    else:
        with ocr_slot():
            text, cached = acquire_text(data, ref.file), False
    extraction = extract_document(text, page_images=page_images_of(data, ref.file, text))
    return DocumentResult(ref=ref, status=Status.done, sha256=text.sha256, pipeline_version=pipeline_version(),
                          text_source=text.source, page_count=len(text.pages), pages=text.pages,
                          extraction=extraction, from_cache=cached)


def read_document(ref: DocumentRef, data: bytes, *, store: ObjectStore | None = None,
                  ocr_slot: OcrSlot = nullcontext) -> DocumentResult:
    """``document_result``, with a bad file (``InputError``) as a failed result with its code; any
    other error is raised."""
    try:
        return document_result(ref, data, store=store, ocr_slot=ocr_slot)
    except InputError as exc:
        return failed_result(ref, exc, "acquire", sha256_hex(data))


def load_result(store: ObjectStore, ref: DocumentRef) -> DocumentResult | None:
    """The stored result, or None when there is none or it cannot be read (the file is processed again)."""
    stored = store.get_optional(document_result_key(ref))
    if stored is None:
        return None
    try:
        return DocumentResult.model_validate_json(stored)
    except ValueError:  # pydantic's ValidationError is a ValueError
        log.warning("stored result of %s is unreadable", ref.log_id)
        return None


def readable_result(store: ObjectStore, ref: DocumentRef) -> DocumentResult | None:
    """``load_result``, with a store that fails on this object counted as no result."""
    try:
        return load_result(store, ref)
    except ZcpsError as exc:
        log.warning("stored result of %s is unreadable (%s)", ref.log_id, type(exc).__name__)
        return None


def process_document(ref: DocumentRef, store_url: str, force: bool = False,
                     ocr_slot: OcrSlot = nullcontext) -> DocumentOutcome:
    """One document of a batch under the ledger protocol. Transient errors are raised (to be retried)."""
    store = open_store(store_url)
    ledger = Ledger(store, ref.batch)
    data = store.get(doc_key(ref))
    sha = sha256_hex(data)
    version = pipeline_version()
    entry = ledger.get(ref)
    if not force and not ledger.should_process(ref, sha, version, entry=entry):
        previous = load_result(store, ref)
        if previous is not None:
            return DocumentOutcome.of(previous.model_copy(update={"reused": True}))
    owner = current_holder().token
    ledger.claim(ref, sha, version, owner, previous=entry)
    started = time.perf_counter()
    try:
        result = read_document(ref, data, store=store, ocr_slot=ocr_slot)
    except ZcpsError as exc:
        if exc.transient:
            _record_transient(ledger, ref, owner, exc)
            raise
        result = failed_result(ref, exc, "acquire", sha)
    except Exception as exc:  # a bug or an unforeseen decoder failure must not take the batch down
        log.exception("document %s crashed", ref.log_id)
        result = failed_result(ref, ZcpsError(f"{type(exc).__name__} while processing {ref.file}"), "internal", sha)
    store.put(document_result_key(ref), result.model_dump_json().encode())
    if result.status is Status.failed:
        error = result.errors[0]
        ledger.fail(ref, owner, error.code, error.message)
    else:
        ledger.finish(ref, owner, sha)
    log.info("document %s %s in %.2fs (%d pages%s)", ref.log_id, result.status.value,
             time.perf_counter() - started, result.page_count, ", cached" if result.from_cache else "")
    return DocumentOutcome.of(result)


def _record_transient(ledger: Ledger, ref: DocumentRef, owner: str, exc: ZcpsError) -> None:
    try:
        ledger.fail(ref, owner, exc.code, exc.message)
    except ZcpsError:
        log.warning("could not record %s for %s; the lease will go stale", exc.code, ref.log_id)


def crashed_outcome(ref: DocumentRef, exc: BaseException, ledger: Ledger) -> DocumentOutcome:
    """A document whose processing failed after its retries: record it so nothing hides."""
    return DocumentOutcome.of(crashed_result(ref, exc, ledger)).model_copy(update={"stored": False})


def crashed_result(ref: DocumentRef, exc: BaseException, ledger: Ledger) -> DocumentResult:
    error = exc if isinstance(exc, ZcpsError) else ZcpsError(f"{type(exc).__name__} in task for {ref.file}")
    try:
        entry = ledger.get(ref)
        # A lease conflict means another run holds or finished the file: its entry is not ours to fail.
        if entry is not None and entry.status is Status.running and not isinstance(exc, LeaseConflict):
            ledger.fail(ref, entry.lease_owner or "flow", error.code, error.message)
    except ZcpsError:
        pass
    return DocumentResult(ref=ref, status=Status.failed,
                          errors=[ErrorInfo(code=error.code, message=error.message, stage="task")])
