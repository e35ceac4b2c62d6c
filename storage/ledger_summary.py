"""Per-applicant ledger summaries: what ``zcps status``, ``rerun --failed`` and a run's start read
instead of one object per file (keys: storage/layout.py, ``state/summaries/{unit}/{applicant}.json``).

A summary holds copies of the applicant's document entries, each with the version (ETag, or the
local file's identity) its entry object had when it was copied. The per-file entries stay the
truth: a reader lists them with their versions (one request per 1,000 keys on S3), reads the
summaries, and trusts a summary only when its versions are exactly the listed ones. A summary that
is missing, unreadable or stale (a worker died between writing its entry and the summary, a file
was added, or a write lost a race) is rebuilt from that applicant's entries and written back.

Writers update the summary after each finished (or failed, or reset) file with a conditional write
(``ObjectStore.put_if``: ``If-Match`` on S3, a ``flock`` on a local folder) and retry on a conflict,
so concurrent workers do not overwrite each other's updates. On a server that ignores the
conditions (``rclone serve s3``) the last writer wins; the read-time check turns a lost update into
a rebuild, never into a wrong answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from pydantic import Field as PydField, ValidationError

from storage.base import ObjectStore
from storage.layout import ledger_documents_prefix, ledger_summaries_prefix, ledger_summary_key_of
from storage.ledger_entry import LedgerEntry
from zcps.errors import WriteConflict, ZcpsError
from zcps.models import Model

log = logging.getLogger(__name__)

READ_THREADS = 16
# Losing a race costs one GET and one PUT; jittered backoff spreads writers of one applicant apart.
WRITE_ATTEMPTS = 20
BACKOFF_SECONDS = 0.01


class SummarizedEntry(Model):
    version: str
    entry: LedgerEntry


class ApplicantLedger(Model):
    """One applicant's document entries, keyed by their entry object's key."""

    entries: dict[str, SummarizedEntry] = PydField(default_factory=dict)

    def versions(self) -> dict[str, str]:
        return {key: item.version for key, item in self.entries.items()}


class SummaryStats(Model):
    """The last read: summaries read and how many were rebuilt; and this book's write conflicts."""

    summaries: int = 0
    rebuilt: int = 0
    conflicts: int = 0


class SummaryBook:
    def __init__(self, store: ObjectStore, batch: str):
        self.store = store
        self.batch = batch
        self.stats = SummaryStats()

    def record(self, entry_key: str, version: str | None, entry: LedgerEntry) -> None:
        """Put a just-written document entry into its applicant's summary (compare-and-swap, retried)."""
        summary_key = ledger_summary_key_of(entry_key)
        for attempt in range(WRITE_ATTEMPTS):
            found = self.store.get_versioned(summary_key)
            summary = _parse(found[0]) if found else None
            summary = summary or ApplicantLedger()
            summary.entries[entry_key] = SummarizedEntry(version=version or "", entry=entry)
            try:
                self.store.put_if(summary_key, summary.model_dump_json().encode(), found[1] if found else None)
                return
            except WriteConflict:
                self.stats.conflicts += 1
                time.sleep(random.uniform(0, BACKOFF_SECONDS * (attempt + 1)))
        # Readers notice the summary lacks this entry's version and rebuild it from the entries.
        log.warning("a ledger summary stayed contended after %d attempts; readers will rebuild it", WRITE_ATTEMPTS)

    def entries(self, unit: str | None = None, *, rebuild: bool = False) -> list[LedgerEntry]:
        """Every document entry of the batch (or of ``unit``), from the summaries wherever they are current."""
        groups: dict[str, dict[str, str]] = defaultdict(dict)
        for key, version in self.store.list_versions(ledger_documents_prefix(self.batch, unit)):
            if key.endswith(".json"):
                groups[ledger_summary_key_of(key)][key] = version
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            found = list(pool.map(lambda item: self._group(*item, rebuild=rebuild), sorted(groups.items())))
        if rebuild and unit is None:
            self._drop_orphans(set(groups))
        self.stats = SummaryStats(summaries=len(found), rebuilt=sum(1 for _, rebuilt in found if rebuilt),
                                  conflicts=self.stats.conflicts)
        return [entry for group, _ in found for entry in group if unit is None or entry.unit == unit]

    def _group(self, summary_key: str, listed: dict[str, str], *, rebuild: bool) -> tuple[list[LedgerEntry], bool]:
        """The group's entries, and whether its summary had to be rebuilt."""
        found = self.store.get_versioned(summary_key)
        summary = _parse(found[0]) if found else None
        if summary is not None and not rebuild and summary.versions() == listed:
            return [item.entry for _, item in sorted(summary.entries.items())], False
        fresh = ApplicantLedger()
        for key in sorted(listed):
            read = self.store.get_versioned(key)
            entry = _parse_entry(read[0]) if read else None
            if entry is not None:
                fresh.entries[key] = SummarizedEntry(version=read[1], entry=entry)
        try:
            self.store.put_if(summary_key, fresh.model_dump_json().encode(), found[1] if found else None)
        except WriteConflict:
            pass  # a writer got there first; the next reader checks its summary
        except ZcpsError as exc:  # a read-only operator account still gets a correct answer
            log.warning("could not write back a rebuilt ledger summary: %s", exc.code)
        return [item.entry for _, item in sorted(fresh.entries.items())], True

    def _drop_orphans(self, current: set[str]) -> None:
        """Summaries of applicants that have no entries any more (their files were removed)."""
        for key in self.store.list(ledger_summaries_prefix(self.batch)):
            if key not in current:
                self.store.delete(key)


def _parse(data: bytes) -> ApplicantLedger | None:
    try:
        return ApplicantLedger.model_validate_json(data)
    except (ValidationError, ValueError):
        log.warning("a ledger summary is unreadable; rebuilding it from its entries")
        return None


def _parse_entry(data: bytes) -> LedgerEntry | None:
    try:
        return LedgerEntry.model_validate_json(data)
    except (ValidationError, ValueError):
        # The key holds file names, which may hold names and ID numbers: logs never carry them.
        log.warning("a ledger entry is unreadable; treating its file as pending")
        return None
