"""The temporary Prefect server's environment: the services zcps has no use for are off unless the
operator's environment turns them on; the settings every temporary server needs always win."""

from __future__ import annotations

from pathlib import Path

import pytest

from zcps.prefect_api import prefect_api, server_environment, temporary_server

TRIGGERS = "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"
PERSISTER = "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED"
STREAM_OUT = "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED"


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, {TRIGGERS: "false", PERSISTER: "false", STREAM_OUT: "false"}),
    ({TRIGGERS: "true"}, {TRIGGERS: "true", PERSISTER: "false", STREAM_OUT: "false"}),  # the operator wants automations
    ({PERSISTER: "1", STREAM_OUT: "yes"}, {TRIGGERS: "false", PERSISTER: "1", STREAM_OUT: "yes"}),
    ({"PREFECT_UI_ENABLED": "1"}, {"PREFECT_UI_ENABLED": "0"}),  # near miss: the UI stays off whatever is set
    ({"PREFECT__SERVER_EPHEMERAL": "0"}, {"PREFECT__SERVER_EPHEMERAL": "1"}),
    ({"ZCPS_STORE_URL": "file:///x"}, {"ZCPS_STORE_URL": "file:///x", TRIGGERS: "false"}),  # the rest passes through
])
def test_server_environment_turns_unused_services_off_unless_asked(environ, expected):
    env = server_environment(environ)
    assert {name: env.get(name) for name in expected} == expected


def test_the_running_temporary_server_has_the_services_off(monkeypatch):
    for name in (TRIGGERS, PERSISTER, STREAM_OUT):
        monkeypatch.delenv(name, raising=False)
    with prefect_api():
        server = temporary_server()
        raw = Path(f"/proc/{server.process.pid}/environ").read_bytes()
    env = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
    # A server started earlier in this process with an operator's setting would show it; none is set here.
    assert {name: env.get(name) for name in (TRIGGERS, PERSISTER, STREAM_OUT)} == {
        TRIGGERS: "false", PERSISTER: "false", STREAM_OUT: "false"}
