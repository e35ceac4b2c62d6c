"""Which units and files a run covers, handed to the flow by reference.

Prefect keeps every flow run's parameters in its database and shows them in its UI, so
``batch_review`` must never be given file keys (they hold applicants' and units' names). ``flows.runner``
stores the selection under ``results/{batch}/selections/{hash}.json`` (``storage/layout.py``) and
passes the flow only the hash; the flow reads it back. The same selection has the same hash, so a
repeated ``zcps rerun KEY`` writes nothing new.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from storage.base import ObjectStore
from storage.layout import selection_key

SCHEMA = "zcps.selection/1"


class Selection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: str = SCHEMA
    units: tuple[str, ...] | None = None  # None: every unit
    keys: tuple[str, ...] | None = None  # None: every selected file (with only_failed, the failed ones)

    @property
    def reference(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:32]


def store_selection(store: ObjectStore, batch: str, units: list[str] | None, keys: list[str] | None) -> str | None:
    """The reference of the selection, stored; None when the run covers the whole batch."""
    if not units and not keys:
        return None
    selection = Selection(units=tuple(sorted(units)) if units else None, keys=tuple(sorted(keys)) if keys else None)
    key = selection_key(batch, selection.reference)
    if not store.exists(key):
        store.put(key, selection.model_dump_json().encode("utf-8"))
    return selection.reference


def load_selection(store: ObjectStore, batch: str, reference: str | None) -> Selection:
    if reference is None:
        return Selection()
    return Selection.model_validate_json(store.get(selection_key(batch, reference)))
