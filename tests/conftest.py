"""Shared fixtures: a real S3-protocol server on loopback (``rclone serve s3``) and fresh stores.

The server runs once per session; fault tests may ``stop()`` and ``start()`` it again on the same
port and folder. Note that ``rclone serve s3`` keeps user metadata in memory only, so a restart
forgets it (objects survive).

Skip policy: a test that needs a font, browser or program that is not installed raises
``ResourceMissing`` (from ``zcps.resources``). Locally that test is skipped with the package and
the command that installs it; with ``CI=true`` it fails instead, so a green CI cannot hide a
missing install step.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli import runtime

# Quiet Prefect before any test imports it (its ephemeral server logs to closed streams at exit).
runtime.configure()

from storage.base import ObjectStore  # noqa: E402
from storage.factory import open_store  # noqa: E402
from storage.local import LocalStore  # noqa: E402
from zcps.errors import ResourceMissing  # noqa: E402
from zcps.resources import rclone_path  # noqa: E402
from zcps.settings import Settings, get_settings  # noqa: E402

S3_ACCESS_KEY = "zcpstestaccesskey"
S3_SECRET_KEY = "zcpstestsecretkey0123456789"
S3_REGION = "us-east-1"
SERVER_START_TIMEOUT_SECONDS = 20.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _missing_resource(exc: ResourceMissing) -> None:
    # Raised outside the except block so the report shows the missing resource, not a chained traceback.
    if in_ci():
        pytest.fail(f"CI=true and a system resource is missing: {exc.detail}", pytrace=False)
    pytest.skip(f"system resource missing: {exc.detail}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    try:
        return (yield)
    except ResourceMissing as exc:
        missing = exc
    _missing_resource(missing)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    except ResourceMissing as exc:
        missing = exc
    _missing_resource(missing)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    dir: Path
    log_path: Path
    port: int = field(default_factory=free_loopback_port)
    access_key: str = S3_ACCESS_KEY
    secret_key: str = S3_SECRET_KEY
    region: str = S3_REGION
    flags: tuple[str, ...] = ()  # extra `rclone serve s3` flags, e.g. ("--read-only",)
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"s3://{self.endpoint}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        command = [str(rclone_path()), "serve", "s3", "--addr", self.endpoint,
                   "--auth-key", f"{self.access_key},{self.secret_key}", "--config", "/dev/null", *self.flags, str(self.dir)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_answering()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"rclone serve s3 exited early:\n{self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"rclone serve s3 did not answer on {self.endpoint} within {SERVER_START_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("s3")
    data = root / "data"
    data.mkdir()
    server = S3Server(dir=data, log_path=root / "rclone.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_loopback_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    return free_loopback_port()


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch) -> Iterator[Settings]:
    """ZCPS_* pointing at the loopback server, with a bucket prefix no other test uses."""
    env = {
        "ZCPS_STORE_URL": s3_server.url,
        "ZCPS_S3_ACCESS_KEY": s3_server.access_key,
        "ZCPS_S3_SECRET_KEY": s3_server.secret_key,
        "ZCPS_S3_REGION": s3_server.region,
        "ZCPS_S3_SECURE": "false",
        "ZCPS_BUCKET_PREFIX": f"t{uuid.uuid4().hex[:10]}-",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch) -> Iterator[Settings]:
    monkeypatch.setenv("ZCPS_STORE_URL", (tmp_path / "store").as_uri())
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request) -> ObjectStore:
    """A fresh, empty store of each kind, built the way production builds it (from ZCPS_* env)."""
    settings = request.getfixturevalue(f"{request.param}_env")
    built = open_store(settings=settings)
    assert isinstance(built, LocalStore) == (request.param == "local")
    return built
