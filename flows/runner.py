"""Check the store, choose the task runner (threads, or Dask for more than one machine) and run ``batch_review``.

The checks (``storage.preflight``) run before Prefect starts: a mistyped batch, an unreachable or a
read-only store is one error with its fix, not a failed task per file.
"""

from __future__ import annotations

import logging

from flows.batch import batch_review
from flows.summary import BatchSummary
from storage.factory import open_store
from storage.preflight import require_batch, require_writable
from validators.schema import rules_for_batch
from zcps.prefect_api import prefect_api
from zcps.settings import get_settings


def _task_runner(concurrency: int | None, dask_address: str | None, workers: int | None):
    if dask_address or workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=concurrency or get_settings().concurrency)


def run_batch(batch: str, *, units: list[str] | None = None, store_url: str | None = None,
              only_failed: bool = False, keys: list[str] | None = None, concurrency: int | None = None,
              dask_address: str | None = None, workers: int | None = None, show_progress: bool = False,
              release: bool = True, reports: bool = True) -> BatchSummary:
    rules_for_batch(batch)  # E_RULES_MISSING before the store is even opened
    store = open_store(store_url)
    require_batch(store, batch, units)
    require_writable(store)
    flow = batch_review.with_options(task_runner=_task_runner(concurrency, dask_address, workers))
    handler = _ProgressHandler() if show_progress else None
    progress_log = logging.getLogger("zcps.progress")
    if handler:
        progress_log.addHandler(handler)
    try:
        with prefect_api():
            return flow(batch, units=units, store_url=store_url, only_failed=only_failed, keys=keys,
                        release=release, reports=reports)
    finally:
        if handler:
            progress_log.removeHandler(handler)
            handler.close()


class _ProgressHandler(logging.Handler):
    """Drives a rich progress bar from the flow's ``zcps.progress`` records (done/total)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), transient=True)
        self._task = None

    def emit(self, record: logging.LogRecord) -> None:
        done, total = getattr(record, "done", None), getattr(record, "total", None)
        if total is None:
            return
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("documents", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()
        super().close()
