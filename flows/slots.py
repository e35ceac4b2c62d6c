"""The ``ocr`` global concurrency limit: OCR (a document's text on an OCR cache miss, a release's
re-read) runs only inside a slot, so the workers never run more OCR at once than the cores hold.

The flow sets the limit on the Prefect API it runs against (the temporary server zcps starts, or
``PREFECT_API_URL``) before any document starts and passes its name to the tasks; tasks on Dask
workers reach the same API. zcps's temporary server keeps Prefect's default database, which every
zcps process of the host shares, and its leases in memory only: there the limit is named per
server (``ocr-{token}``, a token drawn when the server starts), so runs of other processes never take
each other's slots, and slots held when a process was killed, whose leases died with its server, are
never seen again, not even by a later server on the same port.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager

from zcps.prefect_api import temporary_server_token
from zcps.settings import Settings

OCR_LIMIT = "ocr"

log = logging.getLogger("zcps.flow")


def ocr_slots(settings: Settings) -> int:
    return settings.ocr_slots or max(1, (os.cpu_count() or 1) // max(1, settings.ocr_threads))


def ocr_limit_name() -> str:
    token = temporary_server_token()
    return OCR_LIMIT if token is None else f"{OCR_LIMIT}-{token}"


def set_ocr_limit(settings: Settings) -> str:
    """Create or update the limit to ``ocr_slots(settings)`` slots; returns its name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    name, slots = ocr_limit_name(), ocr_slots(settings)
    with get_client(sync_client=True) as client:
        try:
            current = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))
        else:
            if current.limit != slots or not current.active:
                client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=slots, active=True))
    log.info("OCR limit %r: %d slots", name, slots)
    return name


def ocr_slot_of(name: str) -> Callable[[], AbstractContextManager]:
    """``ocr_slot()`` for the stages: one slot of the limit ``name`` for the block (waits for one)."""
    from prefect.concurrency.sync import concurrency

    return lambda: concurrency(name, occupy=1)
