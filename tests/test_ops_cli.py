"""Operations as an operator meets them, through the real CLI in subprocesses: every failure before
a run is one line with its code and the README's exit code, `zcps status` keys are whole, and a
SIGKILLed run leaves no Prefect server behind and no lease that blocks a rerun on the same host."""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
import urllib3

from support.batch_samples import BATCH, small_batch
from support.s3_server import S3Server, free_loopback_port
from storage.factory import open_store
from storage.layout import ledger_documents_prefix, ledger_key, ledger_summary_key_of
from storage.ledger import Ledger, LedgerEntry
from storage.ledger_summary import ApplicantLedger, SummarizedEntry
from storage.s3 import translate_error
from zcps.errors import ExitCode, InvalidKey, StoreAccessDenied, StoreUnavailable
from zcps.models import DocumentRef, Status
from cli.runtime import QuietConsole, TracebackFree, quiet

ZCPS = str(Path(sys.executable).parent / "zcps")


def zcps(*args: str, env: dict[str, str] | None = None, unprivileged: bool = False,
         timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the CLI; ``unprivileged`` drops root's permission override, so a read-only folder really refuses."""
    command = [ZCPS, *args]
    if unprivileged and os.geteuid() == 0:
        command = [shutil.which("setpriv"), "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    full_env = {**os.environ, "ZCPS_RETRY_DELAY_SECONDS": "0.2", **(env or {})}
    full_env.pop("PREFECT_API_URL", None)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=full_env)


def s3_env(server: S3Server, **overrides: str) -> dict[str, str]:
    return {"ZCPS_STORE_URL": server.url, "ZCPS_S3_ACCESS_KEY": server.access_key,
            "ZCPS_S3_SECRET_KEY": server.secret_key, "ZCPS_S3_REGION": server.region,
            "ZCPS_S3_SECURE": "false", "ZCPS_BUCKET_PREFIX": "", **overrides}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """A writable local store, a read-only local store and a read-only S3 server, each holding batch 2024."""
    root = tmp_path_factory.mktemp("ops")
    writable = open_store((root / "writable").as_uri())
    small_batch(writable, applicants=1, pages=1)
    read_only = root / "read-only"
    shutil.copytree(root / "writable", read_only)
    served = root / "served"
    shutil.copytree(root / "writable", served, ignore=shutil.ignore_patterns(".zcps-*"))
    server = S3Server(dir=served, log_path=root / "rclone.log", flags=("--read-only",))
    server.start()
    for folder in [read_only, *read_only.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o555)
    try:
        yield {"local": {"ZCPS_STORE_URL": writable.url}, "read-only local": {"ZCPS_STORE_URL": read_only.as_uri()},
               "read-only s3": s3_env(server), "s3, wrong secret": s3_env(server, ZCPS_S3_SECRET_KEY="not-the-secret"),
               "closed port": s3_env(server, ZCPS_STORE_URL=f"s3://127.0.0.1:{free_loopback_port()}")}
    finally:
        server.stop()
        for folder in [read_only, *read_only.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)


RUN = ["run", "--batch", BATCH]
STATUS = ["status", "--batch", BATCH]


@pytest.mark.parametrize(("store", "args", "code", "error", "says", "never_says"), [
    ("local", ["run", "--batch", "2O24"], ExitCode.config_error, "E_UNKNOWN_BATCH", "batches there: 2024", "0 done"),
    ("local", ["status", "--batch", "2O24"], ExitCode.config_error, "E_UNKNOWN_BATCH", "batches there: 2024", "no files"),
    ("local", ["rerun", "--batch", "2O24", "--failed"], ExitCode.config_error, "E_UNKNOWN_BATCH", "2024", "0 done"),
    ("local", [*RUN, "--unit", "u9"], ExitCode.config_error, "E_UNKNOWN_BATCH", "units there: u1", "0 done"),
    ("local", ["report", "--batch", "2O24"], ExitCode.config_error, "E_UNKNOWN_BATCH", "batches there: 2024", "html"),
    ("local", ["status", "--batch", BATCH], ExitCode.ok, None, "no files", "Traceback"),  # near miss: batch exists
    ("closed port", RUN, ExitCode.store_unavailable, "E_STORE_UNAVAILABLE", "connection refused", "--failed"),
    ("closed port", STATUS, ExitCode.store_unavailable, "E_STORE_UNAVAILABLE", "connection refused", "--failed"),
    ("read-only s3", RUN, ExitCode.config_error, "E_STORE_DENIED", "read-only", "--failed"),
    ("read-only s3", STATUS, ExitCode.ok, None, "no files", "E_STORE"),  # reading a read-only store works
    ("s3, wrong secret", RUN, ExitCode.config_error, "E_STORE_DENIED", "ZCPS_S3_SECRET_KEY", "--failed"),
    ("read-only local", RUN, ExitCode.config_error, "E_STORE_DENIED", "Permission denied", "--failed"),
    ("read-only local", STATUS, ExitCode.ok, None, "no files", "E_STORE"),
    ("local", ["status", "--batch", "a/b"], ExitCode.config_error, "E_BAD_KEY", "one non-empty key segment", "a/b/"),
    ("local", ["models", "install", "--dir", "/proc/zcps-models"], ExitCode.config_error, "E_IO", "/proc/zcps-models",
     "internal error"),
    ("local", ["run"], ExitCode.config_error, None, "Missing option '--batch'", "Traceback"),
    ("local", ["ocr", "/dev/null/missing.jpg"], ExitCode.config_error, None, "does not exist", "Traceback"),
])
def test_errors_before_a_run_are_one_line_with_code_and_exit_code(stores, store, args, code, error, says, never_says):
    result = zcps(*args, env=stores[store], unprivileged=store == "read-only local")
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert says in output and never_says not in output, output
    assert "Traceback" not in output, output
    if error:
        assert result.stderr.splitlines() == [line for line in result.stderr.splitlines() if error in line], output
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == "", output


def test_verbose_shows_the_traceback_the_default_hides(stores):
    quiet = zcps("run", "--batch", "2O24", env=stores["local"])
    verbose = zcps("run", "--batch", "2O24", "-v", env=stores["local"])
    assert (quiet.returncode, verbose.returncode) == (ExitCode.config_error, ExitCode.config_error)
    assert "Traceback" not in quiet.stderr and "Traceback" in verbose.stderr
    assert quiet.stderr.strip().splitlines()[-1] == verbose.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("logger", "exc", "verbose", "shown", "traceback_shown"), [
    ("zcps.flow", True, False, True, False),
    ("zcps.flow", True, True, True, True),
    ("zcps.flow", False, False, True, False),
    ("prefect.task_runs", True, False, False, False),   # names the key of the failed file: summary says it
    ("prefect.flow_runs", False, False, False, False),
    ("prefect.task_runs", True, True, True, True),
    ("prefect.server", False, False, True, False),      # near miss: not a run logger
])
def test_console_hides_tracebacks_and_prefect_run_records_without_verbose(logger, exc, verbose, shown,
                                                                          traceback_shown):
    console, sink = io.StringIO(), io.StringIO()
    console_handler = quiet(logging.StreamHandler(console), verbose)
    sink_handler = logging.StreamHandler(sink)  # a log file or log store: always the whole record
    for handler in (console_handler, sink_handler):
        handler.setFormatter(quiet_formatter(handler, logging.Formatter("%(message)s")))
    record_logger = logging.Logger(f"{logger}.probe")  # unregistered: nothing another test set reaches it
    record_logger.addHandler(console_handler)
    record_logger.addHandler(sink_handler)
    try:
        raise RuntimeError("inner detail")
    except RuntimeError:
        record_logger.error("task failed", exc_info=exc)
    assert ("task failed" in console.getvalue()) is shown
    assert ("Traceback" in console.getvalue()) is traceback_shown
    assert "task failed" in sink.getvalue()
    assert ("Traceback" in sink.getvalue()) is exc  # the console's quiet copy left the shared record whole


def quiet_formatter(handler: logging.Handler, formatter: logging.Formatter) -> logging.Formatter:
    return TracebackFree(formatter) if isinstance(handler.formatter, TracebackFree) else formatter


@pytest.mark.parametrize("verbose_after", [True, False])
def test_quieting_a_console_twice_or_undoing_it_leaves_one_layer(verbose_after):
    handler = quiet(quiet(logging.StreamHandler(io.StringIO()), False), False)
    quiet(handler, verbose_after)
    assert sum(isinstance(f, QuietConsole) for f in handler.filters) == (0 if verbose_after else 1)
    assert isinstance(handler.formatter, TracebackFree) is not verbose_after
    assert not isinstance(getattr(handler.formatter, "inner", None), TracebackFree)


ODD_FILES = ["长" * 70 + ".png", "scan with spaces.png", "sub/deeper/p.png", "a" * 200 + ".pdf", "-dash.jpg"]


@pytest.fixture
def odd_ledger(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    now = datetime.now(UTC)
    for number, name in enumerate(ODD_FILES):
        ref = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file=name)
        entry = LedgerEntry.new(ref, status=Status.failed if number % 2 else Status.done, attempts=1,
                                error_code="E_CORRUPT_FILE" if number % 2 else None,
                                error_message="cannot decode\tthe file" if number % 2 else None, updated_at=now)
        store.put(ledger_key(ref), entry.model_dump_json().encode())
    return store


@pytest.mark.parametrize("failed_only", [False, True])
def test_status_piped_prints_whole_keys_one_line_each(odd_ledger, failed_only):
    result = zcps(*STATUS, *(["--failed"] if failed_only else []), "--store", odd_ledger.url)
    assert result.returncode == ExitCode.files_failed, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["file", "status", "attempts", "error"]
    rows = [line.split("\t") for line in lines[1:] if "\t" in line]
    expected = [f"u1/A1/{name}" for number, name in sorted(enumerate(ODD_FILES), key=lambda p: f"u1/A1/{p[1]}")
                if not failed_only or number % 2]
    assert [row[0] for row in rows] == expected
    assert all(len(row) == 4 for row in rows)
    assert lines[-2:] == ["status (5 files): done 3, failed 2", "errors: E_CORRUPT_FILE 2"]


def test_status_json_has_every_file_and_the_counts(odd_ledger):
    result = zcps(*STATUS, "--json", "--store", odd_ledger.url)
    assert result.returncode == ExitCode.files_failed, result.stderr
    report = json.loads(result.stdout)
    assert sorted(row["key"] for row in report["files"]) == sorted(f"u1/A1/{name}" for name in ODD_FILES)
    assert {row["status"] for row in report["files"]} == {"done", "failed"}
    assert report["summary"]["by_error_code"] == {"E_CORRUPT_FILE": 2}
    assert report["summary"]["total"] == len(ODD_FILES)


def wait_for(condition, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, f"the run ended (exit {process.returncode}) too early"
        time.sleep(0.2)
    raise AssertionError("timed out")


def running_entries(store) -> list[LedgerEntry]:
    entries = [LedgerEntry.model_validate_json(store.get(key)) for key in store.list(ledger_documents_prefix(BATCH))]
    return [entry for entry in entries if entry.status is Status.running]


@pytest.mark.models
def test_sigkill_leaves_no_prefect_server_and_a_same_host_rerun_completes_at_once(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store, applicants=1, pages=3)
    env = {**os.environ, "ZCPS_STORE_URL": store.url}
    env.pop("PREFECT_API_URL", None)
    env.pop("ZCPS_LEASE_SECONDS", None)  # the default 900 s: only the dead holder can void the lease
    run = subprocess.Popen([ZCPS, *RUN, "--concurrency", "1"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: bool(running_entries(store)), 180, run)
        family = psutil.Process(run.pid).children(recursive=True)
        assert any("zcps.prefect_api" in " ".join(child.cmdline()) for child in family), "the server is ours"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        _, alive = psutil.wait_procs(family, timeout=15)
        assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], alive
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    [killed] = running_entries(store)
    assert killed.lease_expires_at > datetime.now(UTC), "the lease itself has not expired"

    status = json.loads(zcps(*STATUS, "--json", env=env).stdout)
    stale = [row["key"] for row in status["files"] if row["stale"]]
    assert stale == [killed.ref.label]
    rerun = zcps("rerun", "--batch", BATCH, *stale, env=env)
    output = rerun.stdout + rerun.stderr
    assert "E_LEASE_HELD" not in output, output
    # The applicant's files the killed run never reached keep its review from being rebuilt yet (E_REVIEW_INPUTS).
    assert rerun.returncode == ExitCode.ok or (rerun.returncode == ExitCode.files_failed
                                               and "failed (review)" in output and "E_REVIEW_INPUTS" in output), output
    assert Ledger(store, BATCH).get(killed.ref).status is Status.done
    finish = zcps(*RUN, env=env)
    assert finish.returncode == ExitCode.ok, finish.stdout + finish.stderr
    assert {entry.status for entry in Ledger(store, BATCH).entries()} == {Status.done}


BUG_PROBE = """
import sys
from cli import main, status_view

def broken(*args, **kwargs):
    raise RuntimeError("detail that may hold 张三 150102198503152317")

status_view.print_status = broken
sys.argv = ["zcps", *sys.argv[1:]]
main.main()
"""


@pytest.mark.parametrize(("verbose", "traceback_shown"), [(False, False), (True, True)])
def test_a_bug_is_one_line_exit_1_and_never_echoes_its_message(tmp_path, verbose, traceback_shown):
    args = ["status", "--batch", BATCH, "--store", (tmp_path / "store").as_uri(), *(["-v"] if verbose else [])]
    result = subprocess.run([sys.executable, "-c", BUG_PROBE, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == ExitCode.internal_error, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("internal error [E_INTERNAL]: RuntimeError") and "-v" in last
    assert "张三" not in last and "150102198503152317" not in last
    assert ("Traceback" in result.stderr) is traceback_shown
    if not verbose:
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("errno_value", "operation", "expected"), [
    (errno.EACCES, "put", StoreAccessDenied),
    (errno.EROFS, "put", StoreAccessDenied),
    (errno.EPERM, "get", StoreAccessDenied),
    (errno.EACCES, "list", StoreAccessDenied),
    (errno.ENOSPC, "put", StoreUnavailable),
    (errno.ENAMETOOLONG, "put", InvalidKey),
    (errno.EIO, "get", OSError),                 # near miss: not a refusal, raised as it is
])
def test_local_store_maps_refusals_to_store_errors(tmp_path, monkeypatch, errno_value, operation, expected):
    store = open_store((tmp_path / "store").as_uri())
    store.put("work/x/item.json", b"{}")

    def refuse(*args, **kwargs):
        raise OSError(errno_value, os.strerror(errno_value))

    target = {"put": (tempfile, "mkstemp"), "get": (Path, "read_bytes"), "list": (os, "scandir")}[operation]
    monkeypatch.setattr(*target, refuse)
    call = {"put": lambda: store.put("work/x/new.json", b"{}"), "get": lambda: store.get("work/x/item.json"),
            "list": lambda: list(store.list("work/"))}[operation]
    with pytest.raises(expected) as raised:
        call()
    assert type(raised.value) is expected or expected is OSError
    if expected is StoreAccessDenied:
        assert str(tmp_path / "store") in raised.value.hint


@pytest.mark.parametrize(("exc", "says"), [
    (urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused")), "connection refused"),
    (urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.NameResolutionError(
        "minio.invalid", None, socket.gaierror("Name or service not known"))), "host name not found"),
    (urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.ConnectTimeoutError(None, "timed out")),
     "connection timed out"),
    (urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.ResponseError("too many 500 error responses")),
     "the server kept answering with errors: too many 500 error responses"),
    (ConnectionResetError("reset"), "ConnectionResetError talking to the object store"),
])
def test_s3_connection_failures_say_what_happened(exc, says):
    error = translate_error(exc, "intake/2024/")
    assert isinstance(error, StoreUnavailable)
    assert error.detail == f"intake/2024/: {says}"


SERVER_PROBE = """
import sys, time
from zcps.prefect_api import temporary_server

server = temporary_server()
print(server.process.pid, server.api_url, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_temporary_prefect_server_dies_with_its_process(how):
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    owner = subprocess.Popen([sys.executable, "-c", SERVER_PROBE], stdout=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
    try:
        pid, api_url = owner.stdout.readline().split()
        server = psutil.Process(int(pid))
        assert server.ppid() == owner.pid and "zcps.prefect_api" in " ".join(server.cmdline())
        import httpx

        assert httpx.get(f"{api_url}/health", timeout=5).status_code == 200
        owner.send_signal(how)
        owner.wait(timeout=30)
        _, alive = psutil.wait_procs([server], timeout=10)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], "an orphaned Prefect server"
    finally:
        if owner.poll() is None:
            os.killpg(owner.pid, signal.SIGKILL)
        owner.stdout.close()


@pytest.mark.parametrize(("codes", "advice"), [
    (["E_CORRUPT_FILE"], "Re-run the failed files with: zcps rerun --batch 2024 --failed"),
    (["E_LEASE_HELD", "E_CORRUPT_FILE"], "Re-run the failed files with: zcps rerun --batch 2024 --failed"),
    (["E_LEASE_HELD", "E_LEASE_HELD"], "Other running workers hold these files"),
])
def test_rerun_advice_fits_the_failures(codes, advice):
    from cli.batch import rerun_advice

    assert rerun_advice(BATCH, codes).startswith(advice)


@pytest.mark.parametrize(("seconds", "says"), [
    ("0.001", "did not answer within 0 s"),      # far too short: the named setting is the fix
    ("0", "prefect_start_seconds"),              # near miss: zero is refused as a setting, not waited for
])
def test_temporary_prefect_server_wait_is_a_setting_the_error_names(seconds, says):
    probe = ("from zcps.prefect_api import TemporaryServer\n"
             "from zcps.errors import ZcpsError\n"
             "try:\n"
             "    server = TemporaryServer()\n"
             "    try:\n"
             "        server.wait_until_healthy()\n"
             "    finally:\n"
             "        server.stop()\n"
             "except ZcpsError as exc:\n"
             "    print(exc.message)\n"
             "except Exception as exc:\n"
             "    print(type(exc).__name__, exc)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ZCPS_PREFECT_START_SECONDS": seconds})
    assert says in done.stdout
    if seconds != "0":
        assert "ZCPS_PREFECT_START_SECONDS" in done.stdout


def _forge_summary(store) -> None:
    """A summary whose versions match the entries but whose copies all say done (a bug, a bad restore)."""
    listed = dict(store.list_versions(ledger_documents_prefix(BATCH)))
    forged = ApplicantLedger(entries={
        key: SummarizedEntry(version=version, entry=LedgerEntry.model_validate_json(store.get(key)).model_copy(
            update={"status": Status.done, "error_code": None, "error_message": None}))
        for key, version in listed.items()})
    store.put(ledger_summary_key_of(next(iter(listed))), forged.model_dump_json().encode())


# damage, extra flags → failed files that `zcps status --json` shows
STATUS_REBUILD = {
    "no summaries yet: read from the entries": (None, [], 2),
    "forged summary with matching versions is trusted without --rebuild": (_forge_summary, [], 0),
    "forged summary, --rebuild reads the entries": (_forge_summary, ["--rebuild"], 2),
}


@pytest.mark.parametrize("case", sorted(STATUS_REBUILD))
def test_status_rebuild_rebuilds_summaries_from_the_entries(odd_ledger, case):
    damage, flags, failed = STATUS_REBUILD[case]
    zcps(*STATUS, "--json", "--store", odd_ledger.url)  # writes the summaries
    if damage:
        damage(odd_ledger)
    result = zcps(*STATUS, "--json", *flags, "--store", odd_ledger.url)
    report = json.loads(result.stdout)
    assert report["summary"]["by_status"]["failed"] == failed
    assert result.returncode == (ExitCode.files_failed if failed else ExitCode.ok)
    assert len(report["files"]) == len(ODD_FILES)
