"""Least privilege and observability with real servers.

One batch runs with its intake on a read-only ``rclone serve s3`` and everything else on a second
server, credentials from secret files only, every log record captured at DEBUG (Prefect's run
loggers at INFO) through the zcps JSON formatter. Then: intake is untouched, credentials and
personal data appear in no log line and no output byte, and log lines carry the context fields.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import subprocess
import uuid
from pathlib import Path

import pytest
from zcps.idcard import with_check_digit

from support.s3_server import S3Server
from flows.runner import run_batch
from zcps.pseudonym import make_pseudonym
from storage.factory import open_store
from storage.local import LocalStore
from storage.routed import RoutedStore
from storage.s3 import S3Store
from zcps.models import DocumentRef
from support.batch_samples import BATCH, manifest_dict, page_png
from zcps.errors import ConfigError, StoreAccessDenied, ZcpsError
from zcps.logs import ContextFilter, install, log_context
from zcps.resources import rclone_path
from zcps.settings import Settings, get_settings

pytestmark = [pytest.mark.s3, pytest.mark.models]

ACCESS_KEY = f"zcpsaudit{uuid.uuid4().hex[:8]}"
SECRET_KEY = f"Sx{uuid.uuid4().hex}"
PSEUDONYM_KEY = f"pk-{uuid.uuid4().hex[:12]}"
NAME = "司马翠芳"
ID_BODY = "15010219880715003"
ID_NUMBER = with_check_digit(ID_BODY)
PHONE = "13947158263"
ADDRESS = "呼伦贝尔市海拉尔区胜利大街88号"
PII = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}
PAGES = {f"01_title_{NAME}{ID_NUMBER}.png": ["专业技术资格证书", f"姓名：{NAME}", f"身份证号：{ID_NUMBER}", "资格名称：助理工程师"],
         "02_assessment.png": ["年度考核登记表", f"姓名：{NAME}", "考核年度：2023年", "考核结果：称职"]}


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _serve(server: S3Server, *flags: str) -> None:
    command = [str(rclone_path()), "serve", "s3", *flags, "--addr", server.endpoint,
               "--auth-key", f"{server.access_key},{server.secret_key}", "--config", "/dev/null", str(server.dir)]
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server._wait_until_answering()


def tree_digest(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _write_intake(folder: Path) -> None:
    applicant = folder / "intake" / BATCH / "u1" / "A1"
    (applicant / "docs").mkdir(parents=True)
    manifest = manifest_dict("A1", list(PAGES), **PII)
    (applicant / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    for name, lines in PAGES.items():
        (applicant / "docs" / name).write_bytes(page_png(lines))


@pytest.fixture(scope="module")
def secured_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("secured")
    servers = {}
    for role in ("intake", "main"):
        (root / role).mkdir()
        servers[role] = S3Server(dir=root / role, log_path=root / f"{role}.log", access_key=ACCESS_KEY,
                                 secret_key=SECRET_KEY)
    _write_intake(servers["intake"].dir)
    (root / "access").write_text(ACCESS_KEY + "\n")
    (root / "secret").write_text(SECRET_KEY + "\n")
    env = {"ZCPS_STORE_URL": servers["main"].url, "ZCPS_INTAKE_STORE_URL": servers["intake"].url,
           "ZCPS_S3_ACCESS_KEY_FILE": str(root / "access"), "ZCPS_S3_SECRET_KEY_FILE": str(root / "secret"),
           "ZCPS_PSEUDONYM_KEY": PSEUDONYM_KEY}
    captured = Captured()
    # The root sees every propagating logger (Prefect's run loggers included); these two do not propagate.
    loggers = [logging.getLogger(name) for name in ("", "prefect._internal", "prefect.extra")]
    with pytest.MonkeyPatch.context() as patch:
        for name in ("ZCPS_S3_ACCESS_KEY", "ZCPS_S3_SECRET_KEY"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        _serve(servers["intake"], "--read-only")
        _serve(servers["main"])
        intake_before = tree_digest(servers["intake"].dir)
        install(captured, "json")
        for logger in loggers:
            logger.addHandler(captured)
        tuned = {"": logging.DEBUG, "zcps": logging.DEBUG, "prefect": logging.INFO}
        previous = {name: logging.getLogger(name).level for name in tuned}
        for name, level in tuned.items():
            logging.getLogger(name).setLevel(level)
        try:
            summary = run_batch(BATCH)
            store = open_store()
            yield {"summary": summary, "store": store, "servers": servers, "logs": captured.lines,
                   "intake_before": intake_before, "root": root}
        finally:
            for logger in loggers:
                logger.removeHandler(captured)
            for name, level in previous.items():
                logging.getLogger(name).setLevel(level)
            for server in servers.values():
                server.stop()
            get_settings.cache_clear()


def test_batch_succeeds_with_read_only_intake_and_leaves_it_untouched(secured_run):
    summary, servers = secured_run["summary"], secured_run["servers"]
    assert (summary.done, summary.failed, summary.applicants) == (2, 0, 1), summary.failures
    assert tree_digest(servers["intake"].dir) == secured_run["intake_before"]
    written = {path.relative_to(servers["main"].dir).parts[0] for path in servers["main"].dir.rglob("*") if path.is_file()}
    assert "intake" not in written and {"work", "results", "release"} <= written


@pytest.mark.parametrize("key", [f"intake/{BATCH}/u1/A1/docs/03_new.png", f"intake/{BATCH}/u1/A1/manifest.json"])
def test_pipeline_cannot_write_to_intake(secured_run, key):
    store = secured_run["store"]
    assert isinstance(store, RoutedStore)
    with pytest.raises(StoreAccessDenied):
        store.put(key, b"tampered")
    with pytest.raises(StoreAccessDenied):
        store.delete(key)
    # The server refuses too (rclone answers a read-only write with HTTP 500, MinIO with 403).
    with pytest.raises(ZcpsError):
        store.routes["intake"].put(key, b"tampered")
    assert tree_digest(secured_run["servers"]["intake"].dir) == secured_run["intake_before"]


def test_pipeline_still_writes_its_own_areas(secured_run):
    store = secured_run["store"]
    key = f"results/{BATCH}/probe-{uuid.uuid4().hex[:6]}"
    store.put(key, b"ok")
    assert store.get(key) == b"ok"
    store.delete(key)


def _output_bytes(root: Path) -> list[tuple[str, bytes]]:
    return [(path.as_posix(), path.read_bytes()) for path in sorted(root.rglob("*")) if path.is_file()]


@pytest.mark.parametrize("secret", [SECRET_KEY, ACCESS_KEY])
def test_credentials_appear_in_no_log_report_or_url(secured_run, secret):
    logs = secured_run["logs"]
    assert len(logs) > 20, "the capture saw the run"
    assert not [line for line in logs if secret in line]
    leaked = [name for name, data in _output_bytes(secured_run["servers"]["main"].dir) if secret.encode() in data]
    assert not leaked
    store = secured_run["store"]
    assert secret not in store.url and secret not in repr(store)
    assert secret.encode() not in pickle.dumps(store) and secret not in repr(get_settings())


@pytest.mark.parametrize("kind", sorted(PII))
def test_personal_data_appears_in_no_log_line(secured_run, kind):
    value = PII[kind]
    assert [line for line in secured_run["logs"] if value in line] == []


def test_log_lines_carry_context_fields_with_the_pseudonym(secured_run):
    records = [json.loads(line) for line in secured_run["logs"]]
    documents = [r for r in records if r["logger"] == "zcps.flow" and r.get("stage") == "document"]
    # The file field is the key's hash: file names carry names and ID numbers (see PAGES).
    assert {r["file"] for r in documents} == {DocumentRef(batch=BATCH, unit="u1", applicant="A1", file=name).log_id
                                              for name in PAGES}
    pseudonym = make_pseudonym(PSEUDONYM_KEY, BATCH, "A1")
    assert {(r["batch"], r["unit"], r["applicant"]) for r in documents} == {(BATCH, "u1", pseudonym)}
    task_runs = [r for r in records if r["logger"] == "prefect.task_runs"]
    assert {r.get("stage") for r in task_runs} >= {"document", "review", "release", "reports"}
    assert not [r for r in records if r.get("applicant") == "A1"], "the applicant id never appears as a field"


# --- the routed store and the log formatter, without servers --------------------------------------

@pytest.mark.parametrize("key, where", [
    ("intake/2024/u1/A1/manifest.json", "intake"), ("intake-old/2024/x", "main"), ("work/ocr/ab.json", "main"),
    ("results/2024/u1/A1/review.json", "main"), ("release/2024/u1/P-1/review.json", "main"),
])
def test_routed_store_sends_each_area_to_its_store(tmp_path, key, where):
    stores = {"main": LocalStore(tmp_path / "main"), "intake": LocalStore(tmp_path / "intake")}
    routed = RoutedStore(stores["main"], {"intake": stores["intake"]})
    routed.put(key, b"x")
    assert [name for name, store in stores.items() if store.exists(key)] == [where]
    assert list(routed.list("")) == [key] and list(routed.list(key.split("/")[0] + "/")) == [key]


def test_routed_url_rebuilds_the_same_routing(tmp_path, monkeypatch):
    monkeypatch.setenv("ZCPS_INTAKE_STORE_URL", (tmp_path / "intake").as_uri())
    get_settings.cache_clear()
    try:
        routed = open_store((tmp_path / "main").as_uri())
        assert isinstance(routed, RoutedStore) and routed.read_only == {"intake"}
        rebuilt = open_store(routed.url)
        assert rebuilt.url == routed.url and rebuilt.routes["intake"].url == (tmp_path / "intake").as_uri()
        assert open_store((tmp_path / "intake").as_uri()).url == (tmp_path / "intake").as_uri()
        with pytest.raises(ConfigError):
            open_store(f"routed://?default={routed.url}")
        with pytest.raises(ConfigError):
            open_store("routed://?intake=file:///tmp/x")
    finally:
        get_settings.cache_clear()


def test_secret_files_are_read_and_never_shown(tmp_path):
    (tmp_path / "secret").write_text(SECRET_KEY + "\n")
    settings = Settings(s3_access_key="reader", s3_secret_key_file=tmp_path / "secret")
    assert settings.s3_secret_key.get_secret_value() == SECRET_KEY
    assert SECRET_KEY not in repr(settings) and SECRET_KEY not in settings.model_dump_json()
    store = S3Store("127.0.0.1:9", "reader", SECRET_KEY)
    assert SECRET_KEY not in store.url and SECRET_KEY.encode() not in pickle.dumps(store)


def _format(log_format: str, **fields) -> str:
    handler = install(Captured(), log_format)
    record = logging.LogRecord("zcps.flow", logging.INFO, __file__, 1, "document %s done", ("u1/A1/x.png",), None)
    with log_context(**fields):
        assert all(f.filter(record) for f in handler.filters if isinstance(f, ContextFilter))
    return handler.format(record)


@pytest.mark.parametrize("fields, expected", [
    ({"batch": "2024", "unit": "u1", "applicant": "A1", "file": "x.png", "stage": "document"},
     {"batch": "2024", "unit": "u1", "applicant": make_pseudonym("zcps-dev-key-change-me", "2024", "A1"),
      "file": "x.png", "stage": "document"}),
    ({"unit": "u1", "applicant": "A1"}, {"unit": "u1"}),  # no batch, no pseudonym: the id is dropped
    ({}, {}),
])
def test_json_lines_carry_only_pseudonymised_fields(fields, expected, monkeypatch):
    monkeypatch.delenv("ZCPS_PSEUDONYM_KEY", raising=False)
    get_settings.cache_clear()
    line = json.loads(_format("json", **fields))
    assert {k: line[k] for k in ("batch", "unit", "applicant", "file", "stage") if k in line} == expected
    assert line["message"] == "document u1/A1/x.png done" and line["level"] == "INFO"
    get_settings.cache_clear()


@pytest.mark.parametrize("fields, tail", [
    ({"batch": "2024", "stage": "review"}, "batch=2024 stage=review"),
    ({"batch": "2024", "file": "a b.png"}, 'batch=2024 file="a b.png"'),
    ({}, "document u1/A1/x.png done"),
])
def test_text_lines_end_with_key_value_fields(fields, tail):
    assert _format("text", **fields).endswith(tail)
