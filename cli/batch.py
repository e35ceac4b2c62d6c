"""Batch commands against the store: ``run``, ``rerun``, ``status`` and ``demo``."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cli.options import STORE, VERBOSE
from zcps.errors import ExitCode, LeaseConflict
from zcps.text import terminal


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def _run_batch(batch: str, units: list[str] | None, store: str | None, *, only_failed: bool = False,
               keys: list[str] | None = None, concurrency: int | None = None, dask: str | None = None,
               workers: int | None = None, verbose: bool = False) -> int:
    from cli import runtime

    runtime.configure(verbose)
    from flows.runner import run_batch

    summary = run_batch(batch, units=units, store_url=store, only_failed=only_failed, keys=keys,
                        concurrency=concurrency, dask_address=dask, workers=workers, show_progress=sys.stderr.isatty())
    typer.echo(summary.one_line())
    for failure in summary.failures:
        typer.echo(f"  failed {terminal(failure.key)}: {failure.code}")
    if summary.failed:
        typer.echo(rerun_advice(batch, [failure.code for failure in summary.failures]))
    return ExitCode.files_failed if summary.failed else ExitCode.ok


def rerun_advice(batch: str, codes: list[str]) -> str:
    """What to do about a run's failures; a rerun does not help a file another live worker holds."""
    rerun = f"zcps rerun --batch {batch} --failed"
    if codes and all(code == LeaseConflict.code for code in codes):
        return (f"Other running workers hold these files and will finish them. If that worker died on another "
                f"host, run `{rerun}` once its lease (ZCPS_LEASE_SECONDS) has run out.")
    return f"Re-run the failed files with: {rerun}"


def run(batch: str = typer.Option(..., "--batch", help="Batch name, e.g. 2024."),
        unit: Optional[list[str]] = typer.Option(None, "--unit", help="Only these units (repeatable)."),
        store: Optional[str] = STORE,
        concurrency: Optional[int] = typer.Option(None, "--concurrency", help="Parallel document tasks."),
        dask: Optional[str] = typer.Option(None, "--dask", help="Run tasks on this Dask scheduler address."),
        workers: Optional[int] = typer.Option(None, "--workers", help="Start a local Dask cluster with N workers."),
        verbose: bool = VERBOSE) -> None:
    """Process a batch: OCR, extraction, review, masked release and reports."""
    raise typer.Exit(_run_batch(batch, unit, store, concurrency=concurrency, dask=dask, workers=workers,
                                verbose=verbose))


def rerun(batch: str = typer.Option(..., "--batch"),
          failed: bool = typer.Option(False, "--failed", help="Re-run every failed (or stale running) file, and any never attempted."),
          keys: Optional[list[str]] = typer.Argument(None, help="File keys as shown by `zcps status`."),
          store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Re-run only the failed files, or the named ones; everything else is left untouched."""
    if not failed and not keys:
        _echo_err("Say which files: --failed, or one or more keys from `zcps status --batch B --failed`.")
        raise typer.Exit(ExitCode.config_error)
    raise typer.Exit(_run_batch(batch, None, store, only_failed=failed, keys=keys or None, verbose=verbose))


def status(batch: str = typer.Option(..., "--batch"),
           failed: bool = typer.Option(False, "--failed", help="Only failed and stale files."),
           as_json: bool = typer.Option(False, "--json", help="One JSON object: every file and the counts."),
           rebuild: bool = typer.Option(False, "--rebuild",
                                        help="Rebuild the per-applicant ledger summaries from the per-file entries."),
           store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """File, status, attempts and error per file (full keys, for `zcps rerun KEY`), then counts.

    It reads one ledger summary per applicant, each checked against the listed per-file entries;
    a missing or stale summary is rebuilt from them on the way."""
    from cli import runtime

    runtime.configure(verbose)
    from cli.status_view import print_status

    raise typer.Exit(print_status(batch, store, only_failed=failed, as_json=as_json, rebuild=rebuild))


def demo(store: Optional[str] = STORE,
         full: bool = typer.Option(False, "--full", help="The whole sample batch, not the small default selection."),
         verbose: bool = VERBOSE) -> None:
    """Load sample applicants from fixtures/ into the store, run them end to end, print where outputs are."""
    from cli import runtime

    runtime.configure(verbose)
    from cli.demo import demo_applicants, load_sample_batch, sample_applicants

    everyone = sample_applicants()
    chosen = None if full else demo_applicants(everyone)
    if chosen is not None:
        typer.echo(f"Demo: {len(chosen)} of the {len(everyone)} sample applicants ({sum(a.pages for a in chosen)} "
                   "pages), one per verdict and failure code; `zcps demo --full` runs them all.")
    store_url = load_sample_batch(store, applicants=chosen)
    code = _run_batch("2024", None, store_url, verbose=verbose)
    from cli.demo import describe_outputs

    if code == ExitCode.files_failed:
        typer.echo("(The sample batch contains deliberately bad files; their failures are expected.)")
    typer.echo(describe_outputs(store_url, "2024"))
    raise typer.Exit(ExitCode.ok)
