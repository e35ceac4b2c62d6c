"""``zcps status``: the ledger as a table, then counts per status and per error code."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from storage.factory import open_store
from storage.ledger import Ledger, summarize
from zcps.errors import ExitCode
from zcps.models import Status
from zcps.text import terminal


def print_status(batch: str, store_url: str | None, *, only_failed: bool = False) -> int:
    all_entries = Ledger(open_store(store_url), batch).entries()
    entries = all_entries
    if only_failed:
        entries = [e for e in entries if e.status in (Status.failed, Status.running)]
    table = Table(title=f"batch {batch}")
    for column in ("file", "status", "attempts", "error"):
        table.add_column(column)
    now = datetime.now(UTC)
    for entry in entries:
        error = f"{entry.error_code}: {terminal(entry.error_message or '')}" if entry.error_code else ""
        stale = entry.status is Status.running and not entry.lease_fresh(now)
        # A stale 'running' file belongs to a dead worker; `zcps rerun --failed` takes it over.
        state = f"{entry.status.value} (stale)" if stale else entry.status.value
        # Keys are unit-supplied: control and bidi characters are shown as escapes, never sent to the terminal.
        table.add_row(escape(terminal(entry.label)), state, str(entry.attempts), escape(error))
    console = Console()
    console.print(table)
    summary = summarize(all_entries)
    counts = ", ".join(f"{status} {count}" for status, count in summary.by_status.items() if count)
    console.print(f"status ({summary.total} files): {counts or 'no files'}")
    if summary.by_error_code:
        console.print("errors: " + ", ".join(f"{code} {count}" for code, count in summary.by_error_code.items()))
    return ExitCode.files_failed if summary.by_status.get(Status.failed.value) else ExitCode.ok
