"""The per-document task: ``pipeline.document.process_document`` with Prefect's retries.

Deterministic input errors come back as a ``failed`` outcome with a code (never retried);
transient errors are raised by the stage so Prefect retries them with backoff.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.slots import ocr_slot_of
from pipeline.document import DocumentOutcome, process_document
from zcps.errors import ZcpsError
from zcps.models import DocumentRef
from zcps.settings import get_settings


def document(ref: DocumentRef, store_url: str, force: bool, ocr_limit: str) -> DocumentOutcome:
    return process_document(ref, store_url, force, ocr_slot=ocr_slot_of(ocr_limit))


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
        document,
        name="document",
        task_run_name="document-{ref.log_id}",  # file names carry names and ID numbers; task names are logged
        retries=settings.retries,
        retry_delay_seconds=[settings.retry_delay_seconds * (2**i) for i in range(settings.retries)],
        retry_condition_fn=_retry_transient,
        cache_policy=NO_CACHE,
        persist_result=False,
    )
