"""Process set-up for the CLI: logging and a quiet Prefect, applied before Prefect is imported."""

from __future__ import annotations

import copy
import logging
import os
import warnings

_PREFECT_DEFAULTS = {
    # The ephemeral API server prints start/stop banners and every task state at INFO; users see
    # zcps's own progress instead, and `-v` brings Prefect's INFO back.
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLI_COLORS": "false",
    # Prefect's own temporary server (flows called in-process, as the tests do) gets 20 s to start by
    # default, which a loaded 2-core worker misses; zcps's own temporary server waits 60 s too.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
}


# Prefect's run loggers repeat every task failure with its exception, whose message names the
# object key (and so the submitted file name); zcps's own summary already reports each failure.
_PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.engine")


class QuietConsole(logging.Filter):
    """Without ``-v``: none of Prefect's run records on the console (tracebacks: ``TracebackFree``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_PREFECT_RUN_LOGGERS)


class TracebackFree(logging.Formatter):
    """Formats as the wrapped formatter does, without the traceback.

    It formats a copy: a record is shared by every handler, and a file or log-store sink that sees it
    after the console still needs the traceback.
    """

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        bare = copy.copy(record)
        bare.exc_info = bare.exc_text = bare.stack_info = None
        return self.inner.format(bare)


def quiet(handler: logging.Handler, verbose: bool) -> logging.Handler:
    """Make a console handler quiet (no Prefect run records, no tracebacks), or undo that for ``-v``."""
    for existing in [f for f in handler.filters if isinstance(f, QuietConsole)]:
        handler.removeFilter(existing)
    if isinstance(handler.formatter, TracebackFree):
        handler.setFormatter(handler.formatter.inner)
    if not verbose:
        handler.addFilter(QuietConsole())
        handler.setFormatter(TracebackFree(handler.formatter))
    return handler


def configure(verbose: bool = False) -> None:
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, "INFO" if verbose and key == "PREFECT_LOGGING_LEVEL" else value)
    from zcps.logs import configure_logging

    configure_logging(logging.INFO if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:
        quiet(handler, verbose)
    for noisy in ("paddlex", "paddleocr", "ppocr", "jieba", "urllib3", "httpx", "uvicorn", "prefect.server"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="paddle.*")
