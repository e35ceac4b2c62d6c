"""Stable per-batch pseudonyms: a keyed hash, so nobody without the key can link them to applicants."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from storage.base import ObjectStore
from storage.layout import pseudonym_key, pseudonym_prefix
from zcps.errors import PseudonymCollision


def make_pseudonym(key: SecretStr | str, batch: str, applicant_id: str) -> str:
    """``P-`` + the first 8 hex digits of HMAC-SHA256(key, "{batch}:{applicant_id}"), upper case."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    digest = hmac.new(secret.encode(), f"{batch}:{applicant_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:8].upper()}"


def load_pseudonyms(store: ObjectStore, batch: str) -> dict[str, str]:
    """applicant_id → pseudonym for a batch; kept only under ``results/``, never released."""
    prefix = pseudonym_prefix(batch)
    return {key[len(prefix):]: store.get(key).decode() for key in store.list(prefix)}


def record_pseudonym(store: ObjectStore, batch: str, applicant_id: str, pseudonym: str) -> None:
    owner = next((a for a, p in load_pseudonyms(store, batch).items() if p == pseudonym and a != applicant_id), None)
    if owner is not None:
        raise PseudonymCollision(f"batch {batch}")
    store.put(pseudonym_key(batch, applicant_id), pseudonym.encode())
