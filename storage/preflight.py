"""Checks before a batch run starts anything: the store answers, the batch exists, and writes are taken.

Each failure is one ``ZcpsError`` whose message says what to do, raised before Prefect or any task
starts, so a mistyped batch, a closed port or a read-only store costs one line instead of a failed
task per file and a wrong hint to ``rerun --failed`` when nothing was recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from storage.base import ObjectStore
from storage.intake import check_batch_name
from storage.layout import intake_prefix
from zcps.errors import StoreAccessDenied, StoreUnavailable, UnknownBatch

# Overwritten by every run, never read back or deleted: the pipeline account may put objects under
# work/ and results/ but, by least privilege, not delete them (README, "Least-privilege MinIO setup").
# results/ holds the ledger: without it nothing can be recorded. Outside every batch folder.
WRITE_CHECK_KEYS = ("work/write-check", "results/write-check")
_UNREACHABLE_HINT = ("Check ZCPS_STORE_URL and that the object store is up, then run the same command again; "
                     "nothing was processed or recorded.")
_SHOWN_BATCHES = 20


def batches(store: ObjectStore) -> list[str]:
    """The batch folders under ``intake/``, sorted."""
    return sorted({key.split("/", 2)[1] for key in store.list("intake/") if key.count("/") >= 2})


def require_batch(store: ObjectStore, batch: str, units: list[str] | None = None) -> None:
    """Raise ``UnknownBatch`` (naming the batches or units that exist) unless the batch has intake objects."""
    check_batch_name(batch)
    keys = answering(store, lambda: list(store.list(intake_prefix(batch))))
    if not keys:
        found = answering(store, lambda: batches(store))
        shown = ", ".join(found[:_SHOWN_BATCHES]) + (" …" if len(found) > _SHOWN_BATCHES else "")
        raise UnknownBatch(f"batch {batch[:40]!r} has nothing under intake/ in {store.url}; "
                           + (f"batches there: {shown}" if found else "intake/ is empty"))
    if units:
        present = sorted({key[len(intake_prefix(batch)):].split("/", 1)[0] for key in keys})
        if not set(units) & set(present):
            raise UnknownBatch(f"batch {batch[:40]!r} has no unit {', '.join(u[:40] for u in units)}; "
                               f"units there: {', '.join(present[:_SHOWN_BATCHES])}",
                               hint="Check --unit against the units listed above.")


def require_writable(store: ObjectStore) -> None:
    """Raise ``StoreAccessDenied`` unless the store takes a write (call after a read has succeeded)."""
    stamp = datetime.now(UTC).isoformat().encode()
    try:
        for key in WRITE_CHECK_KEYS:
            store.put(key, stamp)
    except StoreUnavailable as exc:
        # Reads just worked, so a server error on a write is the store refusing it: `rclone serve s3
        # --read-only` answers HTTP 500 InternalError to every write instead of 403.
        raise StoreAccessDenied(f"{store.url} answered a write with an error although reads work ({exc.detail})",
                                hint="The store is read-only or refuses writes by this account; let the "
                                     "pipeline account write work/, results/ and release/ (README, "
                                     "'Least-privilege MinIO setup') or point ZCPS_STORE_URL at a writable "
                                     "store.") from None


def answering(store: ObjectStore, read):
    """``read()``; if the store does not answer, the error says to run the same command again, not rerun."""
    try:
        return read()
    except StoreUnavailable as exc:
        raise StoreUnavailable(f"{store.url} did not answer ({exc.detail})", hint=_UNREACHABLE_HINT) from None
