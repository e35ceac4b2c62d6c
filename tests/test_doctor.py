"""``zcps doctor``: every check passes on a complete machine and each broken thing fails with its fix."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.models_install import CLS_ONNX
from extractors.models_int8 import int8_dir
from cli.doctor import check_int8_models, check_models, check_resource, check_rules, check_store, run_checks
from zcps.resources import FONTS, RESOURCES, resources_for
from zcps.settings import Settings, get_settings

ZCPS = str(Path(sys.executable).parent / "zcps")


def _linked_models(tmp_path: Path) -> Path:
    """A model folder of symlinks to the installed files, so a test can break one without copying 30 MB."""
    source = get_settings().model_dir
    target = tmp_path / "models"
    for path in source.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())
    return target


def _break_cls_hash(models: Path) -> None:
    for path in (models / "cls" / "inference.onnx", models / "onnx" / CLS_ONNX):
        path.unlink()
        path.write_bytes(b"not the model")


@pytest.mark.parametrize(("damage", "ok", "says"), [
    (None, True, "files and sha256 as expected"),
    (_break_cls_hash, False, "has the wrong sha256"),
    (lambda models: (models / "rec" / "inference.yml").unlink(), False, "inference.yml is missing"),
    (lambda models: (models / "det" / "inference.onnx").unlink(), False, "inference.onnx is missing"),
], ids=["installed", "wrong-hash", "missing-config", "missing-model"])
def test_models_check(tmp_path, damage, ok, says):
    models = _linked_models(tmp_path)
    if damage:
        damage(models)
    check = check_models(models)
    assert (check.ok, says in check.detail) == (ok, True), check.detail
    assert ("zcps models install" in check.detail) != ok


def _drop_int8(models: Path) -> None:
    for path in sorted(int8_dir(models).rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()


def _break_int8_det(models: Path) -> None:
    path = int8_dir(models) / "det" / "inference.onnx"
    path.unlink()
    path.write_bytes(b"not the model")


@pytest.mark.parametrize(("damage", "quantised", "ok", "says"), [
    (None, "none", True, "sha256 as expected"),
    (None, "both", True, "ZCPS_OCR_QUANTISED=both"),
    (_drop_int8, "none", True, "not installed, not used"),
    (_drop_int8, "rec", False, "rec is incomplete"),
    (_drop_int8, "det", False, "det is incomplete"),
    (_break_int8_det, "none", False, "has the wrong sha256"),
    (_break_int8_det, "rec", False, "has the wrong sha256"),
    (lambda models: (int8_dir(models) / "rec" / "inference.yml").unlink(), "none", False, "rec is incomplete"),
], ids=["installed", "installed-used", "absent-unused", "absent-rec-used", "absent-det-used", "altered-unused",
        "altered-other-used", "half-installed"])
def test_int8_models_check(tmp_path, damage, quantised, ok, says):
    models = _linked_models(tmp_path)
    if damage:
        damage(models)
    check = check_int8_models(models, quantised)
    assert (check.ok, says in check.detail) == (ok, True), check.detail
    assert ("run `zcps models install`" in check.detail and "ZCPS_OCR_QUANTISED=none" in check.detail) != ok


@pytest.mark.parametrize(("resource", "ok", "says"), [
    (FONTS["mhei"], True, "wqy-microhei.ttc"),
    (replace(FONTS["mhei"], path=Path("/nonexistent/wqy-microhei.ttc")), False,
     "apt-get install -y fonts-wqy-microhei"),
    (replace(next(r for r in RESOURCES if r.name == "chromium"), path=Path("/nonexistent/chromium")), False,
     "apt-get install -y chromium"),
    (replace(next(r for r in RESOURCES if r.name == "rclone"), package="zcps-no-such-wheel"), False,
     "pip install -e '.[test]'"),
], ids=["font", "missing-font-path", "missing-chromium", "missing-rclone"])
def test_resource_check(resource, ok, says):
    if ok:
        resource.require()  # not installed here: skipped locally, a failure under CI=true (conftest)
    check = check_resource(resource)
    assert (check.ok, says in check.detail) == (ok, True), check.detail


@pytest.mark.parametrize(("url", "ok", "says"), [
    ("local", True, "answers"),
    ("closed-port", False, "E_STORE_UNAVAILABLE"),
    ("ftp://example.invalid", False, "E_CONFIG"),
], ids=["local", "unreachable-s3", "unknown-scheme"])
def test_store_check(tmp_path, closed_loopback_port, url, ok, says):
    url = {"local": (tmp_path / "store").as_uri(),
           "closed-port": f"s3://127.0.0.1:{closed_loopback_port}"}.get(url, url)
    settings = Settings(store_url=url, s3_access_key="k", s3_secret_key="s")
    check = check_store(settings)
    assert (check.ok, says in check.detail) == (ok, True), check.detail


@pytest.mark.parametrize(("year", "ok", "says"), [
    ("2024", True, "cutoff 2024-06-30"),
    ("1999", False, "E_RULES"),
    ("20x4", False, "is not a year"),
])
def test_rules_check(year, ok, says):
    check = check_rules(year)
    assert (check.ok, says in check.detail) == (ok, True), check.detail


def test_one_line_per_check_in_order(tmp_path):
    for resource in RESOURCES:
        resource.require()
    checks = run_checks(Settings(store_url=(tmp_path / "s").as_uri()), RESOURCES)
    assert [c.name for c in checks] == ["models", "int8 models", *(r.name for r in RESOURCES), "store",
                                          "rules 2024"]
    assert all(check.line().startswith("ok  ") for check in checks), [c.line() for c in checks if not c.ok]


@pytest.mark.parametrize(("args", "env", "code", "says"), [
    ([], {}, 0, "0 failed"),
    (["--runtime"], {}, 0, "0 failed"),
    ([], {"ZCPS_MODEL_DIR": "{tmp}/no-models"}, 3, "FAIL  models"),
    ([], {"ZCPS_OCR_QUANTISED": "det", "ZCPS_MODEL_DIR": "{tmp}/no-models"}, 3, "FAIL  int8 models"),
    ([], {"ZCPS_RULES_YEAR": "2023"}, 3, "FAIL  rules 2023"),
    ([], {"ZCPS_STORE_URL": "s3://127.0.0.1:{port}", "ZCPS_S3_ACCESS_KEY": "k", "ZCPS_S3_SECRET_KEY": "s"}, 3,
     "FAIL  store"),
], ids=["complete", "runtime-only", "no-models", "no-int8-models", "no-rules", "store-down"])
def test_doctor_command(tmp_path, closed_loopback_port, args, env, code, says):
    env = {name: value.format(tmp=tmp_path, port=closed_loopback_port) for name, value in env.items()}
    checked = resources_for("runtime" if args else "test")
    for resource in checked:
        resource.require()
    result = subprocess.run([ZCPS, "doctor", *args], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, **env})
    assert result.returncode == code, result.stdout + result.stderr
    assert says in result.stdout and "Traceback" not in result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()[2:len(checked) + 2]] == \
        [r.name.split()[0] for r in checked]
    assert len(result.stdout.splitlines()) == len(checked) + 5  # models, int8, resources, store, rules, summary
