"""The ``ocr`` global concurrency limit: OCR (a document's text on an OCR cache miss, a release's
re-read) runs only inside a slot, so the workers never run more OCR at once than the cores hold.

The flow sets the limit on the Prefect API it runs against (the temporary server zcps starts, or
``PREFECT_API_URL``) before any document starts; tasks on Dask workers reach the same API.
"""

from __future__ import annotations

import logging
import os
from contextlib import AbstractContextManager

from zcps.prefect_api import on_temporary_server
from zcps.settings import Settings

OCR_LIMIT = "ocr"

log = logging.getLogger("zcps.flow")


def ocr_slots(settings: Settings) -> int:
    return settings.ocr_slots or max(1, (os.cpu_count() or 1) // max(1, settings.ocr_threads))


def set_ocr_limit(settings: Settings) -> int:
    """Create or update the ``ocr`` limit to ``ocr_slots(settings)``; returns the limit.

    On zcps's temporary server the slots still taken are cleared too: that server keeps its leases
    in memory, so slots a killed run held would otherwise stay taken in the database forever. A
    standing server expires such leases itself."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    slots = ocr_slots(settings)
    with get_client(sync_client=True) as client:
        try:
            current = client.read_global_concurrency_limit_by_name(OCR_LIMIT)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=OCR_LIMIT, limit=slots))
        else:
            stale = current.active_slots if on_temporary_server() else 0
            if current.limit != slots or not current.active or stale:
                cleared = {"active_slots": 0} if stale else {}
                update = GlobalConcurrencyLimitUpdate(limit=slots, active=True, **cleared)
                client.update_global_concurrency_limit(OCR_LIMIT, update)
    log.info("OCR limit %r: %d slots", OCR_LIMIT, slots)
    return slots


def ocr_slot() -> AbstractContextManager:
    """One slot of the ``ocr`` limit for the block (waits until one is free)."""
    from prefect.concurrency.sync import concurrency

    return concurrency(OCR_LIMIT, occupy=1)
