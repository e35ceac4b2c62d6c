"""Set-up of a Dask worker process that runs zcps tasks: ``dask worker ADDRESS --preload cli.dask_worker``.

It applies the CLI's process set-up (quiet Prefect, the zcps log format) and lets the worker's log
show each document and the one OCR model load per process, which operators (and the cluster test)
read to see where the work ran. The settings come from the worker's own ``ZCPS_*`` environment.
"""

from __future__ import annotations

import logging

from cli import runtime

WORKER_LOGGERS = ("zcps.flow", "zcps.ocr")


def dask_setup(worker) -> None:  # noqa: ARG001 - the signature Dask's preload calls
    runtime.configure()
    for name in WORKER_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
