"""Leases name their holder process: on the same machine a dead holder's lease is void at once,
a reused pid is not mistaken for the holder, and other machines wait for the expiry."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psutil
import pytest

from storage.factory import open_store
from storage.layout import ledger_key
from storage.ledger import Ledger, LeaseHolder, LedgerEntry, current_holder
from zcps.errors import LeaseConflict
from zcps.models import DocumentRef, Status

REF = DocumentRef(batch="2024", unit="u1", applicant="A1", file="01_title.png")
NOW = datetime(2024, 7, 18, 2, 0, tzinfo=UTC)


def exited_process() -> tuple[int, float]:
    """The pid and start time of a process that has run and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    child.wait()
    return child.pid, started


def holder(kind: str) -> LeaseHolder | None:
    me = current_holder()
    if kind == "none":
        return None
    if kind == "this process":
        return me
    if kind == "exited, same machine":
        pid, started = exited_process()
        return me.model_copy(update={"pid": pid, "started": started})
    if kind == "pid reused, same machine":
        return me.model_copy(update={"started": me.started - 3600})
    if kind == "start time within tolerance":
        return me.model_copy(update={"started": me.started + 0.01})
    if kind == "exited, other machine":
        pid, started = exited_process()
        return me.model_copy(update={"pid": pid, "started": started, "machine": "other-boot/pid:[1]"})
    if kind == "exited, machine unknown":
        pid, started = exited_process()
        return me.model_copy(update={"pid": pid, "started": started, "machine": ""})
    raise AssertionError(kind)


@pytest.mark.parametrize(("kind", "expires_in", "binding"), [
    ("this process", 600, True),
    ("start time within tolerance", 600, True),
    ("exited, same machine", 600, False),
    ("pid reused, same machine", 600, False),
    ("exited, other machine", 600, True),          # another host cannot see the process: wait
    ("exited, machine unknown", 600, True),
    ("none", 600, True),                            # an entry written before leases named holders
    ("exited, other machine", -1, False),          # ...until the lease expires
    ("this process", -1, False),
])
def test_lease_binds_other_workers_only_while_its_holder_may_run(tmp_path, kind, expires_in, binding):
    store = open_store(tmp_path.as_uri())
    lease = holder(kind)
    entry = LedgerEntry.new(REF, status=Status.running, attempts=1, sha256="a" * 64, pipeline_version="v1",
                            started_at=NOW, lease_owner=lease.token if lease else "somewhere:1",
                            lease_expires_at=NOW + timedelta(seconds=expires_in), lease_holder=lease)
    store.put(ledger_key(REF), entry.model_dump_json().encode())
    ledger = Ledger(store, "2024", clock=lambda: NOW)

    assert ledger.get(REF).lease_fresh(NOW) is binding
    assert ledger.should_process(REF, "a" * 64, "v1", owner="other-worker") is not binding
    if binding:
        with pytest.raises(LeaseConflict):
            ledger.claim(REF, "a" * 64, "v1", "other-worker")
    else:
        assert ledger.claim(REF, "a" * 64, "v1", "other-worker").lease_owner == "other-worker"


@pytest.mark.parametrize(("owner", "records_holder"), [
    (current_holder().token, True),
    ("other-host:4242:0.00", False),   # a lease taken on behalf of another process cannot name it
])
def test_claim_names_the_holder_only_for_this_process(tmp_path, owner, records_holder):
    ledger = Ledger(open_store(tmp_path.as_uri()), "2024", clock=lambda: NOW)
    entry = ledger.claim(REF, "a" * 64, "v1", owner)
    assert (entry.lease_holder == current_holder()) is records_holder
    assert (entry.lease_holder is None) is not records_holder
    done = ledger.finish(REF, owner, "a" * 64)
    assert done.lease_holder is None and done.lease_owner is None


def test_holder_identity_is_this_process():
    me = current_holder()
    assert me.pid == os.getpid()
    assert me.started == pytest.approx(psutil.Process().create_time(), abs=0.05)
    assert me.token.startswith(f"{me.host}:{me.pid}:")
    assert not me.is_dead()
