"""Operator commands: ``report``, ``models install``, ``bench …`` and ``serve``."""

from __future__ import annotations

from typing import Optional

import typer

from zcps.cli import STORE, VERBOSE, app, bench_app, models_app


@app.command()
def report(batch: str = typer.Option(..., "--batch"),
           unit: Optional[str] = typer.Option(None, "--unit", help="One unit's report (default: the whole batch)."),
           kind: str = typer.Option("unit", "--kind", help="unit (internal, may show PII) or committee (masked)."),
           formats: str = typer.Option("html,xlsx,csv,json", "--format", help="Comma-separated formats."),
           store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Write the discrepancy reports of a batch (or one unit) and print their keys."""
    from zcps import runtime

    runtime.configure(verbose)
    from flows.report_task import write_reports

    for key in write_reports(batch, store, unit=unit, kind=kind, formats=tuple(formats.split(","))):
        typer.echo(key)


@models_app.command("install")
def models_install(model_dir: Optional[str] = typer.Option(None, "--dir", help="Default: ZCPS_MODEL_DIR.")) -> None:
    """Unpack the PP-OCRv6 ONNX models from the rapidocr wheel into the model folder (install time only)."""
    from pathlib import Path

    from extractors.models_install import install_models
    from zcps.settings import get_settings

    target = Path(model_dir) if model_dir else get_settings().model_dir
    install_models(target)
    typer.echo(f"models ready in {target}")


SAMPLE = typer.Option("fixtures/sample", "--fixtures", help="Fixture batch with truth/ beside intake/.")


@bench_app.command("extraction")
def bench_extraction(fixtures: str = SAMPLE, verbose: bool = VERBOSE) -> None:
    """Document-type accuracy, exact-match accuracy per field family and OCR CER on the fixtures."""
    from zcps import runtime

    runtime.configure(verbose)
    from extractors.bench import run_extraction_bench

    typer.echo(run_extraction_bench(fixtures).table())


@bench_app.command("masking")
def bench_masking(fixtures: str = SAMPLE, mode: Optional[str] = typer.Option(None, "--verify-mode"),
                  verbose: bool = VERBOSE) -> None:
    """PII recall/precision per type, redaction coverage, and protected fields masked (must be zero)."""
    from zcps import runtime

    runtime.configure(verbose)
    from masking.bench import run_mask_bench

    typer.echo(str(run_mask_bench(fixtures, verify_mode=mode)))
