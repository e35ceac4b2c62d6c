"""``zcps bench ocr``: OCR engine settings side by side on the same scanned pages in one run (issue 16).

Each candidate (``extractors.ocr_options.parse_candidate``) is one OCR worker: a spawned child
process with its own engine, so its peak RSS (``VmHWM``) is that engine's alone. All children stay
alive and take the documents **in turns**, one document each in rotation, so the load of other
processes on a shared machine falls on every candidate alike. A child reads a page the way the
pipeline does (``extractors.acquire.acquire_text``: seal clean-up, detector probe, orientation,
deskew, one OCR pass) and reports wall and CPU seconds; the parent extracts every document and
scores it against the sample batch's truth (``benchmarks.extraction.score_document``): CER, dates,
grades, CE hours.

The memory curve (``--rss-pages 20,100,500``) runs one candidate alone over the scans in a loop,
each round at a slightly different scale so every page size is new to the engine, and prints RSS
after each checkpoint: flat means the detector canvases (``ZCPS_OCR_BUCKET``) keep the arena bounded.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.extraction import BenchResult, read_truth, score_document
from benchmarks.fixture_truth import TruthFile, truth_files
from extractors.ocr_options import OcrOptions, parse_candidate
from zcps.settings import Settings, get_settings

SCAN_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
# The engine settings before issue 16 first, then the candidates the default was picked from
# (docs/benchmarks.md); threads=1 except where the row measures threads.
DEFAULT_CANDIDATES = (
    "det=min64,rec_batch=6,bucket=0,pattern=on",
    "det=max960,rec_batch=12,pattern=on",
    "det=max960,rec_batch=12,pattern=off",
    "det=max960,rec_batch=12,arena=off,pattern=off",
    "det=max960,rec_batch=12,pattern=on,opt=extended",
    "det=max960,rec_batch=12,pattern=on,threads=2",
    "det=max960,rec_batch=12,pattern=on,int8=det",
    "det=max800,rec_batch=12,pattern=on",
    "det=max800,rec_batch=12,pattern=off",
    "det=max960,rec_batch=6,pattern=on",
)


class CandidateResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    load_seconds: float = 0.0
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    cer: float | None = None
    dates: float | None = None
    grades: float | None = None
    ce_hours: float | None = None
    failed: str | None = None  # why the candidate could not run (e.g. INT8 models not installed)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_seconds / self.pages if self.pages else 0.0


class RssPoint(BaseModel):
    pages: int
    rss_mib: float
    peak_mib: float
    cpu_per_page: float


class OcrBench(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cores: int
    load_start: float
    load_end: float = 0.0
    documents: list[str] = Field(default_factory=list)
    candidates: list[CandidateResult] = Field(default_factory=list)
    rss_candidate: str | None = None
    rss_curve: list[RssPoint] = Field(default_factory=list)

    def table(self) -> str:
        base = next((c for c in self.candidates if not c.failed), None)
        out = [f"ocr bench: {len(self.documents)} documents, {base.pages if base else 0} pages; {self.cores} cores, "
               f"load {self.load_start:.2f} at start, {self.load_end:.2f} at end",
               f"{'#':<3}{'pages/s':>8}{'×base':>7}{'cpu s/pg':>9}{'×base':>7}{'RSS MiB':>8}{'CER':>7}{'dates':>7}"
               f"{'grades':>7}{'CE h':>7}  candidate"]
        for index, c in enumerate(self.candidates):
            if c.failed:
                out.append(f"{index:<3}{'skipped':>8}  {c.label}: {c.failed}")
                continue
            speed = c.pages_per_second / base.pages_per_second if base.pages_per_second else 0.0
            cpu = base.cpu_per_page / c.cpu_per_page if c.cpu_per_page else 0.0
            out.append(f"{index:<3}{c.pages_per_second:>8.3f}{speed:>7.2f}{c.cpu_per_page:>9.2f}{cpu:>7.2f}"
                       f"{c.peak_rss_mib:>8.0f}{_pct(c.cer, 2):>7}{_pct(c.dates):>7}{_pct(c.grades):>7}{_pct(c.ce_hours):>7}"
                       f"  {c.label}")
        out.append("×base: pages/s and CPU efficiency against the first candidate that ran; "
                   "CER in %; dates, grades, CE hours: field accuracy in %")
        if self.rss_curve:
            out.append(f"memory, one worker, {self.rss_candidate}:")
            out.append(f"{'pages':>7}{'RSS MiB':>9}{'peak MiB':>10}{'cpu s/pg':>10}")
            out += [f"{p.pages:>7}{p.rss_mib:>9.0f}{p.peak_mib:>10.0f}{p.cpu_per_page:>10.2f}" for p in self.rss_curve]
        return "\n".join(out)


def _pct(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}"


def sample_scans(root: Path, limit: int) -> list[TruthFile]:
    """Scanned images of the fixture batch that have truth, in path order (bad files left out)."""
    scans = [truth for truth in truth_files(root)
             if truth.document.suffix.lower() in SCAN_SUFFIXES and truth.document.is_file()
             and truth.read().get("bad_file") is None]
    return scans[:limit]


def _memory_mib() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MiB: ``ru_maxrss`` would carry the parent's peak over exec."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def _candidate_worker(options: OcrOptions, model_dir: Path, connection: Connection) -> None:
    """A child: build the engine, warm it on the first page, then read each document it is sent."""
    from extractors.acquire import acquire_text
    from extractors.ocr import build_engine

    try:
        started = time.perf_counter()
        engine = build_engine(model_dir, options)
        load_seconds = time.perf_counter() - started
    except Exception as exc:  # reported as a skipped candidate; the other candidates still run
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    connection.send(("ready", load_seconds))
    warmed = False
    while (path := connection.recv()) is not None:
        data = path.read_bytes()
        if not warmed:
            acquire_text(data, path.name, engine=engine)  # ONNX Runtime allocates on its first runs
            warmed = True
        wall, cpu = time.perf_counter(), time.process_time()
        text = acquire_text(data, path.name, engine=engine)
        connection.send((text, time.perf_counter() - wall, time.process_time() - cpu))
    connection.send(("peak", _memory_mib()[1]))


def _score(result: CandidateResult, scores: BenchResult) -> None:
    result.cer = scores.cer
    for family in ("dates", "grades", "ce_hours"):
        score = scores.families.get(family)
        setattr(result, family, score.accuracy if score else None)


def compare_candidates(scans: list[TruthFile], candidates: list[OcrOptions], model_dir: Path) -> list[CandidateResult]:
    """Every candidate on every scan, one document per candidate in turn."""
    from extractors.extract import extract_document, page_images_of

    context = multiprocessing.get_context("spawn")
    workers = []
    for options in candidates:
        parent, child = context.Pipe()
        process = context.Process(target=_candidate_worker, args=(options, model_dir, child), daemon=True)
        process.start()
        workers.append((options, parent, process))
    results, scores = [], []
    for options, connection, _ in workers:
        kind, value = connection.recv()
        results.append(CandidateResult(label=options.label(), **({"failed": value} if kind == "failed" else {"load_seconds": value})))
        scores.append(BenchResult())
    for scan in scans:
        truth, path = read_truth(scan.path), scan.document
        for (options, connection, _), result, score in zip(workers, results, scores):
            if result.failed:
                continue
            connection.send(path)
            text, wall, cpu = connection.recv()
            result.documents += 1
            result.pages += len(text.pages)
            result.seconds += wall
            result.cpu_seconds += cpu
            extraction = extract_document(text, page_images=page_images_of(path.read_bytes(), path.name, text))
            score_document(score, scan.label, truth, text, extraction)
    for (options, connection, process), result, score in zip(workers, results, scores):
        if not result.failed:
            connection.send(None)
            _, result.peak_rss_mib = connection.recv()
            _score(result, score)
        process.join(timeout=60)
    return results


def _rss_worker(options: OcrOptions, model_dir: Path, scans: list[Path], checkpoints: list[int],
                connection: Connection) -> None:
    import cv2

    from extractors.acquire import ocr_page
    from extractors.loader import open_document
    from extractors.ocr import build_engine

    engine = build_engine(model_dir, options)
    settings = get_settings()
    done, cpu, rounds = 0, 0.0, 0
    while True:
        # Each round at another scale (0.90, 0.93, … 1.08): every page size is new to the engine.
        factor = 0.9 + 0.03 * (rounds % 7)
        rounds += 1
        for path in scans:
            source = open_document(path.read_bytes(), path.name, settings)
            for index in range(source.page_count):
                image = cv2.resize(source.page_image(index), None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
                started = time.process_time()
                ocr_page(image, 1, 200, engine)
                cpu += time.process_time() - started
                done += 1
                if done in checkpoints:
                    rss, peak = _memory_mib()
                    connection.send(RssPoint(pages=done, rss_mib=rss, peak_mib=peak, cpu_per_page=cpu / done))
                if done >= max(checkpoints):
                    connection.send(None)
                    return


def rss_curve(options: OcrOptions, model_dir: Path, scans: list[Path], checkpoints: list[int],
              on_point: Callable[[RssPoint], None]) -> None:
    """Run the memory curve in a fresh worker; ``on_point`` gets each checkpoint as it is reached."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_rss_worker, args=(options, model_dir, scans, sorted(checkpoints), child), daemon=True)
    process.start()
    while (point := parent.recv()) is not None:
        on_point(point)
    process.join(timeout=60)


def run_ocr_bench(fixtures: Path, candidate_texts: list[str], documents: int = 10, rss_pages: list[int] | None = None,
                  rss_candidate: str | None = None, settings: Settings | None = None, out: Path | None = None) -> OcrBench:
    settings = settings or get_settings()
    base = OcrOptions.from_settings(settings)
    candidates = [parse_candidate(text, base) for text in candidate_texts]
    scans = sample_scans(Path(fixtures), documents)
    bench = OcrBench(cores=os.cpu_count() or 1, load_start=os.getloadavg()[0], documents=[scan.label for scan in scans])
    if candidates:
        bench.candidates = compare_candidates(scans, candidates, settings.model_dir)
        _write(bench, out)
    if rss_pages:
        options = parse_candidate(rss_candidate, base) if rss_candidate is not None else base
        bench.rss_candidate = options.label()

        def record(point: RssPoint) -> None:
            bench.rss_curve.append(point)
            _write(bench, out)
            print(f"memory after {point.pages} pages: RSS {point.rss_mib:.0f} MiB, peak {point.peak_mib:.0f} MiB",
                  flush=True)

        all_scans = [scan.document for scan in sample_scans(Path(fixtures), 10_000)]
        rss_curve(options, settings.model_dir, all_scans, rss_pages, record)
    bench.load_end = os.getloadavg()[0]
    _write(bench, out)
    return bench


def _write(bench: OcrBench, out: Path | None) -> None:
    if out is not None:
        out.write_text(bench.model_dump_json(indent=1), encoding="utf-8")
