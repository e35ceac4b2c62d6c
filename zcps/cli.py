"""The ``zcps`` command line. Heavy imports happen inside commands, so ``zcps --help`` is instant.

Exit codes (``ExitCode``, the README's table): 0 every file done; 1 internal error (a bug);
2 some files failed (see ``zcps status --failed``); 3 configuration or usage error (unknown batch,
store refusing access); 4 bad input to a single-file command; 5 the object store did not answer;
130 interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from typing import Optional

import typer
# typer (pinned in pyproject.toml) vendors click; its exceptions are not re-exported, but usage
# errors must exit with the documented code 3, not click's 2 (which means "files failed" here).
from typer._click.exceptions import ClickException

from zcps.errors import (ConfigError, ExitCode, FileSystemError, InputError, LeaseConflict, StoreUnavailable,
                         ZcpsError)
from zcps.text import terminal


app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="zcps: OCR, extraction, rule checks, masking and reports for title-review materials.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print numbers.")
models_app = typer.Typer(no_args_is_help=True, help="The OCR model files.")
app.add_typer(bench_app, name="bench")
app.add_typer(models_app, name="models")

VERBOSE = typer.Option(False, "--verbose", "-v", help="Show progress logs (never personal data).")
STORE = typer.Option(None, "--store", help="file://DIR or s3://HOST:PORT (default: ZCPS_STORE_URL).")


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def _run_batch(batch: str, units: list[str] | None, store: str | None, *, only_failed: bool = False,
               keys: list[str] | None = None, concurrency: int | None = None, dask: str | None = None,
               workers: int | None = None, verbose: bool = False) -> int:
    from zcps import runtime

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


@app.command()
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


@app.command()
def rerun(batch: str = typer.Option(..., "--batch"),
          failed: bool = typer.Option(False, "--failed", help="Re-run every failed (or stale running) file, and any never attempted."),
          keys: Optional[list[str]] = typer.Argument(None, help="File keys as shown by `zcps status`."),
          store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """Re-run only the failed files, or the named ones; everything else is left untouched."""
    if not failed and not keys:
        _echo_err("Say which files: --failed, or one or more keys from `zcps status --batch B --failed`.")
        raise typer.Exit(ExitCode.config_error)
    raise typer.Exit(_run_batch(batch, None, store, only_failed=failed, keys=keys or None, verbose=verbose))


@app.command()
def status(batch: str = typer.Option(..., "--batch"),
           failed: bool = typer.Option(False, "--failed", help="Only failed and stale files."),
           as_json: bool = typer.Option(False, "--json", help="One JSON object: every file and the counts."),
           store: Optional[str] = STORE, verbose: bool = VERBOSE) -> None:
    """File, status, attempts and error per file (full keys, for `zcps rerun KEY`), then counts."""
    from zcps import runtime

    runtime.configure(verbose)
    from zcps.status_view import print_status

    raise typer.Exit(print_status(batch, store, only_failed=failed, as_json=as_json))


@app.command()
def demo(store: Optional[str] = STORE,
         full: bool = typer.Option(False, "--full", help="The whole sample batch, not the small default selection."),
         verbose: bool = VERBOSE) -> None:
    """Load sample applicants from fixtures/ into the store, run them end to end, print where outputs are."""
    from zcps import runtime

    runtime.configure(verbose)
    from flows.demo import demo_applicants, load_sample_batch, sample_applicants

    everyone = sample_applicants()
    chosen = None if full else demo_applicants(everyone)
    if chosen is not None:
        typer.echo(f"Demo: {len(chosen)} of the {len(everyone)} sample applicants ({sum(a.pages for a in chosen)} "
                   "pages), one per verdict and failure code; `zcps demo --full` runs them all.")
    store_url = load_sample_batch(store, applicants=chosen)
    code = _run_batch("2024", None, store_url, verbose=verbose)
    from flows.demo import describe_outputs

    if code == ExitCode.files_failed:
        typer.echo("(The sample batch contains deliberately bad files; their failures are expected.)")
    typer.echo(describe_outputs(store_url, "2024"))
    raise typer.Exit(ExitCode.ok)


_MAIN_PID = 0


def _interrupt(signum, frame) -> None:
    """Stop at once on Ctrl-C. Every store write is atomic and files in flight keep a ledger lease,
    so nothing is lost; a graceful Prefect shutdown would instead retry uploads to its already
    stopped temporary server for minutes and print their tracebacks."""
    import psutil

    logging.disable(logging.CRITICAL)
    if os.getpid() != _MAIN_PID:  # a forked helper process gets the terminal's Ctrl-C too
        os._exit(ExitCode.interrupted)
    _echo_err("Interrupted. Files in flight stay 'running'; `zcps rerun --batch B --failed` picks them up "
              "(on this host at once, from other hosts once their lease goes stale).")
    for child in psutil.Process().children(recursive=True):
        child.terminate()
    sys.stderr.flush()
    sys.stdout.flush()
    os._exit(ExitCode.interrupted)


def _exit_code(exc: ZcpsError) -> ExitCode:
    if isinstance(exc, InputError):
        return ExitCode.input_error
    if isinstance(exc, StoreUnavailable):
        return ExitCode.store_unavailable
    if exc.transient:
        return ExitCode.files_failed
    return ExitCode.config_error


def _error_line(exc: ZcpsError) -> str:
    kind = ("configuration error" if isinstance(exc, ConfigError)
            else "input error" if isinstance(exc, InputError) else "error")
    return f"{kind} [{exc.code}]: {exc.message}"


def main() -> None:
    """Run the CLI. Every failure ends in one line and a documented exit code; tracebacks only with -v."""
    from zcps import cli_doctor, cli_local, cli_ops  # noqa: F401 - registers their commands on `app`

    global _MAIN_PID
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGINT, _interrupt)
    verbose = any(arg in ("-v", "--verbose") for arg in sys.argv[1:])
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except ClickException as exc:  # usage: a missing option, a path that does not exist
        exc.show()
        code = ExitCode.config_error
    except typer.Abort:
        code = ExitCode.interrupted
    except (ZcpsError, OSError) as exc:
        if verbose:
            traceback.print_exc()
        if isinstance(exc, OSError):  # a local path the command was given or configured with
            exc = FileSystemError(f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "))
        _echo_err(_error_line(exc))
        code = _exit_code(exc)
    except Exception as exc:  # noqa: BLE001 - a bug still ends in one line; -v shows where
        if verbose:
            traceback.print_exc()
        _echo_err(f"internal error [{ZcpsError.code}]: {type(exc).__name__} — {ZcpsError.hint} "
                  "Run the command again with -v to see the traceback.")
        code = ExitCode.internal_error
    sys.exit(int(code or 0))
