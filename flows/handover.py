"""Work a parent flow hands its subflows, passed by an opaque id.

Prefect stores every flow run's parameters in its database and shows them in the UI, so a
subflow is given ``handover.put(work)`` (a random id) instead of its documents and applicants,
whose keys hold applicants' and units' names. Subflows run in the parent flow's process (their
tasks may go to Dask workers, the subflow itself does not), so an in-process table suffices;
``take`` removes the entry, so a batch of any size holds only the groups in flight.
"""

from __future__ import annotations

import threading
import uuid

_work: dict[str, object] = {}
_lock = threading.Lock()


def put(work: object) -> str:
    work_id = uuid.uuid4().hex
    with _lock:
        _work[work_id] = work
    return work_id


def take(work_id: str) -> object:
    with _lock:
        return _work.pop(work_id)
