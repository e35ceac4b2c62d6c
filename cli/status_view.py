"""``zcps status``: the ledger as a table, then counts per status and per error code.

On a terminal it is a table; piped, one tab-separated line per file with the full key, which
``zcps rerun --batch B KEY`` accepts as it is; ``--json`` gives the same as one JSON object.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from pydantic import BaseModel

from storage.factory import open_store
from storage.ledger import Ledger, LedgerEntry, LedgerSummary, summarize
from storage.preflight import answering, require_batch
from zcps.errors import ExitCode
from zcps.models import Status

COLUMNS = ("file", "status", "attempts", "error")


class StatusRow(BaseModel):
    key: str  # what `zcps rerun --batch B KEY` takes
    status: Status
    stale: bool  # a 'running' file whose holder is gone or whose lease ran out: `rerun --failed` takes it
    attempts: int
    error_code: str | None
    error_message: str | None
    updated_at: datetime | None


class StatusReport(BaseModel):
    batch: str
    files: list[StatusRow]
    summary: LedgerSummary


def status_report(batch: str, store_url: str | None, *, only_failed: bool = False,
                  rebuild: bool = False) -> StatusReport:
    store = open_store(store_url)
    all_entries = answering(store, lambda: Ledger(store, batch).entries(rebuild=rebuild))
    if not all_entries:
        require_batch(store, batch)  # a mistyped batch names the batches that exist
    now = datetime.now(UTC)
    rows = [_row(entry, now) for entry in all_entries]
    if only_failed:
        rows = [row for row in rows if row.status in (Status.failed, Status.running)]
    return StatusReport(batch=batch, files=rows, summary=summarize(all_entries))


def print_status(batch: str, store_url: str | None, *, only_failed: bool = False, as_json: bool = False,
                 rebuild: bool = False) -> int:
    report = status_report(batch, store_url, only_failed=only_failed, rebuild=rebuild)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    elif sys.stdout.isatty():
        _print_table(report)
    else:
        _print_lines(report)
    return ExitCode.files_failed if report.summary.by_status.get(Status.failed.value) else ExitCode.ok


def _row(entry: LedgerEntry, now: datetime) -> StatusRow:
    return StatusRow(key=entry.ref.label, status=entry.status,
                     stale=entry.status is Status.running and not entry.lease_fresh(now),
                     attempts=entry.attempts, error_code=entry.error_code, error_message=entry.error_message,
                     updated_at=entry.updated_at)


def _cells(row: StatusRow) -> tuple[str, str, str, str]:
    error = f"{row.error_code}: {row.error_message}" if row.error_code else ""
    state = f"{row.status.value} (stale)" if row.stale else row.status.value
    return row.key, state, str(row.attempts), error


def _totals(summary: LedgerSummary) -> list[str]:
    counts = ", ".join(f"{status} {count}" for status, count in summary.by_status.items() if count)
    lines = [f"status ({summary.total} files): {counts or 'no files'}"]
    if summary.by_error_code:
        lines.append("errors: " + ", ".join(f"{code} {count}" for code, count in summary.by_error_code.items()))
    return lines


def _print_table(report: StatusReport) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"batch {report.batch}")
    for column in COLUMNS:
        # Keys wrap instead of being cut with "…": every character stays on screen.
        table.add_column(column, overflow="fold")
    for row in report.files:
        table.add_row(*_cells(row))
    console = Console(highlight=False)
    console.print(table)
    for line in _totals(report.summary):
        console.print(line, markup=False)


def _print_lines(report: StatusReport) -> None:
    out = ["\t".join(COLUMNS)]
    # Keys never hold tabs or newlines (storage.base.validate_key), so each file is one line.
    out += ["\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in _cells(row)) for row in report.files]
    sys.stdout.write("\n".join(out + _totals(report.summary)) + "\n")
