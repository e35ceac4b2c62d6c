"""The one scale measurement: ``zcps bench scale``, and the scale phase of ``zcps bench pipeline``
(its result and table: benchmarks/scale_model.py).

Method: cached OCR, recorded from the generator's truth, so a point measures orchestration, store
and report cost, never OCR (``benchmarks.scale``). One ``fixtures.generator --cheap`` tree is made
once (or given with ``--generated``); each point loads its first N applicants (copies under new ids
when N exceeds the tree) and a pre-filled OCR cache into a fresh store, then, in a fresh spawned
process (the flow process, whose peak RSS is measured as ``VmHWM``), runs
``run_batch(release=False)`` with every store request counted (``storage.counting``), and times on
the finished batch: listing (``discover``), the ledger read a run starts with (``Ledger.entries``,
from the per-applicant summaries, its requests counted and its rebuilds reported),
``zcps status --json`` as its own process (start-up included) and every report, whose sizes are
recorded. The review stage is the sum of the review task runs' run time, and the task-run and
flow-run counts come from the run's Prefect API.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from benchmarks.scale_model import BENCH_BATCH, STORES, ScaleRun

log = logging.getLogger("zcps.bench")

def _peak_rss_mib() -> float:
    # Not ru_maxrss: Linux carries it over exec from the forking parent; VmHWM belongs to this process.
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def _prefect_counts(tag: str) -> tuple[int, int, float]:
    """Task runs, flow runs, and the summed run time of the review task runs of the runs tagged ``tag``
    (the temporary API shares its database with every other run on this machine)."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    with httpx.Client(base_url=api, timeout=60) as client:
        mine = {"tags": {"all_": [tag]}}
        task_runs = client.post("/task_runs/count", json={"task_runs": mine}).json()
        flow_runs = client.post("/flow_runs/count", json={"flow_runs": mine}).json()
        review_seconds, offset = 0.0, 0
        while True:
            page = client.post("/task_runs/filter", json={
                "task_runs": {"name": {"like_": "review-"}, **mine}, "limit": 200, "offset": offset}).json()
            review_seconds += sum(run.get("total_run_time") or 0.0 for run in page)
            if len(page) < 200:
                break
            offset += 200
    return task_runs, flow_runs, review_seconds


def measure_point(kind: str, size: int, generated: str, store_url: str, env: dict[str, str]) -> ScaleRun:
    """One point, in the spawned flow process."""
    os.environ.update(env)
    from zcps.settings import get_settings

    get_settings.cache_clear()
    from prefect import tags

    from benchmarks.scale import load_scale_store, scale_order
    from extractors.ocr import engine_name
    from flows.report_task import report_task
    from flows.runner import run_batch
    from storage.counting import counting_session
    from storage.factory import open_store
    from storage.intake import discover
    from storage.ledger import Ledger
    from zcps.prefect_api import prefect_api

    store = open_store(store_url)
    chosen = scale_order(Path(generated), size)
    files = load_scale_store(store, Path(generated), chosen, engine_name())
    tag = f"zcps-bench-scale-{secrets.token_hex(6)}"
    with counting_session() as run_calls, tags(tag):
        started = time.perf_counter()
        summary = run_batch(BENCH_BATCH, store_url=store_url, release=False)
        wall = time.perf_counter() - started
    with prefect_api():
        task_runs, flow_runs, reviews = _prefect_counts(tag)
    started = time.perf_counter()
    discover(store, BENCH_BATCH)
    listed = time.perf_counter()
    with counting_session() as status_calls:
        ledger = Ledger(open_store(store_url), BENCH_BATCH)
        ledger.entries()
    ledger_read = time.perf_counter()
    status_seconds = _status_command_seconds(store_url)
    status_done = time.perf_counter()
    report_task.fn(BENCH_BATCH, store_url, sorted({a.unit for a in chosen}))
    reports_done = time.perf_counter()
    batch_sizes, unit_sizes = _report_sizes(store)
    return ScaleRun(store=kind, applicants=size, files=files, wall_seconds=wall, flow_seconds=summary.seconds,
                    peak_rss_mib=_peak_rss_mib(), listing_seconds=listed - started,
                    ledger_summary_seconds=ledger_read - listed, status_seconds=status_seconds,
                    reviews_task_seconds=reviews, reports_seconds=reports_done - status_done,
                    task_runs=task_runs, flow_runs=flow_runs, run_requests=dict(run_calls),
                    status_requests=sum(status_calls.values()), ledger_rebuilt=ledger.summaries.stats.rebuilt,
                    unique_applicants=len({(a.unit, a.applicant) for a in chosen}),
                    largest_batch_report_bytes=max(batch_sizes, default=0),
                    largest_unit_report_bytes=max(unit_sizes, default=0),
                    report_bytes=sum(batch_sizes) + sum(unit_sizes))


def _report_sizes(store) -> tuple[list[int], list[int]]:
    """Sizes of the whole-batch report files and of the unit report files (notices left out)."""
    from storage.layout import report_key, reports_prefix

    batch_dir = report_key(BENCH_BATCH, None, "unit", "html").rsplit("/", 1)[0] + "/"
    sizes: tuple[list[int], list[int]] = ([], [])
    for key in store.list(reports_prefix(BENCH_BATCH)):
        if "/notices/" in key or key.endswith(".summary.json"):
            continue
        sizes[0 if key.startswith(batch_dir) else 1].append(store.stat(key).size)
    return sizes


def _status_command_seconds(store_url: str) -> float:
    """``zcps status --json`` as an operator runs it: its own process, start-up included."""
    import shutil
    import sys


    command = shutil.which("zcps", path=str(Path(sys.executable).parent))
    started = time.perf_counter()
    done = subprocess.run([command, "status", "--batch", BENCH_BATCH, "--store", store_url, "--json"],
                          capture_output=True, env=os.environ.copy())
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise RuntimeError(f"zcps status exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    return seconds


@contextmanager
def loopback_s3(root: Path):
    """``rclone serve s3`` on a free loopback port, with throwaway keys; yields the env that reaches it."""
    from zcps.resources import rclone_path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access, secret = "bench" + secrets.token_hex(8), secrets.token_hex(16)
    (root / "s3").mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([str(rclone_path()), "serve", "s3", "--addr", f"127.0.0.1:{port}", "--auth-key",
                                f"{access},{secret}", "--config", "/dev/null", str(root / "s3")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"s3://127.0.0.1:{port}", {"ZCPS_S3_ACCESS_KEY": access, "ZCPS_S3_SECRET_KEY": secret,
                                         "ZCPS_S3_REGION": "us-east-1", "ZCPS_S3_SECURE": "false"}
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_scale_bench(sizes: list[int], *, stores: tuple[str, ...] = STORES, seed: int = 2024,
                    generated: Path | None = None, unique: int | None = None,
                    on_point: Callable[[list[ScaleRun]], None] | None = None) -> list[ScaleRun]:
    """Every (store, size) point; ``generated``: an existing generator tree instead of a new one of
    ``unique`` applicants (default: the largest size); ``on_point`` sees the points so far after each."""
    from benchmarks.scale import generate_batch

    runs = []
    with tempfile.TemporaryDirectory(prefix="zcps-bench-scale-") as root:
        if generated is None:
            generated = Path(root) / "generated"
            generate_batch(generated, unique or max(sizes), seed)
        for kind in stores:
            with (loopback_s3(Path(root)) if kind == "s3" else _local()) as (base_url, env):
                for size in sorted(sizes):
                    url = (f"{base_url}?bucket_prefix=p{size}-" if kind == "s3"
                           else (Path(root) / f"store-{kind}-{size}").as_uri())
                    context = multiprocessing.get_context("spawn")
                    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                        runs.append(pool.submit(measure_point, kind, size, str(generated), url, env).result())
                    # Each point as it ends: a long run that is stopped still leaves its numbers in the log.
                    log.warning("scale point: %s", runs[-1].model_dump_json())
                    if on_point is not None:
                        on_point(runs)
                    shutil.rmtree(Path(root) / f"store-{kind}-{size}", ignore_errors=True)
    return runs


@contextmanager
def _local():
    yield "", {}
