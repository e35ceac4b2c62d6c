"""Prefect's API for a ``zcps`` process: ``PREFECT_API_URL`` when set, else a temporary server that
zcps starts itself and that dies with it.

Prefect's own temporary server (``SubprocessASGIServer``) is stopped only by ``atexit``: after a
SIGKILL of zcps it lives on as an orphan, holding its port and its SQLite database. zcps starts the
same uvicorn app as a child process that runs a watchdog: once its parent is gone (SIGKILL
included) it exits within ``WATCHDOG_SECONDS``. A watchdog is used rather than
``PR_SET_PDEATHSIG`` because that signal fires when the *thread* that started the child ends, and
the server may be started from any thread. One server per zcps process, started on first use.

Run as ``python -m zcps.prefect_api PARENT_PID PORT`` it is that child.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping

from zcps.errors import ConfigError
from zcps.settings import get_settings

WATCHDOG_SECONDS = 0.2
_STOP_TIMEOUT_SECONDS = 5.0
# What Prefect's own temporary server sets: no UI, and the server knows it is ephemeral. Plus a
# short retry for a full concurrency limit: a waiter is not woken when a slot frees, it sleeps the
# Retry-After the server gives, which by default grows with the slot's average occupancy up to
# 30 s. An OCR slot held 5 s would then sit idle for most of that wait (PrefectHQ/prefect#23183).
SLOT_RETRY_SECONDS = 0.5
_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               "PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS": str(SLOT_RETRY_SECONDS)}
# Services this server has no use for, unless the environment asks for them: automations
# (``triggers``; a server that dies with its process runs none), the event feed of a UI it does not
# serve (``event_persister``, which writes every task-run state change to the database all zcps
# processes share) and the event stream out to subscribers (zcps subscribes to none). Task runs are
# still recorded (``task_run_recorder``). Together they were about a fifth of the server's CPU per
# task run (docs/benchmarks.md, "Where the seconds per applicant go").
_UNUSED_SERVICES_OFF = {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
                        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
                        "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false"}

_SERVER_HINT = ("Set PREFECT_API_URL to a running Prefect server (docs/operations.md, "
                "'A Prefect server and its UI').")
_START_ATTEMPTS = 2  # the free port found may be taken by someone else before the server binds it

_lock = threading.Lock()
_server: "TemporaryServer | None" = None


class TemporaryServer:
    """The uvicorn child serving Prefect's API on a loopback port."""

    def __init__(self) -> None:
        self.port = _free_port()
        # Names what this server's life creates in the database it shares: a later server on the same
        # port must not inherit state (concurrency slots held when a process was killed) whose leases
        # died with this one.
        self.token = uuid.uuid4().hex[:12]
        # A file, not a pipe: nobody reads the server's errors while it runs, and a full pipe would stall it.
        self._errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zcps.prefect_api", str(os.getpid()), str(self.port)],
            env=server_environment(os.environ), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._errors)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait_until_healthy(self) -> None:
        import httpx

        timeout = get_settings().prefect_start_seconds
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self._errors.seek(0)
                    lines = self._errors.read().decode(errors="replace").strip().splitlines()
                    detail = lines[-1][:300] if lines else "no output"
                    raise ConfigError(f"Prefect's temporary server exited with code {self.process.returncode}: {detail}",
                                      hint=_SERVER_HINT)
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                time.sleep(0.1)
        self.stop()
        raise ConfigError(f"Prefect's temporary server did not answer within {timeout:.0f} s",
                          hint=f"Raise ZCPS_PREFECT_START_SECONDS on a loaded host, or: {_SERVER_HINT}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._errors.close()


def temporary_server() -> TemporaryServer:
    """This process's temporary server, started (and health-checked) on first use."""
    global _server
    with _lock:
        for attempt in range(_START_ATTEMPTS):
            if _server is not None and _server.process.poll() is None:
                break
            server = TemporaryServer()
            atexit.register(server.stop)
            try:
                server.wait_until_healthy()
            except ConfigError:
                if attempt + 1 == _START_ATTEMPTS:
                    raise
                continue
            _server = server
        return _server


def temporary_server_token() -> str | None:
    """The token of this process's temporary server when it is the API in use, else None."""
    from prefect.settings import PREFECT_API_URL

    if _server is not None and PREFECT_API_URL.value() == _server.api_url:
        return _server.token
    return None


@contextlib.contextmanager
def prefect_api() -> Iterator[None]:
    """Run the block against ``PREFECT_API_URL``, or against this process's temporary server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    url = temporary_server().api_url
    previous = os.environ.get("PREFECT_API_URL")
    # The environment carries the URL to child processes (Dask workers); the settings context to this one.
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def server_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The temporary server's environment: ``environ`` with the unused services off unless it says
    otherwise, and the settings every temporary server needs whatever it says."""
    return {**_UNUSED_SERVICES_OFF, **environ, **_SERVER_ENV}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(0)


def _serve(parent_pid: int, port: int) -> None:
    if os.getppid() != parent_pid:  # the parent died before the watchdog could start
        return
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="zcps-parent-watchdog",
                     daemon=True).start()
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=port,
                log_level="error", lifespan="on")


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
