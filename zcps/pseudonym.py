"""Stable per-batch pseudonyms: a keyed hash, so nobody without the key can link them to applicants.

Core, because logs pseudonymise applicant ids too; ``masking.pseudonym`` keeps the store records.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr


def make_pseudonym(key: SecretStr | str, batch: str, applicant_id: str) -> str:
    """``P-`` + the first 8 hex digits of HMAC-SHA256(key, "{batch}:{applicant_id}"), upper case."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    digest = hmac.new(secret.encode(), f"{batch}:{applicant_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:8].upper()}"
