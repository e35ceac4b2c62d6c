"""``zcps doctor``: one line per check of what runs and tests need, the fix on each failing line.

Checks the OCR model files and their hashes (the INT8 copies too), every system resource of ``zcps.resources`` (the
generator's fonts, Chromium, rclone, the libraries OpenCV links), whether the configured store
answers, and the rules file of the configured year. Exit 0 when all pass, 3 when any fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import typer

from zcps.errors import ExitCode, ZcpsError
from zcps.resources import SystemResource, resources_for
from zcps.settings import Settings, get_settings

# A prefix no intake uses, so the probe lists (almost) nothing even on a full production store.
STORE_PROBE_PREFIX = "intake/zcps-doctor-probe/"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found when ok, otherwise what is wrong and how to fix it

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name:<22} {self.detail}"


def check_models(model_dir: Path) -> Check:
    from extractors.models_install import model_problems

    problems = model_problems(model_dir)
    if not problems:
        return Check("models", True, f"{model_dir} (files and sha256 as expected)")
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return Check("models", False, f"{shown} — run `zcps models install` (ZCPS_MODEL_DIR={model_dir})")


def check_int8_models(model_dir: Path, quantised: str) -> Check:
    """The INT8 copies ``zcps models install`` writes: their sha256, and whether ZCPS_OCR_QUANTISED loads them.

    Never installed and not used passes (float models alone run everything); damaged always fails,
    so a copy nobody loads today cannot be switched on later with a wrong hash.
    """
    from extractors.models_int8 import int8_absent, int8_dir, int8_problems

    folder = int8_dir(model_dir)
    problems = int8_problems(model_dir)
    if not problems:
        return Check("int8 models", True, f"{folder} (det, rec sha256 as expected; ZCPS_OCR_QUANTISED={quantised})")
    if quantised == "none" and int8_absent(model_dir):
        return Check("int8 models", True, f"not installed, not used (ZCPS_OCR_QUANTISED=none); "
                                          f"`zcps models install` writes {folder}")
    return Check("int8 models", False,
                 f"{'; '.join(problems)} — run `zcps models install` to rebuild {folder} (the sha256 are pinned for "
                 f"onnxruntime {_version('onnxruntime')} and onnx {_version('onnx')}; found {_installed_versions()}), "
                 f"or set ZCPS_OCR_QUANTISED=none (now {quantised})")


def _version(dist: str) -> str:
    """The version pyproject.toml pins for ``dist``."""
    from extractors.models_int8 import PINNED_VERSIONS

    return PINNED_VERSIONS[dist]


def _installed_versions() -> str:
    import importlib.metadata

    found = []
    for dist in ("onnxruntime", "onnx"):
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"no {dist}")
    return ", ".join(found)


def check_resource(resource: SystemResource) -> Check:
    found = resource.locate()
    if found is not None:
        return Check(resource.name, True, str(found))
    return Check(resource.name, False, resource.missing_message())


def check_store(settings: Settings) -> Check:
    from storage.factory import open_store

    try:
        store = open_store(settings=settings)
        next(iter(store.list(STORE_PROBE_PREFIX)), None)
    except ZcpsError as exc:
        return Check("store", False, f"[{exc.code}] {exc.message}")
    return Check("store", True, f"{store.url} answers")


def check_rules(year: str) -> Check:
    from validators.schema import load_rules

    try:
        rules = load_rules(year)
    except ZcpsError as exc:
        return Check(f"rules {year}", False, f"[{exc.code}] {exc.message}")
    return Check(f"rules {year}", True, f"validators/rules/{year}.yaml (cutoff {rules.cutoff})")


def run_checks(settings: Settings, resources: Iterable[SystemResource]) -> list[Check]:
    from validators.schema import configured_years

    return [check_models(settings.model_dir), check_int8_models(settings.model_dir, settings.ocr_quantised),
            *(check_resource(r) for r in resources), check_store(settings),
            *(check_rules(year) for year in configured_years(settings))]


def doctor(runtime_only: bool = typer.Option(False, "--runtime",
                                             help="Only what `zcps run`/`zcps demo` need, not the test resources.")
           ) -> None:
    """Check models, fonts, Chromium, rclone, the store and the rules file; one line each, the fix if not ok."""
    checks = run_checks(get_settings(), resources_for("runtime" if runtime_only else "test"))
    for check in checks:
        typer.echo(check.line())
    failed = sum(not check.ok for check in checks)
    typer.echo(f"{len(checks) - failed} ok, {failed} failed")
    raise typer.Exit(ExitCode.config_error if failed else ExitCode.ok)
