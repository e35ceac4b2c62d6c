"""The hostile corpus (tests/hostile_corpus.py) as one batch, on the local store and on loopback S3.

Each store runs ``zcps run`` then ``zcps rerun --failed`` as subprocesses, the way an operator does.
For every case: the exact outcome code in the ledger (or the rule in the applicant's review); the
control applicant's review equals a clean run's; no traceback is printed; every applicant and every
failed or ignored object is in the report; and a whole-page re-OCR of every released page finds
none of the applicants' names, ID numbers or phones. The OCR cache of the clean run is reused, so
each page is read once by the pipeline; masking and the re-OCR check read the released pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from support.hostile_corpus import BATCH, CONTROL, RESERVED_UNITS, UNIT, Corpus, build_corpus, put_control
from storage.factory import open_store
from storage.layout import pseudonym_prefix, release_units_prefix, report_key, review_key
from storage.ledger import Ledger, LedgerEntry
from zcps.models import Review
from zcps.settings import get_settings

pytestmark = pytest.mark.models

ZCPS = str(Path(sys.executable).with_name("zcps"))
BASE_ENV = {"ZCPS_RETRY_DELAY_SECONDS": "0.2", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}


def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    import os

    full = {**os.environ, **BASE_ENV, **env}
    full.pop("PREFECT_API_URL", None)
    done = subprocess.run([ZCPS, *args, "--batch", BATCH], env=full, capture_output=True, text=True, timeout=1500)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def clean_control(tmp_path_factory) -> tuple[bytes, dict[str, bytes]]:
    """The control applicant alone: its review, and the OCR cache its pages left (reused below)."""
    url = (tmp_path_factory.mktemp("clean") / "store").as_uri()
    store = open_store(url)
    put_control(store)
    code, output = _cli({"ZCPS_STORE_URL": url}, "run")
    assert code == 0, output
    cache = {key: store.get(key) for key in store.list("work/ocr/")}
    return store.get(review_key(BATCH, *CONTROL)), cache


@dataclass
class HostileRun:
    kind: str
    store: object
    corpus: Corpus
    runs: list[tuple[int, str]]  # (exit code, output) of `zcps run`, then `zcps rerun --failed`
    control_reviews: list[bytes]  # the control's review after each run


@pytest.fixture(scope="module", params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def hostile(request, clean_control, tmp_path_factory) -> HostileRun:
    if request.param == "local":
        env = {"ZCPS_STORE_URL": (tmp_path_factory.mktemp("hostile") / "store").as_uri()}
    else:
        server = request.getfixturevalue("s3_server")
        env = {"ZCPS_STORE_URL": server.url, "ZCPS_S3_ACCESS_KEY": server.access_key,
               "ZCPS_S3_SECRET_KEY": server.secret_key, "ZCPS_S3_REGION": server.region,
               "ZCPS_BUCKET_PREFIX": f"h{uuid.uuid4().hex[:10]}-"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        store = open_store()
        corpus = build_corpus(store, local=request.param == "local")
        for key, data in clean_control[1].items():
            store.put(key, data)
        runs, reviews = [], []
        for args in (("run",), ("rerun", "--failed")):
            runs.append(_cli(env, *args))
            reviews.append(store.get(review_key(BATCH, *CONTROL)))
        yield HostileRun(request.param, store, corpus, runs, reviews)
    get_settings.cache_clear()


def _entries(run: HostileRun) -> dict[str, LedgerEntry]:
    entries = Ledger(run.store, BATCH).entries()
    return {(f"{e.unit}/{e.applicant}/docs/{e.file}" if e.scope == "document" else e.label): e for e in entries}


def _review(run: HostileRun, unit: str, applicant: str) -> Review:
    return Review.model_validate_json(run.store.get(review_key(BATCH, unit, applicant)))


def test_every_case_ends_in_its_exact_outcome(hostile):
    entries = _entries(hostile)
    wrong = []
    for expect in hostile.corpus.expects:
        if expect.status == "review":
            unit, applicant = expect.key.split("/")
            got = {f.rule for f in _review(hostile, unit, applicant).findings}
            if expect.code not in got:
                wrong.append((expect.case, expect.code, sorted(got)))
            continue
        entry = entries.get(expect.key)
        got = (entry.status.value, entry.error_code) if entry else None
        if got != (expect.status, expect.code):
            wrong.append((expect.case, (expect.status, expect.code), got))
    assert wrong == []


def test_nothing_under_intake_is_silently_dropped(hostile):
    keys = {key.removeprefix(f"intake/{BATCH}/") for key in hostile.store.list(f"intake/{BATCH}/")}
    manifests = {k for k in keys if k.endswith("/manifest.json")}
    accounted = set(_entries(hostile)) | manifests
    assert keys - accounted == set()


def test_control_review_equals_a_clean_run_after_run_and_rerun(hostile, clean_control):
    assert hostile.control_reviews == [clean_control[0], clean_control[0]]
    assert json.loads(clean_control[0])["verdict"] == "eligible"


REPO = str(Path(__file__).resolve().parents[1])


@pytest.mark.parametrize("which", [0, 1], ids=["run", "rerun-failed"])
def test_no_zcps_traceback_and_no_raw_control_characters_are_printed(hostile, which):
    code, output = hostile.runs[which]
    assert code == 2, output[-3000:]  # some files failed, none crashed the batch
    assert f'File "{REPO}/' not in output, "no traceback through zcps code"
    assert not any(ch in output for ch in ("\x07", "\x1b", "\u202e")), "terminal text is escaped"


@pytest.mark.parametrize("which", [0, 1], ids=["run", "rerun-failed"])
def test_no_traceback_at_all(hostile, which):
    assert "Traceback" not in hostile.runs[which][1]


def test_declared_but_absent_file_is_named(hostile):
    finding = next(f for f in _review(hostile, UNIT, "H-ABSENT").findings if f.rule == "docs.declared_absent")
    assert "docs/01_missing.png" in finding.message


def test_every_applicant_and_every_failed_or_ignored_object_is_in_the_report(hostile):
    batch = json.loads(hostile.store.get(report_key(BATCH, None, "unit", "json")))
    assert batch["schema"] == "zcps.batch-report/1", "the whole-batch report is the units' summary"
    # Each unit's report lists its applicants and files; the batch's lists the files of no unit.
    units = [json.loads(hostile.store.get(report_key(BATCH, row["unit"], "unit", "json"))) for row in batch["units"]]
    listed = {(a["unit"], a["applicant"]) for report in units for a in report["applicants"]}
    assert set(hostile.corpus.applicants) - listed == set()
    entries = _entries(hostile)
    failed = {e.label for e in entries.values() if e.status.value == "failed"}
    ignored = {e.label for e in entries.values() if e.status.value == "ignored"}
    failed_rows = [row for report in units for row in report["failed_files"]] + batch["unplaced_failed"]
    ignored_rows = [row for report in units for row in report["ignored_files"]] + batch["unplaced_ignored"]
    assert failed - {row["key"] for row in failed_rows} == set()  # newlines kept, backslashes too
    assert {row["key"] for row in ignored_rows} == ignored


def test_reserved_unit_names_reach_no_internal_key(hostile):
    for unit in RESERVED_UNITS:
        assert _review(hostile, unit, f"R-{unit}").unit == unit
        unit_report = json.loads(hostile.store.get(report_key(BATCH, unit, "unit", "json")))
        assert unit_report["unit"] == unit
    pseudonyms = [hostile.store.get(key).decode() for key in hostile.store.list(pseudonym_prefix(BATCH))]
    assert pseudonyms and all(p.startswith("P-") for p in pseudonyms)
    assert all(entry.batch == BATCH for entry in Ledger(hostile.store, BATCH).entries())


@lru_cache(maxsize=512)
def _page_text(png: bytes) -> str:
    from extractors.acquire import ocr_page
    from extractors.ocr import get_engine

    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    return "".join(line.text for line in ocr_page(image, 1, 200, get_engine()).lines).replace(" ", "")


def _released_pages(run: HostileRun) -> dict[str, bytes]:
    return {key: run.store.get(key) for key in run.store.list(release_units_prefix(BATCH)) if key.endswith(".png")}


def test_released_pages_reocr_without_pii(hostile):
    # Released pages are named by document type and order (masking), so the two hostile PDF kinds
    # (invisible text layer, /Rotate 90) are among these pages without being told apart.
    pages = _released_pages(hostile)
    assert len(pages) >= 14, sorted(pages)
    leaks = {key: found for key, png in pages.items()
             if (found := sorted(v for v in hostile.corpus.pii if v in _page_text(png)))}
    assert leaks == {}
