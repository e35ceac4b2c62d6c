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
    from storage.factory import open_store
    from storage.preflight import require_batch

    require_batch(open_store(store), batch, [unit] if unit else None)
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


SAMPLE_DIR = "fixtures/sample"
SAMPLE = typer.Option(SAMPLE_DIR, "--fixtures", help="Fixture batch with truth/ beside intake/.")


@bench_app.command("extraction")
def bench_extraction(
        fixtures: str = SAMPLE,
        holdout_layouts: bool = typer.Option(False, "--holdout-layouts",
                                             help="Also score the layout family: tuning and held-out layouts."),
        work: Optional[str] = typer.Option(None, "--work-dir", help="OCR cache and rendered family "
                                           "(default ~/.cache/zcps/bench-ocr)."),
        per_layout: int = typer.Option(2, "--per-layout", help="Documents rendered per layout."),
        xfund: Optional[str] = typer.Option(None, "--xfund", envvar="ZCPS_XFUND_DIR",
                                            help="XFUND zh_train folder for date recall on real forms."),
        xfund_limit: Optional[int] = typer.Option(None, "--xfund-limit", help="Score only the first N XFUND pages."),
        verbose: bool = VERBOSE) -> None:
    """Document-type accuracy, exact-match accuracy per field family and OCR CER on the fixtures."""
    from zcps import runtime

    runtime.configure(verbose)
    if holdout_layouts:
        from benchmarks.extraction_holdout import run_holdout_bench

        typer.echo(run_holdout_bench(fixtures, work=work, per_layout=per_layout, xfund=xfund,
                                     xfund_limit=xfund_limit).table())
        return
    from extractors.bench import run_extraction_bench

    typer.echo(run_extraction_bench(fixtures).table())


@bench_app.command("review")
def bench_review(fixtures: list[str] = typer.Option([], "--fixtures",
                                                    help="Fixture tree (intake/ + truth/); repeatable. "
                                                         "Default: the sample batch. Add unseen-layout trees here."),
                 source: str = typer.Option("truth,ocr", "--source",
                                            help="truth (fixture truth as readings) and/or ocr (real OCR, cached)."),
                 verbose: bool = VERBOSE) -> None:
    """Verdict confusion matrix, false blocks, review rate on eligible and every doubtful block."""
    from zcps import runtime

    runtime.configure(verbose)
    from benchmarks.review import run_review_bench

    for tree in fixtures or [SAMPLE_DIR]:
        for kind in [s.strip() for s in source.split(",") if s.strip()]:
            if kind not in ("truth", "ocr"):
                raise typer.BadParameter(f"unknown source {kind!r}: use truth or ocr", param_hint="--source")
            typer.echo(run_review_bench(tree, source=kind).table())


@bench_app.command("masking")
def bench_masking(fixtures: str = SAMPLE, mode: Optional[str] = typer.Option(None, "--verify-mode"),
                  holdout_layouts: bool = typer.Option(
                      False, "--holdout-layouts", help="Also score layouts masking was never tuned on, side by side."),
                  layouts: Optional[str] = typer.Option(
                      None, "--layouts", help="Held-out fixture batch (intake/ + truth/) instead of rendering "
                                              "fixtures/generator/holdout.py's layouts."),
                  limit: Optional[int] = typer.Option(None, "--limit", help="At most this many documents per batch."),
                  verbose: bool = VERBOSE) -> None:
    """PII recall/precision per type, redaction coverage, protected fields masked, dossier time."""
    from zcps import runtime

    runtime.configure(verbose)
    from benchmarks.masking import run_holdout_bench, run_mask_bench

    if holdout_layouts or layouts:
        typer.echo(str(run_holdout_bench(fixtures, layouts, verify_mode=mode, limit=limit)))
    else:
        typer.echo(str(run_mask_bench(fixtures, verify_mode=mode, limit=limit)))


@bench_app.command("verify")
def bench_verify(fixtures: str = SAMPLE, pages: int = typer.Option(12, "--pages", help="Released pages to check."),
                 verbose: bool = VERBOSE) -> None:
    """Seconds per released page of the masking re-OCR check per mode (regions, page, full) and of
    the PDF text-layer spot OCR, on the same pages."""
    from zcps import runtime

    runtime.configure(verbose)
    from benchmarks.verify_cost import run_verify_bench

    typer.echo(run_verify_bench(fixtures, pages=pages).table())


@bench_app.command("pipeline")
def bench_pipeline(pages: int = typer.Option(20, "--pages", help="Scanned pages to measure (whole applicants)."),
                   out: str = typer.Option("bench-pipeline.json", "--out", help="Where to write the JSON."),
                   scale: str = typer.Option("10,100,500", "--scale",
                                             help="Batch sizes for time per applicant; empty to skip."),
                   fixtures: str = SAMPLE, seed: int = typer.Option(2024, "--seed", help="Generator seed for --scale."),
                   verbose: bool = VERBOSE) -> None:
    """OCR, pipeline, masking, digital-PDF, re-run and scale throughput on the same pages; prints and writes JSON."""
    from pathlib import Path

    from zcps import runtime

    runtime.configure(verbose)
    from zcps.bench_pipeline import run_pipeline_bench

    sizes = [int(size) for size in scale.split(",") if size.strip()]
    result = run_pipeline_bench(pages=pages, scale=sizes, fixtures=fixtures, seed=seed, out=Path(out))
    typer.echo(result.table())
    typer.echo(f"wrote {out}")


@app.command()
def serve(batch: Optional[str] = typer.Option(None, "--batch", help="Batch to schedule (default: ZCPS_SCHEDULE_BATCH)."),
          verbose: bool = VERBOSE) -> None:
    """Register the batch's Prefect deployment on its cron schedule (ZCPS_SCHEDULE_CRON) and serve it."""
    from zcps import runtime

    runtime.configure(verbose)
    from flows.schedule import plan_schedule, serve_batch
    from zcps.prefect_api import prefect_api

    plan = plan_schedule(batch)
    typer.echo(f"deployment {plan.full_name}: cron {plan.cron!r} ({plan.timezone}), batch {plan.batch}; Ctrl-C stops")
    with prefect_api():  # without PREFECT_API_URL, a temporary server that dies with this process
        serve_batch(plan)
