"""Batch-level parts of ``zcps bench pipeline``: a run against its unchanged re-run, and time per
applicant as the batch grows.

Scale method ("with cached OCR"): one generator batch of the largest size (``--cheap``) is made in a
subprocess; each size takes its first N applicants into a fresh local store. Before the timed run,
``work/ocr/{sha256}.json`` is filled for every readable file from the generator's ground truth (the
text lines and boxes exactly as drawn, stored-frame coordinates, under the current engine name), so
every OCR lookup is a cache hit and the run times everything else: listing, ledger, extraction,
validation, reviews and reports. Release is off in these runs: its re-OCR check is real OCR per page
and is measured per page by the pipeline phases instead.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.fixture_truth import document_truth, truth_index
from benchmarks.pipeline_model import BENCH_BATCH, RerunTimes, SampleApplicant, ScalePoint
from zcps.errors import ConfigError
from zcps.models import DocumentText, Page, TextLine, TextSource

if TYPE_CHECKING:
    from flows.summary import BatchSummary

log = logging.getLogger("zcps.bench")

REPO_ROOT = Path(__file__).resolve().parents[1]


def _put_tree(store, folder: Path, prefix: str, files: list[Path] | None = None) -> None:
    store.put(f"{prefix}manifest.json", (folder / "manifest.json").read_bytes())
    for path in files if files is not None else sorted((folder / "docs").iterdir()):
        store.put(f"{prefix}docs/{path.name}", path.read_bytes())


def _timed_run(store_url: str, *, release: bool) -> tuple[float, BatchSummary]:
    from flows.runner import run_batch

    started = time.perf_counter()
    summary = run_batch(BENCH_BATCH, store_url=store_url, release=release)
    return time.perf_counter() - started, summary


def rerun_comparison(applicants: list[SampleApplicant]) -> RerunTimes:
    """``batch_review`` twice over the same intake in a fresh local store (release and reports on)."""
    from storage.local import LocalStore

    with tempfile.TemporaryDirectory(prefix="zcps-bench-rerun-") as root:
        store = LocalStore(root)
        for applicant in applicants:
            folder = Path(applicant.manifest).parent
            _put_tree(store, folder, f"intake/{BENCH_BATCH}/{applicant.label}/",
                      [Path(f.path) for f in applicant.files])
        first_wall, first = _timed_run(store.url, release=True)
        second_wall, second = _timed_run(store.url, release=True)
    log.info("rerun: first %s; second %s", first.one_line(), second.one_line())
    return RerunTimes(applicants=len(applicants), files=sum(len(a.files) for a in applicants), pages=first.pages,
                      first_wall_seconds=first_wall, first_flow_seconds=first.seconds,
                      second_wall_seconds=second_wall, second_flow_seconds=second.seconds,
                      second_skipped=second.skipped)


def generate_batch(out: Path, applicants: int, seed: int) -> list[tuple[str, str]]:
    """Run the fixture generator (``--cheap``); returns (unit, applicant) in the generator's order."""
    command = [sys.executable, "-m", "fixtures.generator", "--seed", str(seed), "--applicants", str(applicants),
               "--out", str(out), "--cheap"]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"the fixture generator failed: {done.stderr[-500:]}",
                          hint="Run the benchmark from a full clone with the test extra installed.")
    index = truth_index(out)
    return [(entry["unit"], entry["applicant_id"]) for entry in index["applicants"]]


def text_from_truth(truth: dict, data: bytes, filename: str, engine: str) -> DocumentText:
    """The DocumentText perfect OCR would give: the truth's drawn lines per page, stored-frame boxes."""
    from extractors.acquire import PDF_TEXT_ENGINE
    from extractors.loader import pdf_has_text_layer
    from storage.base import sha256_hex

    digital = filename.lower().endswith(".pdf") and pdf_has_text_layer(data, filename)
    pages = [Page(number=p["number"], width=p["width"], height=p["height"], dpi=p.get("dpi", 200),
                  lines=[TextLine(text=line["text"], bbox=tuple(line["bbox"]))
                         for line in truth["lines"] if line["page"] == p["number"]])
             for p in truth["pages"]]
    return DocumentText(sha256=sha256_hex(data), source=TextSource.pdf_text if digital else TextSource.ocr,
                        engine=PDF_TEXT_ENGINE if digital else engine, pages=pages)


def _load_scale_store(store, generated: Path, applicants: list[tuple[str, str]], engine: str) -> int:
    """Intake for ``applicants`` plus a pre-filled OCR cache; returns the number of files."""
    from storage.layout import ocr_cache_key

    files = 0
    for unit, applicant in applicants:
        folder = generated / "intake" / unit / applicant
        _put_tree(store, folder, f"intake/{BENCH_BATCH}/{unit}/{applicant}/")
        for path in sorted((folder / "docs").iterdir()):
            files += 1
            truth = document_truth(generated, unit, applicant, path.name)
            if truth is None or truth.get("bad_file"):
                continue  # a bad file fails in the loader before OCR; there is nothing to cache
            text = text_from_truth(truth, path.read_bytes(), path.name, engine)
            store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
    return files


def _stage_seconds(store, units: list[str]) -> tuple[float, float, float]:
    """Listing, full ledger read and every report, each timed on its own over the finished batch."""
    from flows.report_task import report_task
    from storage.intake import discover
    from storage.ledger import Ledger

    started = time.perf_counter()
    discover(store, BENCH_BATCH)
    listed = time.perf_counter()
    Ledger(store, BENCH_BATCH).entries()
    ledger_read = time.perf_counter()
    report_task.fn(BENCH_BATCH, store.url, units)
    return listed - started, ledger_read - listed, time.perf_counter() - ledger_read


def scale_points_in_child(sizes: list[int], seed: int) -> tuple[list[ScalePoint], float]:
    """``scale_points`` in a fresh process, so its memory (the flow holds every document result of the
    batch) is measured apart from the OCR worker's; returns the points and the child's peak RSS in MiB."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_scale_with_peak, sizes, seed).result()


def _scale_with_peak(sizes: list[int], seed: int) -> tuple[list[ScalePoint], float]:
    points = scale_points(sizes, seed)
    # Not ru_maxrss: Linux carries it over exec from the forking parent; VmHWM belongs to this process.
    status = Path("/proc/self/status").read_text()
    peak_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return points, peak_kib / 1024


def scale_points(sizes: list[int], seed: int) -> list[ScalePoint]:
    from extractors.ocr import engine_name
    from storage.local import LocalStore

    if not sizes:
        return []
    points = []
    with tempfile.TemporaryDirectory(prefix="zcps-bench-scale-") as root:
        generated = Path(root) / "generated"
        started = time.perf_counter()
        order = generate_batch(generated, max(sizes), seed)
        log.info("generated %d applicants in %.0fs", len(order), time.perf_counter() - started)
        for size in sorted(sizes):
            chosen = order[:size]
            store = LocalStore(Path(root) / f"store-{size}")
            files = _load_scale_store(store, generated, chosen, engine_name())
            wall, summary = _timed_run(store.url, release=False)
            listing, ledger, reports = _stage_seconds(store, sorted({unit for unit, _ in chosen}))
            log.info("scale %d: %s", size, summary.one_line())
            points.append(ScalePoint(applicants=len(chosen), files=files, wall_seconds=wall,
                                     flow_seconds=summary.seconds, listing_seconds=listing, ledger_seconds=ledger,
                                     reports_seconds=reports))
    return points
