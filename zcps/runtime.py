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
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
}


def configure(verbose: bool = False) -> None:
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, "INFO" if verbose and key == "PREFECT_LOGGING_LEVEL" else value)
    from zcps.logs import configure_logging

    configure_logging(logging.INFO if verbose else logging.WARNING)
    for noisy in ("paddlex", "paddleocr", "ppocr", "jieba", "urllib3", "httpx", "uvicorn", "prefect.server"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="paddle.*")
