"""``zcps bench extraction --holdout-layouts``: accuracy on the sample batch, on tuning layouts and on held-out ones.

The second fixture family (``fixtures/generator/layouts``) is rendered once into ``{work}/family``
and split by layout id (``HELD_OUT``): the extractors may be tuned on the tuning layouts; the held-out
layouts measure how far that tuning generalises. A second held-out draw (``NEW_HELD_OUT``, layouts
added after the first split had guided fixes) is scored in its own column. Every document goes through the real OCR, cached
per content hash in ``{work}/work/ocr/``, so a rerun only re-extracts. Printed per split: document
type, the field families of ``benchmarks.extraction``, date recall and dates reported that are not
printed; then, when the XFUND Chinese training split is present, date recall/precision on it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from benchmarks.extraction import DEFAULT_CACHE, BenchResult, Mismatch, read_truth, score_document
from benchmarks.extraction_dates import DateScore, run_xfund, xfund_root
from benchmarks.fixture_truth import read_json, truth_files, truth_index
from extractors.acquire import acquire_text_cached
from extractors.extract import extract_document, page_images_of
from storage.base import ObjectStore
from storage.local import LocalStore
from zcps.errors import InputError

log = logging.getLogger("zcps.bench.holdout")

REPO_ROOT = Path(__file__).resolve().parents[1]
GENERATOR = REPO_ROOT / "fixtures" / "generator"
DEFAULT_WORK = DEFAULT_CACHE  # shared with ``zcps bench extraction``: the OCR cache is keyed by content
FAMILY_SEED = 2025
SPLITS = ("sample", "tuning", "held_out", "new_held_out")
HELD_OUT_TARGETS = {"doc_type": 0.97, "default": 0.95}
TARGETS = {"sample": 0.98, "held_out": HELD_OUT_TARGETS, "new_held_out": HELD_OUT_TARGETS}
SPLIT_TITLES = {"sample": "sample", "tuning": "tuning layouts", "held_out": "held-out layouts",
                "new_held_out": "second held-out"}
NOT_PRINTED_TARGET = 0.03
XFUND_RECALL_TARGET = 0.99
FAMILY_ROWS = ("doc_type", "dates", "ce_hours", "grades", "levels", "names", "id_numbers")


class _PrintedDate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    value: str


class _DatesTruth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    dates: list[_PrintedDate] = []


class SplitResult(BaseModel):
    name: str
    layouts: int = 0
    scores: BenchResult = BenchResult()
    dates: DateScore = DateScore()
    per_layout: dict[str, BenchResult] = {}


class HoldoutReport(BaseModel):
    splits: dict[str, SplitResult]
    xfund: DateScore | None = None
    xfund_note: str = ""
    seconds: float = 0.0

    def table(self) -> str:
        return _format(self)


def _generator_digest() -> str:
    digest = hashlib.sha256()
    for source in sorted(GENERATOR.rglob("*.py")):
        digest.update(source.relative_to(GENERATOR).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _family(work: Path, per_layout: int) -> Path:
    """The rendered family, rebuilt only when the generator's code, the seed or the count per layout changed.

    The generator runs as ``python -m fixtures.generator.layouts`` from the repository root, as
    ``fixtures`` is not an installed package.
    """
    root = work / "family"
    stamp = root / "rendered-by.json"
    wanted = {"seed": FAMILY_SEED, "per_layout": per_layout, "generator": _generator_digest()}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return root
    log.info("rendering the layout family (%d per layout) into %s", per_layout, root)
    subprocess.run([sys.executable, "-m", "fixtures.generator.layouts", "--out", str(root), "--seed",
                    str(FAMILY_SEED), "--per-layout", str(per_layout)], cwd=REPO_ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return root


def _score(split: SplitResult, store: ObjectStore, document: Path, truth_file: Path, label: str,
           layout_id: str | None) -> None:
    truth = read_truth(truth_file)
    if truth.bad_file is not None or not document.exists():
        split.scores.bad_files_skipped += 1
        return
    targets = [split.scores] + ([split.per_layout.setdefault(layout_id, BenchResult())] if layout_id else [])
    try:
        text, _ = acquire_text_cached(store, document.read_bytes(), document.name)
    except InputError as exc:
        log.warning("bench: %s failed: %s", label, exc.code)
        for result in targets:
            result.doc_type.add(False)
            result.mismatches.append(Mismatch(document=label, item="file", expected=truth.doc_type, extracted=exc.code))
        return
    try:
        extraction = extract_document(text, page_images=page_images_of(document.read_bytes(), document.name, text))
    except Exception as exc:  # an extractor bug on one layout scores as a document read wrong, not a crash
        log.warning("bench: %s failed in extraction: %s", label, type(exc).__name__)
        for result in targets:
            result.doc_type.add(False)
            result.mismatches.append(Mismatch(document=label, item="file", expected=truth.doc_type,
                                              extracted=type(exc).__name__))
        return
    for result in targets:
        score_document(result, label, truth, text, extraction)
    printed = {d.value for d in _DatesTruth.model_validate(read_json(truth_file)).dates}
    split.dates.add(printed, {d.value for d in extraction.dates if isinstance(d.value, str)})


def _score_sample(split: SplitResult, store: ObjectStore, root: Path) -> None:
    for truth_file in truth_files(root):
        _score(split, store, truth_file.document, truth_file.path, truth_file.label, None)


def _score_family(splits: dict[str, SplitResult], store: ObjectStore, root: Path, wanted: tuple[str, ...]) -> None:
    index = truth_index(root, "family.json")
    for entry in index["layouts"]:
        if entry["split"] not in wanted:
            continue
        split = splits[entry["split"]]
        split.layouts += 1
        for item in entry["files"]:
            _score(split, store, root / "intake" / item["file"], root / "truth" / f"{item['file']}.json",
                   item["file"], entry["id"])
        log.info("scored layout %s (%s)", entry["id"], split.name)


def run_holdout_bench(sample_root: Path | str, *, work: Path | str | None = None, per_layout: int = 2,
                      xfund: Path | str | None = None, xfund_limit: int | None = None,
                      only: tuple[str, ...] = SPLITS) -> HoldoutReport:
    """``only`` scores some splits and leaves the others' columns empty (the OCR of a split not yet read
    is the slow part)."""
    unknown = set(only) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split {sorted(unknown)}: use {', '.join(SPLITS)}")
    started = time.perf_counter()
    work = Path(work) if work else DEFAULT_WORK
    store = LocalStore(work)
    splits = {name: SplitResult(name=name) for name in SPLITS}
    if "sample" in only:
        _score_sample(splits["sample"], store, Path(sample_root))
    if set(only) - {"sample"}:
        _score_family(splits, store, _family(work, per_layout), only)
    report = HoldoutReport(splits=splits)
    root = xfund_root(xfund)
    if root is None:
        report.xfund_note = ("XFUND zh_train not found" + (f" at {xfund}" if xfund else "") +
                             ": set --xfund or ZCPS_XFUND_DIR to the extracted train_data/XFUND/zh_train")
    else:
        report.xfund = run_xfund(root, store, xfund_limit)
    report.seconds = time.perf_counter() - started
    return report


def _cell(score) -> str:
    if score is None or not score.total:
        return "-"
    return f"{score.accuracy:6.1%} {score.correct:>3}/{score.total:<3}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _target(split: str, family: str) -> float:
    goal = TARGETS[split]
    return goal if isinstance(goal, float) else goal.get(family, goal["default"])


def _format(report: HoldoutReport) -> str:
    s = report.splits
    header = (f"{'measure':<22}" + "".join(f"{SPLIT_TITLES[name]:>18}" for name in SPLITS)
              + f"{'targets (sample / held-out)':>30}")
    out = [f"extraction on layouts it was or was not tuned on: sample {s['sample'].scores.documents} documents; "
           f"family {s['tuning'].layouts} tuning + {s['held_out'].layouts} held-out + "
           f"{s['new_held_out'].layouts} second held-out layouts ({s['tuning'].scores.documents} + "
           f"{s['held_out'].scores.documents} + {s['new_held_out'].scores.documents} documents)", header]
    for family in FAMILY_ROWS:
        cells = [_cell(split.scores.doc_type if family == "doc_type" else split.scores.families.get(family))
                 for split in s.values()]
        targets = f"≥{_target('sample', family):.0%} / ≥{_target('held_out', family):.0%}"
        out.append(f"{family:<22}" + "".join(f"{c:>18}" for c in cells) + f"{targets:>30}")
    out.append(f"{'date recall':<22}" + "".join(f"{_rate(split.dates.recall):>18}" for split in s.values()))
    out.append(f"{'dates not printed':<22}" + "".join(
        f"{_rate(split.dates.not_printed) + f' of {split.dates.reported}':>18}" for split in s.values())
        + f"{f'≤{NOT_PRINTED_TARGET:.0%}':>30}")
    for name in SPLITS:
        misses = Counter(m.item.rsplit(".", 1)[-1] for m in s[name].scores.mismatches)
        shown = ", ".join(f"{item} {count}" for item, count in misses.most_common(10)) or "none"
        out.append(f"misses {name + ':':<14}{shown}")
    for name in SPLITS[1:]:
        out.append(f"\n{name} layouts (document type, then every field family and CE item together):")
        for layout_id, result in sorted(s[name].per_layout.items()):
            fields = [v for v in result.families.values() if v.total]
            correct, total = sum(v.correct for v in fields), sum(v.total for v in fields)
            out.append(f"  {layout_id:<38} type {result.doc_type.correct}/{result.doc_type.total}"
                       f"   fields {correct}/{total}")
    if report.xfund is None:
        out.append(f"\nXFUND: skipped ({report.xfund_note})")
    else:
        x = report.xfund
        out.append(f"\nXFUND zh_train (real scanned forms, {x.documents} pages, {x.failed} failed): date recall "
                   f"{_rate(x.recall)} ({x.printed_reported}/{x.printed}, target ≥{XFUND_RECALL_TARGET:.0%}), "
                   f"precision {_rate(x.precision)} ({x.reported_printed}/{x.reported}); "
                   f"dates not printed {_rate(x.not_printed)} (target ≤{NOT_PRINTED_TARGET:.0%})")
    out.append(f"in {report.seconds:.0f}s")
    return "\n".join(out)
