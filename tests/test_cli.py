"""The CLI as a user meets it: documented exit codes, no tracebacks, Ctrl-C stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from support.batch_samples import BATCH, small_batch
from storage.factory import open_store

ZCPS = str(Path(sys.executable).parent / "zcps")


def _zcps(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([ZCPS, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(("args", "env", "code", "says"), [
    (["--help"], {}, 0, "zcps"),
    (["rerun", "--batch", "2024"], {}, 3, "--failed"),
    (["status", "--batch", "2024"], {"ZCPS_STORE_URL": "ftp://example.invalid"}, 3, "configuration error"),
    (["status", "--batch", "2024"], {"ZCPS_STORE_URL": "s3://127.0.0.1:9"}, 3, "configuration error"),
    (["ocr", "/dev/null/missing.jpg"], {}, 3, "does not exist"),  # usage errors are 3, never 2 (files failed)
])
def test_exit_codes_and_messages(tmp_path, args, env, code, says):
    result = _zcps(*args, env=env)
    assert result.returncode == code, result.stderr
    assert says in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_single_file_input_error_is_code_4(tmp_path):
    text_as_jpeg = tmp_path / "scan.jpg"
    text_as_jpeg.write_text("not an image")
    result = _zcps("ocr", str(text_as_jpeg))
    assert result.returncode == 4
    assert "E_UNSUPPORTED_TYPE" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.models
def test_ctrl_c_stops_at_once_without_traceback_or_leftover_processes(tmp_path):
    store_url = (tmp_path / "store").as_uri()
    small_batch(open_store(store_url), applicants=3, pages=2)
    process = subprocess.Popen([ZCPS, "run", "--batch", BATCH, "--store", store_url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "ZCPS_LEASE_SECONDS": "2"})
    ledger_dir = tmp_path / "store" / "results" / BATCH / "state"
    deadline = time.monotonic() + 120
    while not ledger_dir.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    psutil.wait_procs(children, timeout=10)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
