"""The ``zcps`` command line. Heavy imports happen inside commands, so ``zcps --help`` is instant.

Exit codes (``ExitCode``, the README's table): 0 every file done; 1 internal error (a bug);
2 some files failed (see ``zcps status --failed``); 3 configuration or usage error (unknown batch,
store refusing access); 4 bad input to a single-file command; 5 the object store did not answer;
130 interrupted. An error that ends a command exits with its class's ``exit_code``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback

import typer
# typer (pinned in pyproject.toml) vendors click; its exceptions are not re-exported, but usage
# errors must exit with the documented code 3, not click's 2 (which means "files failed" here).
from typer._click.exceptions import ClickException

from zcps.errors import ConfigError, ExitCode, FileSystemError, InputError, ZcpsError


def build_app() -> typer.Typer:
    """The ``zcps`` app: every command module's functions and groups, registered here and only here."""
    from cli import batch, bench, doctor, local, ops, review

    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                      help="zcps: OCR, extraction, rule checks, masking and reports for title-review materials.")
    for command in (batch.run, batch.rerun, batch.status, batch.demo, doctor.doctor,
                    local.ocr, local.extract, local.check, local.mask, ops.report, ops.serve, review.notices):
        app.command()(command)
    app.add_typer(bench.bench_app, name="bench")
    app.add_typer(ops.models_app, name="models")
    app.add_typer(review.decisions_app, name="decisions")
    return app


_MAIN_PID = 0


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


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


def _failure(exc: Exception) -> tuple[str, ExitCode]:
    """The one line a failure prints and the exit code its class carries (``ZcpsError.exit_code``)."""
    if isinstance(exc, OSError):  # a local path the command was given or configured with
        exc = FileSystemError(f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "))
    if not isinstance(exc, ZcpsError):  # a bug: its message may hold data, so only its type is shown
        return (f"internal error [{ZcpsError.code}]: {type(exc).__name__} — {ZcpsError.hint} "
                "Run the command again with -v to see the traceback.", ZcpsError.exit_code)
    kind = ("configuration error" if isinstance(exc, ConfigError)
            else "input error" if isinstance(exc, InputError) else "error")
    return f"{kind} [{exc.code}]: {exc.message}", exc.exit_code


def main() -> None:
    """Run the CLI. Every failure ends in one line and a documented exit code; tracebacks only with -v."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGINT, _interrupt)
    verbose = any(arg in ("-v", "--verbose") for arg in sys.argv[1:])
    try:
        code = build_app()(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except ClickException as exc:  # usage: a missing option, a path that does not exist
        exc.show()
        code = ExitCode.config_error
    except typer.Abort:
        code = ExitCode.interrupted
    except Exception as exc:  # noqa: BLE001 - every failure, a bug too, ends in one line; -v shows where
        if verbose:
            traceback.print_exc()
        line, code = _failure(exc)
        _echo_err(line)
    sys.exit(int(code or 0))
