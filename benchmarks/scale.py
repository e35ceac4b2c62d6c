"""Batch-level inputs of the benchmarks: a run against its unchanged re-run (``zcps bench pipeline``),
and the generated batches of the one scale measurement (benchmarks/scale_run.py).

Scale batches ("with cached OCR"): a ``fixtures.generator --cheap`` tree; each size takes its first
N applicants into a fresh store. Before the timed run, ``work/ocr/{sha256}.json`` is filled for every
readable file from the generator's ground truth (the text lines and boxes exactly as drawn,
stored-frame coordinates, under the current engine name), so every OCR lookup is a cache hit and the
run times everything else: listing, ledger, extraction, validation, reviews and reports. A size
larger than the tree repeats its applicants as copies under new ids (``ScaleApplicant.replica``).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from benchmarks.fixture_truth import document_truth, truth_applicants, truth_index
from benchmarks.pipeline_model import RerunTimes, SampleApplicant
from benchmarks.scale_model import BENCH_BATCH
from storage.layout import intake_key
from zcps.errors import ConfigError
from zcps.models import DocumentText, Page, TextLine, TextSource

if TYPE_CHECKING:
    from pipeline.summary import BatchSummary

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
            _put_tree(store, folder, intake_key(BENCH_BATCH, f"{applicant.label}/"),
                      [Path(f.path) for f in applicant.files])
        first_wall, first = _timed_run(store.url, release=True)
        second_wall, second = _timed_run(store.url, release=True)
    log.info("rerun: first %s; second %s", first.one_line(), second.one_line())
    return RerunTimes(applicants=len(applicants), files=sum(len(a.files) for a in applicants), pages=first.pages,
                      first_wall_seconds=first_wall, first_flow_seconds=first.seconds,
                      second_wall_seconds=second_wall, second_flow_seconds=second.seconds,
                      second_skipped=second.skipped)


def generate_batch(out: Path, applicants: int, seed: int) -> None:
    """Run the fixture generator (``--cheap``) into ``out``."""
    command = [sys.executable, "-m", "fixtures.generator", "--seed", str(seed), "--applicants", str(applicants),
               "--out", str(out), "--cheap"]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"the fixture generator failed: {done.stderr[-500:]}",
                          hint="Run the benchmark from a full clone with the test extra installed.")


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


class ScaleApplicant(BaseModel):
    """One applicant of a scale batch: a generated one, or (``replica`` > 0) a copy of one under a new id."""

    unit: str
    applicant: str  # the generated applicant's id
    replica: int = 0

    @property
    def folder(self) -> str:
        return self.applicant if self.replica == 0 else f"{self.applicant}-R{self.replica}"


def scale_order(generated: Path, size: int) -> list[ScaleApplicant]:
    """The first ``size`` applicants: every generated one (index order, else path order), then copies."""
    index = generated / "truth" / "index.json"
    unique = ([(e["unit"], e["applicant_id"]) for e in truth_index(generated)["applicants"]] if index.exists()
              else truth_applicants(generated))
    if not unique:
        raise ConfigError(f"no generated applicants under {generated}", hint="Run fixtures.generator --cheap first.")
    return [ScaleApplicant(unit=unique[i % len(unique)][0], applicant=unique[i % len(unique)][1],
                           replica=i // len(unique)) for i in range(size)]


def _replica_bytes(data: bytes, replica: int) -> bytes:
    # Trailing bytes after the image or PDF end marker, which readers ignore: a copy gets its own
    # content hash, so it is not a duplicate file of its original (its certificate numbers still are).
    return data if replica == 0 else data + f"\n%zcps-scale-replica {replica}\n".encode()


def load_scale_store(store, generated: Path, applicants: list[ScaleApplicant], engine: str) -> int:
    """Intake for ``applicants`` plus a pre-filled OCR cache; returns the number of files."""
    import json

    from storage.layout import ocr_cache_key

    files = 0
    for chosen in applicants:
        folder = generated / "intake" / chosen.unit / chosen.applicant
        prefix = intake_key(BENCH_BATCH, f"{chosen.unit}/{chosen.folder}/")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["applicant_id"] = chosen.folder
        store.put(f"{prefix}manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
        for path in sorted((folder / "docs").iterdir()):
            files += 1
            data = _replica_bytes(path.read_bytes(), chosen.replica)
            store.put(f"{prefix}docs/{path.name}", data)
            truth = document_truth(generated, chosen.unit, chosen.applicant, path.name)
            if truth is None or truth.get("bad_file"):
                continue  # a bad file fails in the loader before OCR; there is nothing to cache
            text = text_from_truth(truth, data, path.name, engine)
            store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
    return files
