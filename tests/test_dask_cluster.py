"""A real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes on loopback TCP, sharing
the loopback S3 store, driven by ``zcps run --dask tcp://…``. One worker is SIGKILLed while it holds
a file; the batch finishes on the other, and after ``zcps rerun --failed`` the outputs and the
ledger are those of a sequential run of the same batch.

Workers run without a nanny, so a killed worker stays dead (a nanny would restart it). The
sequential reference run reads the OCR cache the cluster wrote, so only the cluster run pays for OCR.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.s3, pytest.mark.models]

from flows.runner import run_batch
from storage.factory import open_store
from storage.layout import ledger_documents_prefix
from storage.ledger import Ledger, LedgerEntry, entry_key
from storage.local import LocalStore
from support.batch_samples import BATCH, TITLE_PAGE, put_applicant
from support.s3_server import free_loopback_port
from zcps.prefect_api import temporary_server
from zcps.models import Status

APPLICANTS = 3
# Pages big enough that OCR takes a while: the kill must land while a worker holds a file.
PAGE_SIZE = (1500, 1000)
LOADED = re.compile(r"OCR models loaded in process (\d+)")
DONE_LINE = re.compile(r"document \S+ done in")
BIN = Path(sys.executable).parent
START_SECONDS = 60
RUN_SECONDS = 240
VOLATILE = {"from_cache", "reused"}


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def _env() -> dict[str, str]:
    # One Prefect API for the run, the rerun and the reference run (this process's temporary server,
    # started once with its retries) instead of one server started by each command.
    return {**os.environ, "ZCPS_PSEUDONYM_KEY": "cluster-test-pseudonym-key", "ZCPS_OCR_THREADS": "1",
            "PYTHONUNBUFFERED": "1", "PREFECT_API_URL": temporary_server().api_url}


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    import socket

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited early:\n{log.read_text()[-2000:]}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}:\n{log.read_text()[-2000:]}")


@pytest.fixture
def cluster(s3_env, tmp_path):
    port = free_loopback_port()
    address = f"tcp://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    try:
        scheduler_log = tmp_path / "scheduler.log"
        with scheduler_log.open("wb") as out:
            scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                                          "--port", str(port), "--no-dashboard"],
                                         stdout=out, stderr=subprocess.STDOUT, env=_env())
        processes.append(scheduler)
        _wait_for_port(port, scheduler, scheduler_log)
        workers = []
        for name in ("w1", "w2"):
            log = tmp_path / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "dask", "worker", address, "--name", name, "--nthreads", "1",
                     "--no-nanny", "--no-dashboard", "--preload", "cli.dask_worker"],
                    stdout=out, stderr=subprocess.STDOUT, env=_env())
            processes.append(process)
            workers.append(Worker(name, process, log))
        _wait_for_workers(address, len(workers))
        yield address, workers
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_for_workers(address: str, count: int) -> None:
    import distributed

    with distributed.Client(address, timeout=START_SECONDS) as client:
        client.wait_for_workers(count, timeout=START_SECONDS)


def _running_in(store, workers: list[Worker]) -> tuple[Worker, LedgerEntry] | None:
    """A worker that has finished a file (so its models are loaded) and now holds another."""
    by_pid = {w.process.pid: w for w in workers if DONE_LINE.search(w.text())}
    for key in store.list(ledger_documents_prefix(BATCH)):
        data = store.get_optional(key)
        entry = LedgerEntry.model_validate_json(data) if data else None
        if entry and entry.status is Status.running and entry.lease_holder and entry.lease_holder.pid in by_pid:
            return by_pid[entry.lease_holder.pid], entry
    return None


def _outputs(store) -> dict[str, object]:
    def stable(value):
        if isinstance(value, float):
            return round(value, 1)
        if isinstance(value, dict):
            return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [stable(v) for v in value]
        return value

    return {key: stable(json.loads(store.get(key))) for key in store.list(f"results/{BATCH}/units/")
            if "/documents/" in key or key.endswith("/review.json")}


def _ledger(store) -> dict[str, tuple]:
    return {entry_key(e): (e.status, e.sha256, e.pipeline_version, e.error_code, e.attempts)
            for e in Ledger(store, BATCH).entries(rebuild=True)}


def test_cluster_finishes_the_batch_after_a_worker_is_killed_mid_file(cluster, s3_env, tmp_path):
    address, workers = cluster
    store = open_store(settings=s3_env)
    # Every page differs (its own certificate number): a page another file already put in the OCR
    # cache is read in a fraction of a second, and no worker would hold a file long enough to be caught.
    for number in range(1, APPLICANTS + 1):
        put_applicant(store, "u1", f"C{number}",
                      {f"0{page}_title.png": [*TITLE_PAGE[:page + 1], f"证书编号：ZC2016{number:02d}{page:02d}"]
                       for page in range(1, 3)}, PAGE_SIZE)
    run_log = tmp_path / "run.log"
    with run_log.open("wb") as out:
        run = subprocess.Popen([str(BIN / "zcps"), "run", "--batch", BATCH, "--dask", address],
                               stdout=out, stderr=subprocess.STDOUT, env=_env())
    deadline = time.monotonic() + RUN_SECONDS
    found = None
    while found is None and run.poll() is None and time.monotonic() < deadline:
        found = _running_in(store, workers)
        time.sleep(0.05)
    assert found is not None, f"no worker was caught holding a file:\n{run_log.read_text()[-2000:]}"
    victim, held = found
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=10)
    # A cached file takes a fraction of a second: the kill may land just after the worker finished it.
    after = LedgerEntry.model_validate_json(store.get(entry_key(held)))
    killed_mid_file = after.status is Status.running
    run.wait(timeout=RUN_SECONDS)
    assert run.returncode in (0, 2), run_log.read_text()[-3000:]
    rerun = subprocess.run([str(BIN / "zcps"), "rerun", "--batch", BATCH, "--failed"], env=_env(),
                           capture_output=True, text=True, timeout=RUN_SECONDS)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]

    survivor = next(w for w in workers if w is not victim)
    assert survivor.process.poll() is None
    for worker in workers:  # once per worker process, whatever it ran
        assert [int(pid) for pid in LOADED.findall(worker.text())] == [worker.process.pid], worker.name

    sequential = LocalStore(tmp_path / "sequential")
    for key in store.list(f"intake/{BATCH}/"):
        sequential.put(key, store.get(key))
    for key in store.list("work/ocr/"):
        sequential.put(key, store.get(key))
    reference = run_batch(BATCH, store_url=sequential.url, concurrency=1, release=False, reports=False)
    assert (reference.done, reference.failed) == (2 * APPLICANTS, 0)

    assert _outputs(store) == _outputs(sequential)
    cluster_ledger, sequential_ledger = _ledger(store), _ledger(sequential)
    killed = entry_key(held)
    # A file killed mid-way was claimed twice (the dead worker's claim, then the survivor's); every other once.
    assert {key: row[:4] for key, row in cluster_ledger.items()} == {k: r[:4] for k, r in sequential_ledger.items()}
    assert {key: row[4] for key, row in cluster_ledger.items()} == {
        key: row[4] + (1 if key == killed and killed_mid_file else 0) for key, row in sequential_ledger.items()}
    assert all(status is Status.done for status, *_ in cluster_ledger.values())
