"""Fault tolerance with real parts: a store outage, a killed worker, concurrent runs, malformed
manifests, oversized inputs and hostile intake keys. Each ends with every file accounted for in
the ledger, and nothing lost or written twice.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from support.batch_samples import BATCH, manifest_dict, page_png, put_applicant, small_batch
from support.s3_server import S3Server
from flows.runner import run_batch
from pipeline.document import crashed_result
from storage.factory import open_store
from storage.layout import document_result_key, ledger_prefix, ledger_summaries_prefix, review_key
from storage.ledger import Ledger, LedgerEntry
from zcps.errors import ExitCode, LeaseConflict, StoreUnavailable, error_code
from zcps.models import DocumentRef, DocumentResult, Review, Status
from zcps.settings import get_settings
from cli.status_view import print_status

ZCPS = str(Path(sys.executable).parent / "zcps")
RUN_TIMEOUT_SECONDS = 240


def ledger_entries_raw(store) -> list[LedgerEntry]:
    """Every ledger object parsed strictly: a damaged entry fails the test instead of being skipped."""
    summaries = ledger_summaries_prefix(BATCH)  # derived copies, not entries
    return [LedgerEntry.model_validate_json(store.get(key)) for key in store.list(ledger_prefix(BATCH))
            if not key.startswith(summaries)]


def intake_documents(store) -> set[str]:
    return {key.split("/", 2)[2] for key in store.list(f"intake/{BATCH}/") if "/docs/" in key}


def assert_batch_complete(store) -> None:
    """Every intake document has one done ledger entry and one result; no result without a document."""
    documents = intake_documents(store)
    entries = [e for e in ledger_entries_raw(store) if e.scope == "document"]
    assert {f"{e.unit}/{e.applicant}/docs/{e.file}" for e in entries} == documents
    assert {e.status for e in entries} == {Status.done}, [(e.file, e.status, e.error_code) for e in entries]
    results = {key for key in store.list(f"results/{BATCH}/") if "/documents/" in key}
    expected = {document_result_key(DocumentRef(batch=BATCH, unit=unit, applicant=applicant, file=file))
                for unit, applicant, _, file in (doc.split("/", 3) for doc in documents)}
    assert results == expected
    for key in results:
        assert DocumentResult.model_validate_json(store.get(key)).status is Status.done


def cli_env(store_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ZCPS_STORE_URL": store_url, "ZCPS_RETRY_DELAY_SECONDS": "0.2",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return {**env, **extra}


def start_cli_run(store_url: str, log: Path, **extra: str) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([ZCPS, "run", "--batch", BATCH, "--concurrency", "1"], env=cli_env(store_url, **extra),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(condition, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the run ended (exit {process.returncode}) before {what}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(store) -> list[Status]:
    try:
        return [e.status for e in Ledger(store, BATCH).entries()]
    except Exception:  # noqa: BLE001 - the store may be down while polling
        return []


# --- malformed manifests --------------------------------------------------------------------------

GOOD = manifest_dict("M0", [])
MANIFESTS = {
    "M1": (b"{this is not json", "JSON"),
    "M2": (b"[1, 2, 3]", "JSON object"),
    "M3": (json.dumps({**manifest_dict("M3", []), "target_level": 5}).encode(), "target_level"),
    "M4": (json.dumps({**manifest_dict("M4", []), "education": "本科"}).encode(), "education"),
    "M5": (json.dumps({**manifest_dict("M5", []), "favourite_colour": "蓝"}).encode(), "favourite_colour"),
    "M6": (json.dumps({**manifest_dict("M6", []), "assessments": {"21": "称职"}}).encode(), "assessments"),
    "M7": (json.dumps(manifest_dict("someone-else", [])).encode(), "applicant_id"),
}


@pytest.fixture(scope="module")
def manifest_batch(tmp_path_factory):
    store = open_store((tmp_path_factory.mktemp("manifests") / "store").as_uri())
    store.put(f"intake/{BATCH}/u1/M0/manifest.json", json.dumps(GOOD, ensure_ascii=False).encode())
    for applicant, (content, _) in MANIFESTS.items():
        store.put(f"intake/{BATCH}/u1/{applicant}/manifest.json", content)
    store.put(f"intake/{BATCH}/u1/M8/docs/01_empty.jpg", b"")  # documents but no manifest at all
    summary = run_batch(BATCH, store_url=store.url)
    return store, summary


@pytest.mark.parametrize("applicant, field", [(a, f) for a, (_, f) in MANIFESTS.items()] + [("M8", "manifest.json")])
def test_malformed_manifest_is_an_applicant_error(manifest_batch, applicant, field):
    store, summary = manifest_batch
    review = Review.model_validate_json(store.get(review_key(BATCH, "u1", applicant)))
    assert [(f.rule, f.severity) for f in review.findings] == [("manifest.invalid", "review")]
    assert review.verdict == "needs_review"
    assert field in review.findings[0].message
    assert summary.applicants == len(MANIFESTS) + 2


def test_valid_applicant_proceeds_beside_malformed_ones(manifest_batch):
    store, summary = manifest_batch
    review = Review.model_validate_json(store.get(review_key(BATCH, "u1", "M0")))
    rules = {f.rule for f in review.findings}
    assert "manifest.invalid" not in rules and "docs.missing" in rules
    assert review.path is not None or review.path_explanation
    assert [f.code for f in summary.failures] == ["E_EMPTY_FILE"]


# --- oversized inputs -----------------------------------------------------------------------------

def huge_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A real, valid PNG of width × height white 1-bit pixels; a few kilobytes compressed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def many_page_pdf(pages: int = 2000) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for _ in range(pages):
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


OVERSIZED = {"01_huge.png": huge_png, "02_long.pdf": many_page_pdf}
MEMORY_PROBE = """
import json, resource, sys, time
from pipeline.document import process_document
from zcps.models import DocumentRef
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = {}
for name in sys.argv[2:]:
    started = time.perf_counter()
    result = process_document(DocumentRef(batch="2024", unit="u1", applicant="A1", file=name), sys.argv[1], force=True)
    report[name] = [result.errors[0].code if result.errors else None, time.perf_counter() - started]
peak_growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"files": report, "peak_growth_mib": peak_growth_mib}))
"""


def test_oversized_samples_are_what_they_claim():
    with pytest.warns(Image.DecompressionBombWarning), Image.open(io.BytesIO(huge_png())) as image:
        assert image.size == (10_000, 10_000) and image.mode == "1"
        image.crop((0, 0, 64, 64)).load()  # the data decodes: a real PNG, not only a header
    assert len(pypdfium2.PdfDocument(many_page_pdf())) == 2000


@pytest.fixture(scope="module")
def oversized_store(tmp_path_factory):
    store = open_store((tmp_path_factory.mktemp("oversized") / "store").as_uri())
    store.put(f"intake/{BATCH}/u1/A1/manifest.json",
              json.dumps(manifest_dict("A1", list(OVERSIZED)), ensure_ascii=False).encode())
    for name, make in OVERSIZED.items():
        store.put(f"intake/{BATCH}/u1/A1/docs/{name}", make())
    return store


@pytest.fixture(scope="module")
def oversized_run(oversized_store):
    started = time.perf_counter()
    summary = run_batch(BATCH, store_url=oversized_store.url)
    return summary, time.perf_counter() - started


def test_oversized_files_end_in_limit_errors_in_ledger_and_summary(oversized_store, oversized_run):
    summary, seconds = oversized_run
    assert seconds < 60
    assert sorted((f.key.rsplit("/", 1)[1], f.code) for f in summary.failures) == [
        (name, "E_LIMIT") for name in sorted(OVERSIZED)]
    assert {f.key.rsplit("/", 1)[1]: f.message for f in summary.failures}["01_huge.png"].count("ZCPS_MAX_IMAGE_PIXELS")
    entries = {e.file: e for e in ledger_entries_raw(oversized_store)}
    assert {name: (e.status, e.error_code) for name, e in entries.items()} == {
        name: (Status.failed, "E_LIMIT") for name in OVERSIZED}
    review = Review.model_validate_json(oversized_store.get(review_key(BATCH, "u1", "A1")))
    assert {f.extracted for f in review.findings if f.rule == "file.unreadable"} == {"E_LIMIT"}


def test_status_counts_per_status_and_error_code(oversized_store, oversized_run, capsys):
    code = print_status(BATCH, oversized_store.url)
    printed = capsys.readouterr().out
    assert code == ExitCode.files_failed
    assert "status (2 files): failed 2" in printed and "errors: E_LIMIT 2" in printed


def test_oversized_files_are_refused_quickly_without_decoding(oversized_store):
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, oversized_store.url, *OVERSIZED],
                           capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    for name in OVERSIZED:
        code, seconds = report["files"][name]
        assert code == "E_LIMIT" and seconds < 5, (name, code, seconds)
    # Decoding the 100-megapixel page would need at least 100 MiB (grey) or 300 MiB (RGB).
    assert report["peak_growth_mib"] < 64, report


# --- hostile intake keys on a folder store --------------------------------------------------------

ODD_NAMES = ["scan with spaces.png", "证书（扫描件）①.png", "长" * 70 + ".png", "sub/deeper/p.png", "a..b.png",
             "-leading-dash.png"]
MISPLACED = {f"intake/{BATCH}/loose.pdf", f"intake/{BATCH}/u1/stray.pdf", f"intake/{BATCH}/u1/A1/scans/x.png",
             f"intake/{BATCH}/u1/A1/notes.txt"}


def test_hostile_keys_are_processed_safely_or_reported(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    put_applicant(store, "u1", "A1", {name: ["资格名称：工程师"] for name in ODD_NAMES})
    for key in MISPLACED:
        store.put(key, page_png(["无关文件"]))
    docs = tmp_path / "store" / "intake" / BATCH / "u1" / "A1" / "docs"
    outside = tmp_path / "outside.png"
    outside.write_bytes(page_png(["store root outside"]))
    (docs / "escape.png").symlink_to(outside)  # planted on disk; the store never follows links
    (docs / ".zcps-hidden.png").write_bytes(b"reserved name")

    summary = run_batch(BATCH, store_url=store.url)

    problems = {f.key: f.code for f in summary.failures}
    relative = {key.removeprefix(f"intake/{BATCH}/") for key in MISPLACED}
    assert {key: problems.get(key) for key in relative} == {key: "E_LAYOUT" for key in relative}
    # The planted link and the reserved name are shown (a failure and an ignored entry), never read.
    objects = {e.key: (e.status, e.error_code) for e in ledger_entries_raw(store) if e.scope == "object"}
    assert objects["u1/A1/docs/escape.png"] == (Status.failed, "E_BAD_KEY")
    assert objects["u1/A1/docs/.zcps-hidden.png"] == (Status.ignored, "IGNORED_RESERVED_NAME")
    results = list(store.list(f"results/{BATCH}/"))
    assert not any("escape" in key or ".zcps-hidden" in key for key in results), "never processed"
    for name in ODD_NAMES:
        ref_key = document_result_key(DocumentRef(batch=BATCH, unit="u1", applicant="A1", file=name))
        assert DocumentResult.model_validate_json(store.get(ref_key)).status is Status.done, name
    assert summary.done == len(ODD_NAMES)
    again = run_batch(BATCH, store_url=store.url)
    assert again.done == 0 and again.skipped == len(ODD_NAMES)


# --- killed worker, concurrent runs, store outage (real subprocesses) -----------------------------

@pytest.fixture
def short_lease(monkeypatch):
    monkeypatch.setenv("ZCPS_LEASE_SECONDS", "2")
    monkeypatch.setenv("ZCPS_RETRY_DELAY_SECONDS", "0.2")
    get_settings.cache_clear()
    yield 2
    get_settings.cache_clear()


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_killed_worker_leaves_stale_running_file_that_a_rerun_completes(tmp_path, short_lease, capsys):
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store)
    run = start_cli_run(store.url, tmp_path / "run.log", ZCPS_LEASE_SECONDS="2")
    try:
        wait_until(lambda: Status.running in statuses(store), RUN_TIMEOUT_SECONDS, "a file to start", run)
    finally:
        kill_group(run)
    running = [e for e in ledger_entries_raw(store) if e.status is Status.running]
    assert len(running) == 1, "concurrency 1: exactly the file in flight"
    killed = running[0]
    time.sleep(short_lease + 0.5)
    assert not killed.lease_fresh(datetime.now(UTC)), "the dead worker's lease has gone stale"
    print_status(BATCH, store.url, only_failed=True)
    assert "running 1" in capsys.readouterr().out

    rerun = run_batch(BATCH, store_url=store.url, only_failed=True)
    assert rerun.failed == 0 and rerun.done >= 1
    after = Ledger(store, BATCH).get(killed.ref)
    assert after.status is Status.done and after.attempts == killed.attempts + 1
    run_batch(BATCH, store_url=store.url)
    assert_batch_complete(store)


def test_two_concurrent_runs_do_not_corrupt_the_ledger(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store, applicants=2)
    runs = [start_cli_run(store.url, tmp_path / f"run{i}.log") for i in range(2)]
    try:
        for run in runs:
            run.wait(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        for run in runs:
            kill_group(run)
    logs = [(tmp_path / f"run{i}.log").read_text() for i in range(2)]
    assert all(run.returncode in (0, 2) for run in runs), logs
    # The only failure a run may report is a file the other run held at the time.
    reported = {line.rsplit(": ", 1)[1] for log in logs for line in log.splitlines() if line.startswith("  failed ")}
    assert reported <= {"E_LEASE_HELD"}, logs
    assert not any("Crashed" in log for log in logs), logs
    assert_batch_complete(store)
    for applicant in ("A1", "A2"):
        Review.model_validate_json(store.get(review_key(BATCH, "u1", applicant)))


def test_store_outage_mid_batch_then_rerun_completes_everything(tmp_path, monkeypatch, short_lease):
    (tmp_path / "s3").mkdir()
    server = S3Server(dir=tmp_path / "s3", log_path=tmp_path / "rclone.log")
    server.start()
    env = {"ZCPS_STORE_URL": server.url, "ZCPS_S3_ACCESS_KEY": server.access_key,
           "ZCPS_S3_SECRET_KEY": server.secret_key, "ZCPS_S3_REGION": server.region, "ZCPS_RETRIES": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        store = open_store()
        # Full-size pages: OCR takes long enough per file that the outage lands mid-batch.
        small_batch(store, applicants=3, size=(1240, 1400))
        run = start_cli_run(store.url, tmp_path / "run.log", ZCPS_LEASE_SECONDS="2", **env)
        try:
            wait_until(lambda: Status.done in statuses(store), RUN_TIMEOUT_SECONDS, "a file done", run)
            server.stop()
            run.wait(timeout=RUN_TIMEOUT_SECONDS)
        finally:
            kill_group(run)
        output = (tmp_path / "run.log").read_text()
        assert run.returncode == 2 and "E_STORE_UNAVAILABLE" in output, output[-3000:]
        server.start()
        before = ledger_entries_raw(store)
        assert len([e for e in before if e.status is Status.done]) < len(intake_documents(store))

        time.sleep(short_lease + 0.5)
        rerun = run_batch(BATCH, store_url=store.url, only_failed=True)
        assert rerun.failed == 0
        run_batch(BATCH, store_url=store.url)
        assert_batch_complete(store)
        for entry in ledger_entries_raw(store):
            result = DocumentResult.model_validate_json(store.get(document_result_key(entry.ref)))
            assert result.sha256 == entry.sha256 == store.sha256(f"intake/{BATCH}/{entry.unit}/{entry.applicant}/docs/{entry.file}")
    finally:
        server.stop()
        get_settings.cache_clear()


# --- what a crashed task may write to the ledger --------------------------------------------------

@pytest.mark.parametrize("state, error, expected", [
    ("done", LeaseConflict("held"), Status.done),
    ("done", StoreUnavailable("down"), Status.done),            # finished by another run meanwhile
    ("running", LeaseConflict("held"), Status.running),         # another live worker holds it
    ("running", StoreUnavailable("down"), Status.failed),       # our own stuck file: --failed picks it up
    ("running", RuntimeError("bug"), Status.failed),
    ("failed", StoreUnavailable("down"), Status.failed),
])
def test_crashed_task_never_overwrites_another_runs_entry(tmp_path, state, error, expected):
    store = open_store((tmp_path / "store").as_uri())
    ledger = Ledger(store, BATCH)
    ref = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01.png")
    ledger.claim(ref, "sha", "v1", "other-host:1")
    if state == "done":
        ledger.finish(ref, "other-host:1", "sha")
    elif state == "failed":
        ledger.fail(ref, "other-host:1", "E_CORRUPT_FILE", "bad")
    result = crashed_result(ref, error, ledger)
    assert result.status is Status.failed and result.errors[0].code == error_code(error)
    assert ledger.get(ref).status is expected
