"""Check the store, choose the task runner (threads, or Dask for more than one machine) and run ``batch_review``.

The checks (``storage.preflight``) run before Prefect starts: a mistyped batch, an unreachable or a
read-only store is one error with its fix, not a failed task per file.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from flows.batch import batch_review
from pipeline.summary import BatchSummary
from storage.factory import open_store
from storage.preflight import require_batch, require_writable
from storage.selection import store_selection
from validators.schema import rules_for_batch
from zcps.prefect_api import prefect_api
from zcps.settings import get_settings


@contextlib.contextmanager
def _task_runner(concurrency: int | None, dask_address: str | None, workers: int | None) -> Iterator:
    """Threads, or Dask: a cluster at ``dask_address``, or a local one of ``workers`` processes
    started here once, so that every subflow's copy of the runner uses the same workers."""
    if dask_address or workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            yield DaskTaskRunner(address=dask_address)
            return
        import distributed

        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            yield DaskTaskRunner(address=cluster.scheduler_address)
        return
    from prefect.task_runners import ThreadPoolTaskRunner

    yield ThreadPoolTaskRunner(max_workers=concurrency or get_settings().concurrency)


def run_batch(batch: str, *, units: list[str] | None = None, store_url: str | None = None,
              only_failed: bool = False, keys: list[str] | None = None, concurrency: int | None = None,
              dask_address: str | None = None, workers: int | None = None, show_progress: bool = False,
              release: bool = True, reports: bool = True) -> BatchSummary:
    rules_for_batch(batch)  # E_RULES_MISSING before the store is even opened
    store = open_store(store_url)
    require_batch(store, batch, units)
    require_writable(store)
    handler = _ProgressHandler() if show_progress else None
    progress_log = logging.getLogger("zcps.progress")
    if handler:
        progress_log.addHandler(handler)
    try:
        # The API first: worker processes started by the runner inherit its address.
        with prefect_api(), _task_runner(concurrency, dask_address, workers) as task_runner:
            return batch_review.with_options(task_runner=task_runner)(
                batch, selection=store_selection(store, batch, units, keys), store_url=store_url,
                only_failed=only_failed, release=release, reports=reports)
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
