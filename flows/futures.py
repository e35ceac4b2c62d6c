"""Waiting on Prefect futures without letting one failed task stop the flow."""

from __future__ import annotations


def outcome(future, on_error):
    """Wait for a task and return its value; a task that failed after its retries goes to ``on_error``."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - every task failure is reported, none is re-raised
        return on_error(exc)
