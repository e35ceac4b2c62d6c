"""Process set-up for the CLI: logging and a quiet Prefect, applied before Prefect is imported."""

from __future__ import annotations

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
    """Without ``-v``: no tracebacks on the console, and none of Prefect's run records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_PREFECT_RUN_LOGGERS):
            return False
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def configure(verbose: bool = False) -> None:
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, "INFO" if verbose and key == "PREFECT_LOGGING_LEVEL" else value)
    from zcps.logs import configure_logging

    configure_logging(logging.INFO if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:
        quiet = [f for f in handler.filters if isinstance(f, QuietConsole)]
        if verbose:
            for existing in quiet:
                handler.removeFilter(existing)
        elif not quiet:
            handler.addFilter(QuietConsole())
    for noisy in ("paddlex", "paddleocr", "ppocr", "jieba", "urllib3", "httpx", "uvicorn", "prefect.server"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="paddle.*")
