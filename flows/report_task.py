"""The report task: every report of the batch (``pipeline.reports``)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from pipeline.reports import ReportsOutcome, write_batch_reports


@task(name="reports", cache_policy=NO_CACHE, persist_result=False)
def report_task(batch: str, store_url: str, units: list[str]) -> ReportsOutcome:
    return write_batch_reports(batch, store_url, units)
