"""Workers racing to finish files of one applicant never lose an update to its ledger summary.

Real concurrency on both backends: threads (each with its own store client) and spawned processes,
all finishing different files of the same applicant at once, so every summary write races the
others. The local folder serialises them with a lock (``put_if``); ``rclone serve s3`` ignores
``If-Match``, so there the last writer wins and the read-time check must catch what was lost.
Either way the answer read from the summaries is exactly the per-file truth.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from storage.base import ObjectStore
from storage.factory import open_store
from storage.layout import ledger_documents_prefix, ledger_key, ledger_summary_key_of
from storage.ledger import Ledger, LedgerEntry
from storage.ledger_summary import ApplicantLedger
from storage.local import LocalStore
from zcps.errors import WriteConflict
from zcps.models import DocumentRef, Status

BATCH = "2024"
SHA = "c" * 64


def _refs(files: int) -> list[DocumentRef]:
    return [DocumentRef(batch=BATCH, unit="u01", applicant="a1", file=f"{n:02d}.pdf") for n in range(files)]


def _finish(store_url: str, refs: list[DocumentRef], owner: str, barrier=None) -> None:
    ledger = Ledger(open_store(store_url), BATCH)
    if barrier is not None:
        barrier.wait()
    for ref in refs:
        ledger.claim(ref, SHA, "v1", owner)
        if ref.file.startswith("0"):
            ledger.finish(ref, owner, SHA)
        else:
            ledger.fail(ref, owner, "E_CORRUPT_FILE", "unreadable")


def _race(store: ObjectStore, mode: str, files: int, workers: int) -> list[DocumentRef]:
    refs = _refs(files)
    shares = [refs[i::workers] for i in range(workers)]
    if mode == "threads":
        barrier = threading.Barrier(workers)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda i: _finish(store.url, shares[i], f"w{i}", barrier), range(workers)))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_finish, [store.url] * workers, shares, [f"w{i}" for i in range(workers)]))
    return refs


# mode, files, workers (one worker: the near miss with no race at all)
RACES = {
    "one worker": ("threads", 6, 1),
    "six threads, twenty-four files": ("threads", 24, 6),
    "four processes, sixteen files": ("processes", 16, 4),
}


@pytest.mark.parametrize("case", sorted(RACES))
def test_racing_workers_lose_no_update(store: ObjectStore, case: str):
    mode, files, workers = RACES[case]
    refs = _race(store, mode, files, workers)
    truth = {key: LedgerEntry.model_validate_json(store.get(key))
             for key in store.list(ledger_documents_prefix(BATCH))}
    assert len(truth) == files
    summary_key = ledger_summary_key_of(ledger_key(refs[0]))
    written = ApplicantLedger.model_validate_json(store.get(summary_key))
    if isinstance(store, LocalStore):
        # The lock made every write see the one before it: the stored summary is already complete.
        assert written.versions() == dict(store.list_versions(ledger_documents_prefix(BATCH)))
    reader = Ledger(store, BATCH)
    entries = reader.entries()
    assert [e.status for e in entries] == [truth[key].status for key in sorted(truth)]
    assert {(e.file, e.status, e.attempts, e.lease_owner) for e in entries} == {
        (ref.file, Status.done if ref.file.startswith("0") else Status.failed, 1, None) for ref in refs}
    assert Ledger(store, BATCH).entries() == entries
    assert Ledger(store, BATCH).summaries.entries() == entries


def test_put_if_refuses_a_stale_version_on_the_local_store(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    key = "results/2024/state/summaries/u/a.json"
    cases = [  # (expected version, whether the write succeeds)
        (None, True),  # absent, and expected absent
        (None, False),  # present now: If-None-Match fails
        ("0-0-0", False),  # a version it never had
    ]
    for expected, succeeds in cases:
        if succeeds:
            store.put_if(key, b"first", expected)
        else:
            with pytest.raises(WriteConflict):
                store.put_if(key, b"lost", expected)
    _, current = store.get_versioned(key)
    store.put_if(key, b"second", current)
    with pytest.raises(WriteConflict):
        store.put_if(key, b"third", current)  # the version it had one write ago
    assert store.get(key) == b"second"
