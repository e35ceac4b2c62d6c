"""The store's record of a batch's pseudonyms (``zcps.pseudonym.make_pseudonym`` makes them), never released."""

from __future__ import annotations

from storage.base import ObjectStore
from storage.layout import pseudonym_key, pseudonym_prefix
from zcps.errors import PseudonymCollision


def load_pseudonyms(store: ObjectStore, batch: str) -> dict[str, str]:
    """applicant_id → pseudonym for a batch; kept only under ``results/``, never released."""
    prefix = pseudonym_prefix(batch)
    return {key[len(prefix):]: store.get(key).decode() for key in store.list(prefix)}


def record_pseudonym(store: ObjectStore, batch: str, applicant_id: str, pseudonym: str) -> None:
    owner = next((a for a, p in load_pseudonyms(store, batch).items() if p == pseudonym and a != applicant_id), None)
    if owner is not None:
        raise PseudonymCollision(f"batch {batch}")
    store.put(pseudonym_key(batch, applicant_id), pseudonym.encode())
