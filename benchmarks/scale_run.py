"""``zcps bench scale``: one batch at growing sizes, on the local store and on a loopback S3 server.

Method ("cached OCR from the generator's truth", as ``zcps bench pipeline``'s scale phase): one
``fixtures.generator --cheap`` batch of the largest size is made once; each point loads its first N
applicants and a pre-filled OCR cache into a fresh store, then, in a fresh spawned process (the
flow process, whose peak RSS is measured as ``VmHWM``), runs ``run_batch(release=False)`` with
every store request counted (``storage.counting``), and times on the finished batch: listing
(``discover``), the ledger read (``Ledger.entries``, from the per-applicant summaries, with its
requests counted), ``zcps status --json`` as its own process (start-up included) and every report. The review stage is the sum of the review task
runs' run time, and the task-run and flow-run counts come from the run's Prefect API.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, computed_field

log = logging.getLogger("zcps.bench")

STORES = ("local", "s3")
TARGET_RSS_MIB = 1024.0
TARGET_GROWTH = 1.2
TARGET_STATUS_SECONDS = 10.0


class ScaleRun(BaseModel):
    store: str
    applicants: int
    files: int
    wall_seconds: float
    flow_seconds: float
    peak_rss_mib: float
    listing_seconds: float
    ledger_summary_seconds: float
    status_seconds: float
    reviews_task_seconds: float
    reports_seconds: float
    task_runs: int
    flow_runs: int
    run_requests: dict[str, int]
    status_requests: int

    @computed_field
    @property
    def seconds_per_applicant(self) -> float:
        return self.flow_seconds / self.applicants

    @computed_field
    @property
    def wall_seconds_per_applicant(self) -> float:
        return self.wall_seconds / self.applicants

    @computed_field
    @property
    def requests_per_file(self) -> float:
        return sum(self.run_requests.values()) / max(self.files, 1)

    @computed_field
    @property
    def status_requests_per_applicant(self) -> float:
        return self.status_requests / self.applicants


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


def measure_point(kind: str, size: int, generated: str, order: list[tuple[str, str]], store_url: str,
                  env: dict[str, str]) -> ScaleRun:
    """One point, in the spawned flow process."""
    os.environ.update(env)
    from zcps.settings import get_settings

    get_settings.cache_clear()
    from prefect import tags

    from extractors.ocr import engine_name
    from flows.report_task import report_task
    from flows.runner import run_batch
    from storage.counting import counting_session
    from storage.factory import open_store
    from storage.intake import discover
    from storage.ledger import Ledger
    from benchmarks.pipeline_model import BENCH_BATCH
    from benchmarks.scale import _load_scale_store
    from zcps.prefect_api import prefect_api

    store = open_store(store_url)
    chosen = order[:size]
    files = _load_scale_store(store, Path(generated), chosen, engine_name())
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
    Ledger(store, BENCH_BATCH).entries()
    ledger_read = time.perf_counter()
    with counting_session() as status_calls:
        Ledger(open_store(store_url), BENCH_BATCH).summary()
    status_seconds = _status_command_seconds(store_url)
    status_done = time.perf_counter()
    report_task.fn(BENCH_BATCH, store_url, sorted({unit for unit, _ in chosen}))
    reports_done = time.perf_counter()
    return ScaleRun(store=kind, applicants=size, files=files, wall_seconds=wall, flow_seconds=summary.seconds,
                    peak_rss_mib=_peak_rss_mib(), listing_seconds=listed - started,
                    ledger_summary_seconds=ledger_read - listed, status_seconds=status_seconds,
                    reviews_task_seconds=reviews, reports_seconds=reports_done - status_done,
                    task_runs=task_runs, flow_runs=flow_runs, run_requests=dict(run_calls),
                    status_requests=sum(status_calls.values()))


def _status_command_seconds(store_url: str) -> float:
    """``zcps status --json`` as an operator runs it: its own process, start-up included."""
    import shutil
    import sys

    from benchmarks.pipeline_model import BENCH_BATCH

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


def run_scale_bench(sizes: list[int], *, stores: tuple[str, ...] = STORES, seed: int = 2024) -> list[ScaleRun]:
    from benchmarks.scale import generate_batch

    runs = []
    with tempfile.TemporaryDirectory(prefix="zcps-bench-scale-") as root:
        generated = Path(root) / "generated"
        order = generate_batch(generated, max(sizes), seed)
        for kind in stores:
            with (loopback_s3(Path(root)) if kind == "s3" else _local()) as (base_url, env):
                for size in sorted(sizes):
                    url = (f"{base_url}?bucket_prefix=p{size}-" if kind == "s3"
                           else (Path(root) / f"store-{size}").as_uri())
                    context = multiprocessing.get_context("spawn")
                    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                        runs.append(pool.submit(measure_point, kind, size, str(generated), order, url, env).result())
                    # Each point as it ends: a long run that is stopped still leaves its numbers in the log.
                    log.warning("scale point: %s", runs[-1].model_dump_json())
    return runs


@contextmanager
def _local():
    yield "", {}


def table(runs: list[ScaleRun]) -> str:
    header = ("store  applicants  files  wall s/app  flow s/app  peak RSS MiB  listing s  ledger s  status s  "
              "reviews(task) s  reports s  task runs  flow runs  requests/file  status req/app")
    lines = [header]
    for r in runs:
        lines.append(f"{r.store:<6} {r.applicants:>10} {r.files:>6} {r.wall_seconds_per_applicant:>11.3f} "
                     f"{r.seconds_per_applicant:>11.3f} {r.peak_rss_mib:>13.0f} {r.listing_seconds:>10.2f} "
                     f"{r.ledger_summary_seconds:>9.2f} {r.status_seconds:>9.2f} {r.reviews_task_seconds:>16.1f} "
                     f"{r.reports_seconds:>10.1f} {r.task_runs:>10} {r.flow_runs:>10} {r.requests_per_file:>14.1f} "
                     f"{r.status_requests_per_applicant:>15.2f}")
    lines += ["", *targets(runs)]
    return "\n".join(lines)


def targets(runs: list[ScaleRun]) -> list[str]:
    out = []
    for kind in sorted({r.store for r in runs}):
        mine = sorted((r for r in runs if r.store == kind), key=lambda r: r.applicants)
        small, large = mine[0], mine[-1]
        growth = large.seconds_per_applicant / small.seconds_per_applicant
        out.append(f"{kind}: flow RSS {large.peak_rss_mib:.0f} MiB at {large.applicants} "
                   f"(≤ {TARGET_RSS_MIB:.0f}: {'met' if large.peak_rss_mib <= TARGET_RSS_MIB else 'MISSED'}); "
                   f"s/applicant growth {growth:.2f}× {small.applicants}→{large.applicants} "
                   f"(≤ {TARGET_GROWTH}: {'met' if growth <= TARGET_GROWTH else 'MISSED'}); "
                   f"status {large.status_seconds:.2f} s (≤ {TARGET_STATUS_SECONDS:.0f}: "
                   f"{'met' if large.status_seconds <= TARGET_STATUS_SECONDS else 'MISSED'}); "
                   f"max requests/file {max(r.requests_per_file for r in mine):.1f}")
    return out
