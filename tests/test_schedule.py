"""``zcps serve`` against a real Prefect server: the deployment and its cron schedule show up in
``prefect deployment ls``; the schedule settings are checked before anything is registered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from support.s3_server import free_loopback_port
from flows.schedule import plan_schedule
from zcps.errors import ConfigError, InvalidKey
from zcps.settings import Settings

BIN = Path(sys.executable).parent
SERVER_START_SECONDS = 90
DEPLOYMENT_SECONDS = 60


@pytest.mark.parametrize("env, batch, expected", [
    ({}, None, ("zcps-2024", "2024", "0 2 18 7 *", "Asia/Shanghai")),
    ({"schedule_batch": "2025"}, None, ("zcps-2025", "2025", "0 2 18 7 *", "Asia/Shanghai")),
    ({"schedule_cron": "30 1 * 7 1-5", "schedule_timezone": "UTC"}, "2024b",
     ("zcps-2024b", "2024b", "30 1 * 7 1-5", "UTC")),
])
def test_plan_schedule_from_settings(env, batch, expected):
    plan = plan_schedule(batch, Settings(**env))
    assert (plan.deployment, plan.batch, plan.cron, plan.timezone) == expected
    assert plan.full_name == f"batch_review/{expected[0]}"


@pytest.mark.parametrize("env, batch, error", [
    ({"schedule_cron": "61 2 18 7 *"}, None, ConfigError),   # minute out of range: a near miss
    ({"schedule_cron": "0 2 18 7"}, None, ConfigError),      # four fields
    ({"schedule_timezone": "Asia/Shanghia"}, None, ConfigError),
    ({}, "2024/u1", InvalidKey),
    ({}, "..", InvalidKey),
])
def test_plan_schedule_rejects_bad_settings(env, batch, error):
    with pytest.raises(error):
        plan_schedule(batch, Settings(**env))


def _wait_healthy(api_url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"prefect server exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"prefect server not healthy within {SERVER_START_SECONDS}s:\n{log.read_text()[-3000:]}")


def _deployments(env: dict[str, str]) -> list[dict]:
    listed = subprocess.run([str(BIN / "prefect"), "deployment", "ls", "--output", "json"], env=env,
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        return []
    return json.loads(listed.stdout or "[]")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def test_serve_registers_the_scheduled_deployment(tmp_path):
    port = free_loopback_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api_url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_CLI_COLORS": "false",
           "ZCPS_STORE_URL": (tmp_path / "store").as_uri(), "ZCPS_SCHEDULE_BATCH": "2024",
           "ZCPS_SCHEDULE_CRON": "0 2 18 7 *", "ZCPS_SCHEDULE_TIMEZONE": "Asia/Shanghai"}
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    with server_log.open("wb") as out:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    serving = None
    try:
        _wait_healthy(api_url, server, server_log)
        with serve_log.open("wb") as out:
            serving = subprocess.Popen([str(BIN / "zcps"), "serve", "--batch", "2024"], env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + DEPLOYMENT_SECONDS
        found = []
        while not found and time.monotonic() < deadline:
            assert serving.poll() is None, f"zcps serve exited:\n{serve_log.read_text()[-3000:]}"
            found = [d for d in _deployments(env) if d.get("name") == "zcps-2024"]
            if not found:
                time.sleep(1)
        assert found, f"deployment never listed:\n{serve_log.read_text()[-3000:]}"
        deployment = found[0]
        assert deployment["parameters"] == {"batch": "2024"}
        schedules = [s["schedule"] for s in deployment["schedules"]]
        assert [(s["cron"], s["timezone"]) for s in schedules] == [("0 2 18 7 *", "Asia/Shanghai")]
        assert all(s["active"] for s in deployment["schedules"])
    finally:
        if serving is not None:
            _stop(serving)
        _stop(server)
