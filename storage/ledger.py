"""The per-file ledger (docs/storage-layout.md) under ``results/{batch}/state/`` (keys: storage/layout.py).

Three scopes of entry: a ``document`` below an applicant's ``docs/``; any other intake ``object``
(misplaced, ignored by policy, or with a key the store cannot hold), so nothing under intake hides;
and a per-applicant or per-unit ``stage`` (review, release, reports) that failed, so a stage
failure is that applicant's or that report's, with a code, never the batch's.

It lives in the object store so several workers on several machines share one batch. Each entry
says whether a file's current content has been processed by the current pipeline version, and
who is working on it now (a lease that goes stale after ``ZCPS_LEASE_SECONDS``). A lease also names
its holder process (``LeaseHolder``): on the machine that process ran on, a lease whose holder has
exited is void at once, so a rerun after ``kill -9`` need not wait for the expiry. Other machines
cannot see the process and wait for the expiry.

Reading the whole ledger goes through the per-applicant summaries (storage/ledger_summary.py),
verified against a listing of the entries' versions, so ``zcps status`` on 45,000 files costs
about one request per applicant, not one per file.

Concurrency limitation of the per-file entries: they are last-writer-wins. ``claim`` writes, then reads back and checks the owner, which catches
most races, but two workers claiming the same file within one round trip can both believe they
hold it. The outcome is duplicate work, never lost work: every output is keyed by file and
content, and the later ``finish``/``fail`` refuses to overwrite a fresh lease held by another
worker. The ledger holds object keys and error codes only, never personal data: error messages
come from ``ZcpsError`` whose messages name keys, not applicants.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pydantic import Field as PydField, ValidationError

from storage.base import ObjectStore
from storage.layout import (ledger_key, ledger_objects_prefix, ledger_stages_prefix, object_ledger_key,
                            stage_ledger_key)
from storage.ledger_entry import MAX_ERROR_MESSAGE, LeaseHolder, LedgerEntry, Scope, current_holder
from storage.ledger_summary import SummaryBook
from zcps.errors import LeaseConflict, ObjectNotFound, ZcpsError
from zcps.models import DocumentRef, Model, Status
from zcps.settings import Settings, get_settings

log = logging.getLogger(__name__)

_READ_THREADS = 8
__all__ = ["MAX_ERROR_MESSAGE", "LeaseHolder", "Ledger", "LedgerEntry", "LedgerSummary", "Scope", "current_holder"]


class _Unread:
    """The default of an entry argument: read the entry from the store."""


UNREAD = _Unread()


class LedgerSummary(Model):
    total: int = 0
    by_status: dict[str, int] = PydField(default_factory=lambda: {s.value: 0 for s in Status})
    by_error_code: dict[str, int] = PydField(default_factory=dict)


class Ledger:
    def __init__(self, store: ObjectStore, batch: str, *, settings: Settings | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.store = store
        self.batch = batch
        self.lease_seconds = (settings or get_settings()).lease_seconds
        self._clock = clock or (lambda: datetime.now(UTC))
        self.summaries = SummaryBook(store, batch)

    def get(self, ref: DocumentRef) -> LedgerEntry | None:
        return self._read(self._key(ref))

    def entries(self, unit: str | None = None, *, rebuild: bool = False) -> list[LedgerEntry]:
        """Every entry: documents from the applicants' summaries (``rebuild``: rebuilt from the
        per-file entries, ``zcps status --rebuild``), objects and stages read one by one (few)."""
        documents = self.summaries.entries(unit, rebuild=rebuild)
        return sorted([*documents, *self.other_entries(unit)], key=entry_key)

    def other_entries(self, unit: str | None = None) -> list[LedgerEntry]:
        """The object and stage entries (few: one per misplaced or ignored object, per failed stage)."""
        keys = [*self.store.list(ledger_objects_prefix(self.batch)), *self.store.list(ledger_stages_prefix(self.batch))]
        # Threads hide S3 round-trip latency.
        with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
            found = list(pool.map(self._read, keys))
        return sorted((entry for entry in found if entry is not None and (unit is None or entry.unit == unit)),
                      key=entry_key)

    def record(self, entry: LedgerEntry, previous: LedgerEntry | None = None) -> LedgerEntry:
        """Write an object or stage entry unless ``previous`` already says the same."""
        same = ("status", "error_code", "error_message", "key")
        if previous is not None and all(getattr(previous, f) == getattr(entry, f) for f in same):
            return previous
        now = self._clock()
        entry = entry.model_copy(update=dict(updated_at=now, finished_at=now,
                                             attempts=(previous.attempts if previous else 0) + 1))
        self._write(entry)
        return entry

    def remove(self, entry: LedgerEntry) -> None:
        """Drop an object or stage entry that no longer applies (the object moved, the stage passed)."""
        self.store.delete(entry_key(entry))

    def should_process(self, ref: DocumentRef, sha256: str, pipeline_version: str,
                       owner: str | None = None, *, entry: "LedgerEntry | None | _Unread" = UNREAD) -> bool:
        """``entry``: the file's entry as the caller just read it (``get``), so it is not read again."""
        if isinstance(entry, _Unread):
            entry = self.get(ref)
        if entry is None:
            return True
        if entry.status is Status.done:
            return entry.sha256 != sha256 or entry.pipeline_version != pipeline_version
        if entry.lease_fresh(self._clock()) and entry.lease_owner != owner:
            return False
        return True

    def claim(self, ref: DocumentRef, sha256: str, pipeline_version: str, owner: str, *,
              previous: "LedgerEntry | None | _Unread" = UNREAD) -> LedgerEntry:
        """Take the file's lease. ``previous``: its entry as the caller just read it, which saves a read
        per file; the write is read back either way, so a claim racing this one is still caught."""
        now = self._clock()
        if isinstance(previous, _Unread):
            previous = self.get(ref)
        self._refuse_foreign_lease(previous, owner, now)
        holder = current_holder()
        same_work = previous is not None and (previous.sha256, previous.pipeline_version) == (sha256, pipeline_version)
        entry = LedgerEntry.new(
            ref, status=Status.running,
            attempts=(previous.attempts if same_work else 0) + 1,
            sha256=sha256, pipeline_version=pipeline_version,
            started_at=now, updated_at=now,
            lease_owner=owner, lease_expires_at=now + timedelta(seconds=self.lease_seconds),
            # Only a lease taken for this very process can name it; any other owner waits for expiry.
            lease_holder=holder if owner == holder.token else None,
        )
        self._write(entry)
        written = self.get(ref)
        if written is None or written.lease_owner != owner:
            raise LeaseConflict(f"{self._key(ref)}: another worker claimed it at the same time")
        return written

    def finish(self, ref: DocumentRef, owner: str, sha256: str) -> LedgerEntry:
        entry = self._owned(ref, owner)
        now = self._clock()
        entry = entry.model_copy(update=dict(
            status=Status.done, sha256=sha256, error_code=None, error_message=None,
            finished_at=now, updated_at=now, lease_owner=None, lease_expires_at=None, lease_holder=None,
        ))
        self._write(entry)
        return entry

    def fail(self, ref: DocumentRef, owner: str, code: str, message: str) -> LedgerEntry:
        entry = self._owned(ref, owner)
        now = self._clock()
        entry = entry.model_copy(update=dict(
            status=Status.failed, error_code=code, error_message=message[:MAX_ERROR_MESSAGE],
            finished_at=now, updated_at=now, lease_owner=None, lease_expires_at=None, lease_holder=None,
        ))
        self._write(entry)
        return entry

    def reset_failed(self, unit: str | None = None) -> list[DocumentRef]:
        """Put every failed file back to pending (``zcps rerun --failed``); returns their refs."""
        now = self._clock()
        reset = []
        for entry in self.entries(unit):
            if entry.status is Status.failed and entry.scope == "document":
                self._write(entry.model_copy(update=dict(status=Status.pending, attempts=0, updated_at=now)))
                reset.append(entry.ref)
        return reset

    def summary(self, unit: str | None = None) -> LedgerSummary:
        return summarize(self.entries(unit))

    def _key(self, ref: DocumentRef) -> str:
        if ref.batch != self.batch:
            raise ZcpsError(f"ledger of batch {self.batch!r} asked about a file of batch {ref.batch!r}")
        return ledger_key(ref)

    def _read(self, key: str) -> LedgerEntry | None:
        try:
            return LedgerEntry.model_validate_json(self.store.get(key))
        except ObjectNotFound:
            return None
        except (ValidationError, ValueError):
            # A damaged entry must not stop the batch: the file is simply processed again.
            # The key holds file names, which may hold names and ID numbers: logs never carry them.
            log.warning("a ledger entry is unreadable; treating its file as pending")
            return None

    def _write(self, entry: LedgerEntry) -> None:
        if entry.batch != self.batch:
            raise ZcpsError(f"ledger of batch {self.batch!r} asked to write an entry of batch {entry.batch!r}")
        key = entry_key(entry)
        written = self.store.put(key, entry.model_dump_json().encode())
        if entry.scope == "document" and entry.status is not Status.running:
            # A claim is not summarised (readers see the entry's new version and rebuild): the
            # summary is written once per finished, failed or reset file.
            self.summaries.record(key, written.version, entry)

    def _refuse_foreign_lease(self, entry: LedgerEntry | None, owner: str, now: datetime) -> None:
        if entry is not None and entry.lease_fresh(now) and entry.lease_owner != owner:
            raise LeaseConflict(f"{self._key(entry.ref)}: leased by another worker until "
                                f"{entry.lease_expires_at.isoformat()}")

    def _owned(self, ref: DocumentRef, owner: str) -> LedgerEntry:
        """The entry to update at the end of work, unless another worker has since taken it over."""
        entry = self.get(ref)
        self._refuse_foreign_lease(entry, owner, self._clock())
        return entry or LedgerEntry.new(ref)


def object_entry(batch: str, key: str, status: Status, code: str | None, message: str) -> LedgerEntry:
    """The entry of the intake object ``key`` (below ``intake/{batch}/``) that is not a document."""
    parts = key.split("/")
    unit, applicant = (parts + ["", ""])[:2] if len(parts) > 2 else (parts[0] if len(parts) == 2 else "", "")
    file = "/".join(parts[2:]) if len(parts) > 2 else parts[-1]
    return LedgerEntry(batch=batch, unit=unit, applicant=applicant, file=file, scope="object", key=key,
                       status=status, error_code=code, error_message=message[:MAX_ERROR_MESSAGE])


def stage_entry(batch: str, unit: str, applicant: str | None, stage: str, code: str, message: str) -> LedgerEntry:
    return LedgerEntry(batch=batch, unit=unit, applicant=applicant or "", file=stage, scope="stage",
                       status=Status.failed, error_code=code, error_message=message[:MAX_ERROR_MESSAGE])


def entry_key(entry: LedgerEntry) -> str:
    if entry.scope == "object":
        return object_ledger_key(entry.batch, entry.key or entry.ref.label)
    if entry.scope == "stage":
        return stage_ledger_key(entry.batch, entry.unit, entry.applicant or None, entry.file)
    return ledger_key(entry.ref)


def summarize(entries: list[LedgerEntry]) -> LedgerSummary:
    """Counts per status and per error code of entries already read."""
    statuses = Counter(entry.status.value for entry in entries)
    codes = Counter(entry.error_code for entry in entries if entry.status is Status.failed and entry.error_code)
    summary = LedgerSummary(total=len(entries), by_error_code=dict(sorted(codes.items())))
    summary.by_status.update(statuses)
    return summary
