"""``zcps decisions import|export`` and ``zcps notices``: the reviewers' side of a batch (review/)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.options import STORE, VERBOSE

decisions_app = typer.Typer(no_args_is_help=True, help="Reviewers' decisions on findings (the Excel round trip).")


def _batch_reviews(store: Optional[str], batch: str, unit: Optional[str], verbose: bool):
    """Set up logging, open the store and check the batch (and unit) are there: the store and the unit-view
    reviews of the batch or the unit."""
    from cli import runtime

    runtime.configure(verbose)
    from reports.sources import load_reviews
    from storage.factory import open_store
    from storage.preflight import require_batch

    opened = open_store(store)
    require_batch(opened, batch, [unit] if unit else None)
    return opened, load_reviews(opened, batch, "unit", unit)


@decisions_app.command("import")
def decisions_import(workbook: Path = typer.Argument(..., exists=True, dir_okay=False, help="The filled-in unit XLSX."),
                     batch: str = typer.Option(..., "--batch"), store: Optional[str] = STORE,
                     verbose: bool = VERBOSE) -> None:
    """Record the 处理意见 of a unit workbook; every refused row is printed with its reason."""
    opened, reviews = _batch_reviews(store, batch, None, verbose)
    from review.workbook import import_workbook
    from zcps.errors import ExitCode

    result = import_workbook(opened, batch, workbook.read_bytes(), reviews)
    for problem in result.problems:
        typer.echo(problem.line(), err=True)
    typer.echo(f"recorded {result.recorded} decision(s) for {len(result.applicants)} applicant(s); "
               f"{result.unchanged} unchanged, {len(result.problems)} row(s) refused")
    if result.recorded:
        typer.echo(f"`zcps report --batch {batch}` shows them; `zcps run --batch {batch}` also updates the "
                   "committee release")
    raise typer.Exit(ExitCode.input_error if result.problems else ExitCode.ok)


@decisions_app.command("export")
def decisions_export(batch: str = typer.Option(..., "--batch"),
                     unit: Optional[str] = typer.Option(None, "--unit", help="One unit (default: the whole batch)."),
                     output: Optional[Path] = typer.Option(None, "--output", "-o", help="Default: decisions-B[-U].xlsx"),
                     store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Write the unit workbook with the decisions as they stand now, ready to fill in."""
    opened, reviews = _batch_reviews(store, batch, unit, verbose)
    from reports.build import build_reports
    from reports.sources import load_failed_files, load_ignored_files

    data = build_reports(batch, reviews, load_failed_files(opened, batch, unit),
                         kind="unit", unit=unit, formats=("xlsx",),
                         ignored_files=load_ignored_files(opened, batch, unit))["xlsx"]
    target = output or Path(f"decisions-{batch}" + (f"-{unit}" if unit else "") + ".xlsx")
    target.write_bytes(data)
    typer.echo(str(target))


def notices(batch: str = typer.Option(..., "--batch"),
            unit: Optional[str] = typer.Option(None, "--unit", help="One unit (default: the whole batch)."),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also copy them into this folder."),
            store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Write the 一次性告知单 of every applicant with something to supply or correct; print their keys."""
    opened, reviews = _batch_reviews(store, batch, unit, verbose)
    from review.notices import write_notices

    keys = write_notices(opened, reviews)
    for key in keys:
        typer.echo(key)
        if output is not None:
            # {unit}/notices/{applicant}.html below the reports prefix → {unit}/{applicant}.html
            unit_part, _, name = key.rsplit("/", 3)[-3:]
            target = output / unit_part / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(opened.get(key))
    typer.echo(f"{len(keys)} notice(s) for {len(reviews)} applicant(s)", err=True)
