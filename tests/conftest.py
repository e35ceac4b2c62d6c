"""Shared fixtures: the loopback S3 server (``support.s3_server``), run once per session, and fresh stores.

Helper modules live in ``tests/support/``; tests import them from there, never from this file.

Skip policy: a test that needs a font, browser or program that is not installed raises
``ResourceMissing`` (from ``zcps.resources``). Locally that test is skipped with the package and
the command that installs it; with ``CI=true`` it fails instead, so a green CI cannot hide a
missing install step.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import runtime

# Quiet Prefect before any test imports it (its ephemeral server logs to closed streams at exit).
runtime.configure()
# A file that cannot get an OCR slot fails within pytest's own per-test timeout instead of holding a
# flow's worker thread (and so the test) past it; the subprocesses of CLI tests inherit it.
os.environ.setdefault("ZCPS_OCR_SLOT_WAIT_SECONDS", "600")

from storage.base import ObjectStore  # noqa: E402
from storage.factory import open_store  # noqa: E402
from storage.local import LocalStore  # noqa: E402
from zcps.errors import ResourceMissing  # noqa: E402
from zcps.settings import Settings, get_settings  # noqa: E402

from support.ci import in_ci  # noqa: E402
from support.s3_server import S3Server, free_loopback_port  # noqa: E402


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


@pytest.fixture(scope="session")
def ocr_engine():
    """The real PaddleOCR engine (``-m models`` tests), built once per session."""
    from extractors.ocr import get_engine

    return get_engine()
