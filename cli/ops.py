"""Operator commands: ``report``, ``models install`` and ``serve``."""

from __future__ import annotations

from typing import Optional

import typer

from cli.options import STORE, VERBOSE

models_app = typer.Typer(no_args_is_help=True, help="The OCR model files.")


def report(batch: str = typer.Option(..., "--batch"),
           unit: Optional[str] = typer.Option(None, "--unit", help="One unit's report (default: the whole batch)."),
           kind: str = typer.Option("unit", "--kind", help="unit (internal, may show PII) or committee (masked)."),
           formats: str = typer.Option("html,xlsx,csv,json", "--format", help="Comma-separated formats."),
           store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Write the discrepancy reports of a batch (or one unit) and print their keys."""
    from cli import runtime

    runtime.configure(verbose)
    from flows.report_task import write_reports
    from storage.factory import open_store
    from storage.preflight import require_batch

    require_batch(open_store(store), batch, [unit] if unit else None)
    for key in write_reports(batch, store, unit=unit, kind=kind, formats=tuple(formats.split(","))):
        typer.echo(key)


@models_app.command("install")
def models_install(model_dir: Optional[str] = typer.Option(None, "--dir", help="Default: ZCPS_MODEL_DIR.")) -> None:
    """Unpack the PP-OCRv6 ONNX models from the rapidocr wheel into the model folder and write their INT8
    copies (install time only)."""
    from pathlib import Path

    from extractors.models_install import install_models
    from extractors.models_int8 import quantise_models
    from zcps.settings import get_settings

    target = Path(model_dir) if model_dir else get_settings().model_dir
    install_models(target)
    quantise_models(target)
    typer.echo(f"models ready in {target}")


def serve(batch: Optional[str] = typer.Option(None, "--batch", help="Batch to schedule (default: ZCPS_SCHEDULE_BATCH)."),
          verbose: bool = VERBOSE) -> None:
    """Register the batch's Prefect deployment on its cron schedule (ZCPS_SCHEDULE_CRON) and serve it."""
    from cli import runtime

    runtime.configure(verbose)
    from flows.schedule import plan_schedule, serve_batch
    from zcps.prefect_api import prefect_api

    plan = plan_schedule(batch)
    typer.echo(f"deployment {plan.full_name}: cron {plan.cron!r} ({plan.timezone}), batch {plan.batch}; Ctrl-C stops")
    with prefect_api():  # without PREFECT_API_URL, a temporary server that dies with this process
        serve_batch(plan)
