"""The per-document task: read the file, acquire its text, extract fields, record the outcome.

Deterministic input errors become a ``failed`` DocumentResult with a code (never retried);
transient errors are raised so Prefect retries them with backoff.
"""

from __future__ import annotations

import logging
import time

from prefect import task
from prefect.cache_policies import NO_CACHE

from extractors.acquire import acquire_text_cached
from extractors.extract import extract_document, page_images_of
from extractors.ocr import PIPELINE_OCR_VERSION
from storage.base import sha256_hex
from storage.factory import open_store
from storage.layout import doc_key, document_result_key
from storage.ledger import Ledger, current_holder
from zcps import __version__
from zcps.errors import InputError, ZcpsError
from zcps.models import DocumentRef, DocumentResult, ErrorInfo, Status
from zcps.settings import get_settings

log = logging.getLogger("zcps.flow")

# The OCR part changes when a page is read differently (extractors.ocr), so finished files are redone.
PIPELINE_VERSION = f"zcps-{__version__}+{PIPELINE_OCR_VERSION}"


def worker_id() -> str:
    return current_holder().token


def load_result(store, ref: DocumentRef) -> DocumentResult | None:
    """The stored result, or None when there is none or it cannot be read (the file is processed again)."""
    stored = store.get_optional(document_result_key(ref))
    if stored is None:
        return None
    try:
        return DocumentResult.model_validate_json(stored)
    except ValueError:  # pydantic's ValidationError is a ValueError
        log.warning("stored result of %s is unreadable", ref.log_id)
        return None


def _failed(ref: DocumentRef, sha: str | None, exc: ZcpsError, stage: str) -> DocumentResult:
    return DocumentResult(ref=ref, status=Status.failed, sha256=sha, pipeline_version=PIPELINE_VERSION,
                          errors=[ErrorInfo(code=exc.code, message=exc.message, stage=stage)])


def process_document(ref: DocumentRef, store_url: str, force: bool = False) -> DocumentResult:
    store = open_store(store_url)
    ledger = Ledger(store, ref.batch)
    data = store.get(doc_key(ref))
    sha = sha256_hex(data)
    if not force and not ledger.should_process(ref, sha, PIPELINE_VERSION):
        previous = load_result(store, ref)
        if previous is not None:
            return previous.model_copy(update={"reused": True})
    owner = worker_id()
    ledger.claim(ref, sha, PIPELINE_VERSION, owner)
    started = time.perf_counter()
    try:
        text, cached = acquire_text_cached(store, data, ref.file)
        extraction = extract_document(text, page_images=page_images_of(data, ref.file, text))
        result = DocumentResult(ref=ref, status=Status.done, sha256=sha, pipeline_version=PIPELINE_VERSION,
                                text_source=text.source, page_count=len(text.pages), pages=text.pages,
                                extraction=extraction, from_cache=cached)
    except InputError as exc:
        result = _failed(ref, sha, exc, "acquire")
    except ZcpsError as exc:
        if exc.transient:
            _record_transient(ledger, ref, owner, exc)
            raise
        result = _failed(ref, sha, exc, "acquire")
    except Exception as exc:  # a bug or an unforeseen decoder failure must not take the batch down
        log.exception("document %s crashed", ref.log_id)
        result = _failed(ref, sha, ZcpsError(f"{type(exc).__name__} while processing {ref.file}"), "internal")
    store.put(document_result_key(ref), result.model_dump_json().encode())
    if result.status is Status.failed:
        error = result.errors[0]
        ledger.fail(ref, owner, error.code, error.message)
    else:
        ledger.finish(ref, owner, sha)
    log.info("document %s %s in %.2fs (%d pages%s)", ref.log_id, result.status.value,
             time.perf_counter() - started, result.page_count, ", cached" if result.from_cache else "")
    return result


def _record_transient(ledger: Ledger, ref: DocumentRef, owner: str, exc: ZcpsError) -> None:
    try:
        ledger.fail(ref, owner, exc.code, exc.message)
    except ZcpsError:
        log.warning("could not record %s for %s; the lease will go stale", exc.code, ref.log_id)


def _retry_transient(task, task_run, state) -> bool:
    try:
        state.result()
    except ZcpsError as exc:
        return exc.transient
    except (ConnectionError, TimeoutError, OSError):
        return True
    except Exception:
        return False
    return False


def document_task_for(settings=None):
    settings = settings or get_settings()
    return task(
        process_document,
        name="document",
        task_run_name="document-{ref.log_id}",  # file names carry names and ID numbers; task names are logged
        retries=settings.retries,
        retry_delay_seconds=[settings.retry_delay_seconds * (2**i) for i in range(settings.retries)],
        retry_condition_fn=_retry_transient,
        cache_policy=NO_CACHE,
        persist_result=False,
    )
