"""``zcps status``: the ledger as a table, then counts per status and per error code."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from storage.factory import open_store
from storage.ledger import Ledger
from zcps.errors import ExitCode
from zcps.models import Status


def print_status(batch: str, store_url: str | None, *, only_failed: bool = False) -> int:
    ledger = Ledger(open_store(store_url), batch)
    entries = ledger.entries()
    if only_failed:
        entries = [e for e in entries if e.status in (Status.failed, Status.running)]
    table = Table(title=f"batch {batch}")
    for column in ("file", "status", "attempts", "error"):
        table.add_column(column)
    for entry in entries:
        error = f"{entry.error_code}: {entry.error_message}" if entry.error_code else ""
        table.add_row(f"{entry.unit}/{entry.applicant}/{entry.file}", entry.status.value, str(entry.attempts), error)
    console = Console()
    console.print(table)
    all_entries = ledger.entries()
    by_status = Counter(e.status.value for e in all_entries)
    by_code = Counter(e.error_code for e in all_entries if e.error_code and e.status is Status.failed)
    console.print("status: " + (", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "no files"))
    if by_code:
        console.print("errors: " + ", ".join(f"{k} {v}" for k, v in sorted(by_code.items())))
    return ExitCode.files_failed if by_status.get(Status.failed.value) else ExitCode.ok
