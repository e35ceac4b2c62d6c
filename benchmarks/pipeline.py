"""``zcps bench pipeline``: throughput of every stage, measured in one process on the same pages.

The pages are whole applicants from a fixture batch (their image files and scanned PDFs, in folder
order, until ``pages`` is reached), so validation and masking see real applicants. The phases run
in this order on those pages and share one loaded OCR engine:

raw OCR (``recognize`` on the decoded stored pages) and the scan pipeline (the document stage,
``pipeline.document.read_document``, then ``check_applicant``), alternating per applicant → release
in ``regions`` and in ``full`` verify mode → the same pages as a digital PDF → a batch run and its unchanged re-run
(``benchmarks.scale``) → time per applicant at growing batch sizes (``benchmarks.scale``).

The JSON is rewritten as each phase ends, so a phase that fails later never loses the earlier
numbers. The phases after the scan pipeline need things a machine may lack (the generator's fonts,
Prefect's server, reportlab): when one cannot run it is recorded as skipped with the reason and
the remaining phases still run.
"""

from __future__ import annotations

import logging
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.pipeline_model import (DigitalRate, MachineLoad, Phase, PipelineBenchResult, ReleaseRate,
                                       SampleApplicant, SamplePage, check_targets)
from benchmarks.scale_model import BENCH_BATCH
from zcps.errors import ConfigError, InputError
from zcps.manifest import parse_manifest
from zcps.models import DocumentRef, DocumentResult, DocumentText, Review
from zcps.resources import font_path
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.bench")

SAMPLE_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "sample"
SCAN_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf")
# A digital PDF page takes milliseconds; repeat it until the timing is well above timer noise.
DIGITAL_MIN_SECONDS = 1.0
DIGITAL_MAX_ROUNDS = 50


def select_applicants(fixtures: Path, pages: int, settings: Settings) -> list[SampleApplicant]:
    """Whole applicants (their scanned files only) in folder order until at least ``pages`` pages."""
    from extractors.loader import open_document

    chosen: list[SampleApplicant] = []
    total = 0
    for manifest_path in sorted((fixtures / "intake").glob("*/*/manifest.json")):
        folder = manifest_path.parent
        files: list[SamplePage] = []
        for path in sorted((folder / "docs").iterdir()):
            if path.suffix.lower() not in SCAN_SUFFIXES or total >= pages:
                continue
            try:
                source = open_document(path.read_bytes(), path.name, settings)
            except InputError:
                continue  # the deliberately bad files of the sample measure nothing here
            if source.digital:
                continue
            files.append(SamplePage(path=str(path), pages=source.page_count))
            total += source.page_count
        if files:
            chosen.append(SampleApplicant(unit=folder.parent.name, applicant=folder.name,
                                          manifest=str(manifest_path), files=files))
        if total >= pages:
            break
    if not chosen:
        raise ConfigError(f"no scanned pages under {fixtures}/intake",
                          hint="Point --fixtures at a batch laid out as fixtures/README.md describes.")
    return chosen


def _decoded_pages(applicant: SampleApplicant, settings: Settings) -> list[np.ndarray]:
    from extractors.loader import open_document

    images = []
    for file in applicant.files:
        path = Path(file.path)
        source = open_document(path.read_bytes(), path.name, settings)
        images += [source.page_image(index) for index in range(source.page_count)]
    return images


def _load_models(first_page: np.ndarray) -> None:
    """Load the OCR models, spaCy and the rules, and warm ONNX Runtime up on one page."""
    from extractors.ocr import get_engine
    from masking.detect import get_nlp
    from validators.schema import rules_for_batch

    engine = get_engine()
    get_nlp()
    rules_for_batch(BENCH_BATCH)
    engine.recognize(first_page)


def _raw_ocr(images: list[np.ndarray]) -> None:
    from extractors.ocr import get_engine

    engine = get_engine()
    for image in images:
        engine.recognize(image)


@dataclass
class _Processed:
    """What the scan pipeline produced for one applicant: the inputs release needs."""

    applicant: SampleApplicant
    documents: list[tuple[DocumentResult, bytes]]
    review: Review


def _scan_pipeline(applicants: list[SampleApplicant]) -> list[_Processed]:
    from pipeline.document import read_document
    from validators.check import check_applicant

    processed = []
    for applicant in applicants:
        documents = []
        for file in applicant.files:
            path = Path(file.path)
            data = path.read_bytes()
            ref = DocumentRef(batch=BENCH_BATCH, unit=applicant.unit, applicant=applicant.applicant, file=path.name)
            documents.append((read_document(ref, data), data))
        manifest = parse_manifest(Path(applicant.manifest).read_bytes(), source=f"{applicant.label}/manifest.json")
        review = check_applicant(manifest, [d for d, _ in documents], batch=BENCH_BATCH, unit=applicant.unit)
        processed.append(_Processed(applicant, documents, review))
    return processed


def _release(processed: list[_Processed], mode: str) -> int:
    """Release every applicant with ``mode`` verification; returns the documents withheld."""
    from masking.release import release_applicant
    from storage.local import LocalStore

    settings = get_settings().model_copy(update={"mask_verify_mode": mode})
    withheld = 0
    with tempfile.TemporaryDirectory(prefix="zcps-bench-release-") as root:
        store = LocalStore(root)
        for item in processed:
            manifest = parse_manifest(Path(item.applicant.manifest).read_bytes(),
                                      source=f"{item.applicant.label}/manifest.json")
            result = release_applicant(store, BENCH_BATCH, item.applicant.unit, manifest, item.review,
                                       item.documents, settings)
            withheld += len(result.withheld)
    return withheld


def digital_pdf_of(texts: list[DocumentText]) -> bytes:
    """The pages as one digital PDF: every OCR line drawn as real text at its box, page size kept."""
    try:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.pdfgen import canvas
    except ImportError as exc:
        raise ConfigError("reportlab is not installed",
                          hint="Install the test extra: pip install -e '.[test]'.") from exc
    import io

    if "zcps-bench" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("zcps-bench", str(font_path("hei")), subfontIndex=0))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1, pageCompression=1)
    for page in (page for text in texts for page in text.pages):
        points = 72.0 / page.dpi
        pdf.setPageSize((page.width * points, page.height * points))
        for line in page.lines:
            x0, y0, x1, y1 = line.bbox
            size = max(4.0, (y1 - y0) * points * 0.8)
            pdf.setFont("zcps-bench", size)
            pdf.drawString(x0 * points, (page.height - y1) * points + size * 0.15, line.text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _digital_rate(texts: list[DocumentText]) -> DigitalRate:
    from pipeline.document import document_result

    data = digital_pdf_of(texts)
    ref = DocumentRef(batch=BENCH_BATCH, unit="bench", applicant="bench", file="bench-digital.pdf")
    pages = rounds = 0
    started = time.perf_counter()
    while rounds < DIGITAL_MAX_ROUNDS and (rounds == 0 or time.perf_counter() - started < DIGITAL_MIN_SECONDS):
        pages += document_result(ref, data).page_count
        rounds += 1
    seconds = time.perf_counter() - started
    return DigitalRate(pages=pages, rounds=rounds, seconds=seconds, pages_per_second=pages / seconds)


def peak_rss_mib() -> float:
    """This process's peak resident set (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PhaseClock:
    """Wall and CPU seconds of one phase, summed over every ``with`` block, and the process's peak
    RSS at the end of the last one. With ``skippable``, an exception ends the phase as skipped (the
    reason recorded) instead of ending the benchmark."""

    def __init__(self, result: PipelineBenchResult, name: str, out: Path | None = None, skippable: bool = False):
        self.phase = Phase(name=name)
        result.phases.append(self.phase)
        self._result, self._out, self._skippable = result, out, skippable
        self._wall = self._cpu = 0.0

    def __enter__(self) -> Phase:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self.phase

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self.phase.wall_seconds += time.perf_counter() - self._wall
        self.phase.cpu_seconds += time.process_time() - self._cpu
        self.phase.peak_rss_mib = peak_rss_mib()
        # Any exception: a missing font, server or tool surfaces as whatever the failing library raises.
        skipped = self._skippable and exc is not None and isinstance(exc, Exception)
        if skipped:
            self.phase.skipped = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            log.warning("phase %s skipped: %s", self.phase.name, self.phase.skipped)
            log.debug("phase %s failed", self.phase.name, exc_info=(exc_type, exc, traceback))
        else:
            log.info("phase %s: %.1f s wall, %.1f s CPU, peak RSS %.0f MiB", self.phase.name, self.phase.wall_seconds,
                     self.phase.cpu_seconds, self.phase.peak_rss_mib)
        write_result(self._result, self._out)
        return skipped


def write_result(result: PipelineBenchResult, out: Path | None) -> None:
    """The JSON so far, with the targets of what has been measured (rewritten after every phase)."""
    if out is None:
        return
    result.peak_rss_mib = peak_rss_mib()
    result.targets = check_targets(result)
    out.write_text(result.model_dump_json(indent=2), encoding="utf-8")


def _raw_and_pipeline(result: PipelineBenchResult, applicants: list[SampleApplicant],
                      settings: Settings, out: Path | None) -> list[_Processed]:
    """Raw OCR and the scan pipeline, alternating per applicant so that load from other processes on
    a shared machine falls on both about equally."""
    raw, pipeline = _PhaseClock(result, "raw_ocr", out), _PhaseClock(result, "scan_pipeline", out)
    processed = []
    for applicant in applicants:
        images = _decoded_pages(applicant, settings)
        with raw:
            _raw_ocr(images)
        with pipeline:
            processed += _scan_pipeline([applicant])
    result.raw_ocr_seconds, result.pipeline_seconds = raw.phase.wall_seconds, pipeline.phase.wall_seconds
    return processed


def run_pipeline_bench(pages: int = 20, scale: list[int] | None = None, fixtures: Path | str = SAMPLE_ROOT,
                       seed: int = 2024, out: Path | None = None) -> PipelineBenchResult:
    from benchmarks.scale import rerun_comparison
    from benchmarks.scale_run import run_scale_bench

    settings = get_settings()
    applicants = select_applicants(Path(fixtures), pages, settings)
    result = PipelineBenchResult(pages=sum(f.pages for a in applicants for f in a.files),
                                 files=sum(len(a.files) for a in applicants), applicants=len(applicants),
                                 load_before=MachineLoad.now(settings))
    with _PhaseClock(result, "models", out) as phase:
        _load_models(_decoded_pages(applicants[0], settings)[0])
    result.model_load_seconds = phase.wall_seconds
    processed = _raw_and_pipeline(result, applicants, settings, out)
    texts = [DocumentText(sha256=d.sha256, source=d.text_source, engine="", pages=d.pages)
             for item in processed for d, _ in item.documents]
    result.pages_turned_or_deskewed = sum(1 for t in texts for p in t.pages if p.rotation or p.deskew_angle)
    for mode in ("regions", "full"):
        with _PhaseClock(result, f"release_{mode}", out, skippable=True) as phase:
            withheld = _release(processed, mode)
        if not phase.skipped:
            result.release.append(ReleaseRate(mode=mode, seconds=phase.wall_seconds, withheld=withheld))
            write_result(result, out)
    with _PhaseClock(result, "digital_pdf", out, skippable=True):
        result.digital = _digital_rate(texts)
    with _PhaseClock(result, "batch_rerun", out, skippable=True):
        result.rerun = rerun_comparison(applicants)
    sizes = scale if scale is not None else [10, 100, 500]
    with _PhaseClock(result, "scale", out, skippable=True):
        if not sizes:
            raise ConfigError("no batch sizes given (--scale \"\")")
        # The one scale measurement (zcps bench scale), on the local store only.
        result.scale = run_scale_bench(sizes, stores=("local",), seed=seed)
        result.scale_peak_rss_mib = max(run.peak_rss_mib for run in result.scale)
    result.load_after = MachineLoad.now(settings)
    result.peak_rss_mib = peak_rss_mib()
    result.targets = check_targets(result)
    write_result(result, out)
    return result
