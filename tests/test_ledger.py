"""The per-file ledger on both backends: status transitions, leases, summaries."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from storage.base import ObjectStore
from storage.counting import CountingStore
from storage.layout import ledger_documents_prefix, ledger_key, ledger_summary_key_of
from storage.ledger import Ledger, LedgerEntry, entry_key
from zcps.errors import LeaseConflict, ZcpsError
from zcps.models import DocumentRef, Status

LEASE = 900
REF = DocumentRef(batch="2024", unit="u01", applicant="2024-HH-0007", file="03_ce_card.jpg")
SHA_A, SHA_B = "a" * 64, "b" * 64


class Clock:
    def __init__(self):
        self.now = datetime(2024, 7, 18, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(store: ObjectStore, clock: Clock) -> Ledger:
    ledger = Ledger(store, "2024", clock=clock)
    ledger.lease_seconds = LEASE
    return ledger


def run_steps(ledger: Ledger, clock: Clock, steps: list[tuple]) -> None:
    for action, *args in steps:
        if action == "advance":
            clock.now += timedelta(seconds=args[0])
        elif action == "claim":
            owner, sha, version = args
            ledger.claim(REF, sha, version, owner)
        elif action == "finish":
            owner, sha = args
            ledger.finish(REF, owner, sha)
        elif action == "fail":
            owner, code = args
            ledger.fail(REF, owner, code, f"{code} on {REF.label}")
        else:
            raise AssertionError(f"unknown step {action}")


CLAIM_W1 = ("claim", "w1", SHA_A, "v1")

# (steps, expected status, attempts, owner, {(sha, version, asking owner): should_process})
TRANSITIONS = {
    "new file is processed": ([], None, None, None, {(SHA_A, "v1", "w1"): True}),
    "pending → running": ([CLAIM_W1], Status.running, 1, "w1",
                          {(SHA_A, "v1", "w2"): False, (SHA_A, "v1", None): False, (SHA_A, "v1", "w1"): True}),
    "running → done, same content skipped": ([CLAIM_W1, ("finish", "w1", SHA_A)], Status.done, 1, None,
                                             {(SHA_A, "v1", "w2"): False, (SHA_A, "v1", "w1"): False}),
    "done + changed sha256 → process": ([CLAIM_W1, ("finish", "w1", SHA_A)], Status.done, 1, None,
                                        {(SHA_B, "v1", "w2"): True}),
    "done + new pipeline version → process": ([CLAIM_W1, ("finish", "w1", SHA_A)], Status.done, 1, None,
                                              {(SHA_A, "v2", "w2"): True}),
    "running → failed": ([CLAIM_W1, ("fail", "w1", "E_CORRUPT_FILE")], Status.failed, 1, None,
                         {(SHA_A, "v1", "w2"): True}),
    "failed → rerun counts the attempt": (
        [CLAIM_W1, ("fail", "w1", "E_STORE_UNAVAILABLE"), ("claim", "w2", SHA_A, "v1")], Status.running, 2, "w2",
        {(SHA_A, "v1", "w1"): False}),
    "changed content restarts the attempt count": (
        [CLAIM_W1, ("fail", "w1", "E_CORRUPT_FILE"), ("claim", "w1", SHA_B, "v1")], Status.running, 1, "w1", {}),
    "lease one second before expiry is still held": ([CLAIM_W1, ("advance", LEASE - 1)], Status.running, 1, "w1",
                                                     {(SHA_A, "v1", "w2"): False}),
    "stale lease is taken over": (
        [CLAIM_W1, ("advance", LEASE + 1), ("claim", "w2", SHA_A, "v1")], Status.running, 2, "w2",
        {(SHA_A, "v1", "w1"): False}),
    "lease at exactly its expiry is stale": ([CLAIM_W1, ("advance", LEASE)], Status.running, 1, "w1",
                                             {(SHA_A, "v1", "w2"): True}),
}


@pytest.mark.parametrize("case", sorted(TRANSITIONS))
def test_transitions(ledger: Ledger, clock: Clock, case: str):
    steps, status, attempts, owner, decisions = TRANSITIONS[case]
    run_steps(ledger, clock, steps)
    entry = ledger.get(REF)
    if status is None:
        assert entry is None
    else:
        assert (entry.status, entry.attempts, entry.lease_owner) == (status, attempts, owner)
    for (sha, version, asking), expected in decisions.items():
        assert ledger.should_process(REF, sha, version, owner=asking) is expected, (sha, version, asking)


# (steps before the refused call, the refused call)
CONFLICTS = {
    "claim against a fresh lease": ([CLAIM_W1, ("advance", 60)], ("claim", "w2", SHA_A, "v1")),
    "claim of changed content against a fresh lease": ([CLAIM_W1], ("claim", "w2", SHA_B, "v1")),
    "finish after another worker took over": (
        [CLAIM_W1, ("advance", LEASE + 5), ("claim", "w2", SHA_A, "v1")], ("finish", "w1", SHA_A)),
    "fail after another worker took over": (
        [CLAIM_W1, ("advance", LEASE + 5), ("claim", "w2", SHA_A, "v1")], ("fail", "w1", "E_CORRUPT_FILE")),
}


@pytest.mark.parametrize("case", sorted(CONFLICTS))
def test_lease_conflicts_leave_the_holder_untouched(ledger: Ledger, clock: Clock, case: str):
    steps, refused = CONFLICTS[case]
    run_steps(ledger, clock, steps)
    before = ledger.get(REF)
    with pytest.raises(LeaseConflict) as caught:
        run_steps(ledger, clock, [refused])
    assert caught.value.transient
    assert ledger.get(REF) == before


# (steps before, who claims, the entry passed as read just before (None: nothing passed), GETs of
# the claim, attempts after, or the conflict raised)
CLAIM_READS = {
    "nothing passed: the claim reads the entry and its write back": ([], "w1", None, 2, 1),
    "no entry yet, passed: only the write is read back": ([], "w1", "read", 1, 1),
    "own failed entry passed: attempts still counted": ([CLAIM_W1, ("fail", "w1", "E_STORE_UNAVAILABLE")], "w1",
                                                        "read", 1, 2),
    "foreign fresh lease passed: refused before any write": ([CLAIM_W1], "w2", "read", 0, LeaseConflict),
    "foreign fresh lease, nothing passed: refused after reading it": ([CLAIM_W1], "w2", None, 1, LeaseConflict),
}


@pytest.mark.parametrize("case", sorted(CLAIM_READS))
def test_claim_reads_the_entry_only_when_not_given(store: ObjectStore, clock: Clock, case: str):
    steps, owner, passed, gets, after = CLAIM_READS[case]
    ledger = Ledger(store, "2024", clock=clock)
    run_steps(ledger, clock, steps)
    counting = CountingStore(store)
    claimer = Ledger(counting, "2024", clock=clock)
    before = ledger.get(REF)
    given = {"previous": before} if passed == "read" else {}
    if after is LeaseConflict:
        with pytest.raises(LeaseConflict):
            claimer.claim(REF, SHA_A, "v1", owner, **given)
        assert ledger.get(REF) == before
    else:
        assert claimer.claim(REF, SHA_A, "v1", owner, **given).attempts == after
    assert counting.calls["get"] == gets


@pytest.mark.parametrize("case", sorted(TRANSITIONS))
def test_should_process_decides_the_same_on_a_passed_entry(ledger: Ledger, clock: Clock, case: str):
    steps, _, _, _, decisions = TRANSITIONS[case]
    run_steps(ledger, clock, steps)
    entry = ledger.get(REF)
    for (sha, version, asking), expected in decisions.items():
        assert ledger.should_process(REF, sha, version, owner=asking, entry=entry) is expected, (sha, version, asking)


def test_own_lease_can_be_reclaimed_and_finished_late(ledger: Ledger, clock: Clock):
    run_steps(ledger, clock, [CLAIM_W1, ("advance", LEASE + 5), ("finish", "w1", SHA_A)])
    assert ledger.get(REF).status is Status.done


def test_entry_json_has_utc_timestamps_and_no_lease_after_finish(store: ObjectStore, ledger: Ledger, clock: Clock):
    claimed = ledger.claim(REF, SHA_A, "v1", "w1")
    assert claimed.lease_expires_at - claimed.started_at == timedelta(seconds=LEASE)
    clock.now += timedelta(seconds=42)
    ledger.finish(REF, "w1", SHA_A)
    raw = json.loads(store.get(ledger_key(REF)))
    for name in ("started_at", "finished_at", "updated_at"):
        parsed = datetime.fromisoformat(raw[name])
        assert parsed.utcoffset() == timedelta(0), name
    assert datetime.fromisoformat(raw["finished_at"]) - datetime.fromisoformat(raw["started_at"]) == timedelta(seconds=42)
    assert (raw["status"], raw["lease_owner"], raw["lease_expires_at"], raw["sha256"]) == ("done", None, None, SHA_A)


def test_long_error_messages_are_truncated(ledger: Ledger):
    ledger.claim(REF, SHA_A, "v1", "w1")
    entry = ledger.fail(REF, "w1", "E_CORRUPT_FILE", "x" * 5000)
    assert len(entry.error_message) == 500 and ledger.get(REF).error_message == entry.error_message


def test_damaged_entry_means_process_again(store: ObjectStore, ledger: Ledger):
    store.put(ledger_key(REF), b"{not json")
    assert ledger.get(REF) is None
    assert ledger.should_process(REF, SHA_A, "v1")
    assert ledger.entries() == []


def test_other_batch_refs_are_refused(ledger: Ledger):
    with pytest.raises(ZcpsError, match="batch"):
        ledger.get(REF.model_copy(update={"batch": "2023"}))


# applicant, unit, file, final state ("done" | "running" | failure code)
BATCH = [
    ("a1", "u01", "01.pdf", "done"), ("a1", "u01", "02.jpg", "E_CORRUPT_FILE"), ("a2", "u01", "01.pdf", "done"),
    ("a2", "u01", "证书.png", "running"), ("a3", "u02", "01.pdf", "E_STORE_UNAVAILABLE"),
    ("a3", "u02", "02.pdf", "E_CORRUPT_FILE"), ("a4", "u02", "01.tif", "done"), ("a5", "u10", "x.pdf", "done"),
]


def _fill(ledger: Ledger) -> list[DocumentRef]:
    refs = []
    for applicant, unit, file, outcome in BATCH:
        ref = DocumentRef(batch="2024", unit=unit, applicant=applicant, file=file)
        ledger.claim(ref, SHA_A, "v1", "w1")
        if outcome == "done":
            ledger.finish(ref, "w1", SHA_A)
        elif outcome != "running":
            ledger.fail(ref, "w1", outcome, "failed")
        refs.append(ref)
    return refs


@pytest.mark.parametrize("unit", [None, "u01", "u02", "u1", "u10"])
def test_summary_and_entries_per_unit(ledger: Ledger, unit: str | None):
    _fill(ledger)
    rows = [row for row in BATCH if unit is None or row[1] == unit]
    statuses = Counter("done" if o == "done" else "running" if o == "running" else "failed" for *_, o in rows)
    codes = Counter(o for *_, o in rows if o.startswith("E_"))
    summary = ledger.summary(unit)
    assert summary.total == len(rows)
    assert summary.by_status == {s.value: statuses.get(s.value, 0) for s in Status}
    assert summary.by_error_code == dict(sorted(codes.items()))
    assert sorted(e.ref.label for e in ledger.entries(unit)) == sorted(f"{u}/{a}/{f}" for a, u, f, _ in rows)


def test_reset_failed_puts_only_failed_files_back(ledger: Ledger):
    refs = _fill(ledger)
    failed = {ref for ref, row in zip(refs, BATCH) if row[3].startswith("E_")}
    assert set(ledger.reset_failed()) == failed
    summary = ledger.summary()
    assert (summary.by_status["failed"], summary.by_status["pending"]) == (0, len(failed))
    assert all(ledger.should_process(ref, SHA_A, "v1") for ref in failed)


def _truth(store: ObjectStore) -> dict[str, LedgerEntry]:
    """Every document entry read one by one: what the summaries must agree with."""
    return {key: LedgerEntry.model_validate_json(store.get(key))
            for key in store.list(ledger_documents_prefix("2024"))}


def _rewrite_behind_summary(store: ObjectStore, ledger: Ledger) -> None:
    # A worker that died between writing its entry and updating the summary.
    key = ledger_key(DocumentRef(batch="2024", unit="u01", applicant="a1", file="02.jpg"))
    entry = LedgerEntry.model_validate_json(store.get(key))
    store.put(key, entry.model_copy(update={"status": Status.pending, "attempts": 0}).model_dump_json().encode())


def _summary_of_a1(batch: str = "2024") -> str:
    return ledger_summary_key_of(ledger_key(DocumentRef(batch=batch, unit="u01", applicant="a1", file="01.pdf")))


NEW_FILE = DocumentRef(batch="2024", unit="u02", applicant="a4", file="02.pdf")
RUNNING = DocumentRef(batch="2024", unit="u01", applicant="a2", file="证书.png")

# change before the counted read → (summaries rebuilt, entry GETs beyond one per applicant)
SUMMARY_READS = {
    "nothing changed: one GET per applicant": (lambda store, ledger: None, 0, 0),
    "finished through the ledger: the writer kept the summary current":
        (lambda store, ledger: ledger.finish(RUNNING, "w1", SHA_A), 0, 0),
    "entry rewritten behind the summary: that applicant is rebuilt": (_rewrite_behind_summary, 1, 2),
    "summary deleted": (lambda store, ledger: store.delete(_summary_of_a1()), 1, 2),
    "summary unreadable": (lambda store, ledger: store.put(_summary_of_a1(), b"{not json"), 1, 2),
    "new file only claimed (claims are not summarised)":
        (lambda store, ledger: ledger.claim(NEW_FILE, SHA_A, "v1", "w1"), 1, 2),
    "summary of an applicant without entries is never read":
        (lambda store, ledger: store.put(_summary_of_a1().replace("/a1.json", "/a9.json"), b"{}"), 0, 0),
}


@pytest.mark.parametrize("case", sorted(SUMMARY_READS))
def test_entries_read_one_summary_per_applicant_and_rebuild_only_stale_ones(
        store: ObjectStore, clock: Clock, case: str):
    change, rebuilt, extra_gets = SUMMARY_READS[case]
    ledger = Ledger(store, "2024", clock=clock)
    _fill(ledger)
    ledger.entries()  # the claim-only file of a2 makes its summary stale once; this read repairs it
    change(store, ledger)
    counting = CountingStore(store)
    reader = Ledger(counting, "2024", clock=clock)
    entries = reader.entries()
    applicants = len({(unit, applicant) for applicant, unit, *_ in BATCH})
    assert reader.summaries.stats.rebuilt == rebuilt
    assert counting.calls["list"] == 3  # documents with versions, other objects, stages
    assert counting.calls["stat"] == 0
    assert counting.calls["get"] == applicants + extra_gets
    assert counting.calls["put"] == rebuilt
    assert {entry_key(e): e for e in entries} == _truth(store)
    again = Ledger(CountingStore(store), "2024", clock=clock)
    again.entries()
    assert again.summaries.stats.rebuilt == 0, "a rebuilt summary is written back"


def test_rebuild_reads_every_entry_and_drops_orphan_summaries(store: ObjectStore, clock: Clock):
    ledger = Ledger(store, "2024", clock=clock)
    _fill(ledger)
    orphan = _summary_of_a1().replace("/a1.json", "/a9.json")
    store.put(orphan, b"{}")
    counting = CountingStore(store)
    reader = Ledger(counting, "2024", clock=clock)
    assert {entry_key(e): e for e in reader.entries(rebuild=True)} == _truth(store)
    applicants = len({(unit, applicant) for applicant, unit, *_ in BATCH})
    assert reader.summaries.stats.rebuilt == applicants
    assert counting.calls["get"] == applicants + len(BATCH)
    assert not store.exists(orphan)
    assert store.exists(_summary_of_a1())


def test_ledger_entry_round_trips_through_json():
    entry = LedgerEntry.new(REF, status=Status.failed, attempts=3, error_code="E_CORRUPT_FILE",
                        updated_at=datetime(2024, 7, 2, tzinfo=UTC))
    assert LedgerEntry.model_validate_json(entry.model_dump_json()) == entry
    assert (entry.ref, entry.unit, entry.applicant, entry.file) == (REF, REF.unit, REF.applicant, REF.file)
