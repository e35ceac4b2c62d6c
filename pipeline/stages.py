"""The ledger entries of per-applicant and per-report stages: a failure is recorded with its code,
and a later success clears it, so ``zcps status`` shows each stage failure until it is fixed."""

from __future__ import annotations

import logging

from pipeline.reports import ReportsOutcome, report_scopes
from pipeline.summary import FailedItem, stage_failure
from storage.ledger import Ledger, LedgerEntry, stage_entry
from zcps.errors import ZcpsError

log = logging.getLogger("zcps.flow")


class StageBook:
    """Stage failures of this run, and the ledger's stage entries that this run's success clears."""

    def __init__(self, ledger: Ledger, entries: list[LedgerEntry]):
        self.ledger = ledger
        self.previous = {(e.file, e.unit, e.applicant): e for e in entries if e.scope == "stage"}
        self.failures: list[FailedItem] = []

    def failed(self, stage: str, unit: str, applicant: str | None, exc: BaseException) -> None:
        label = f"({stage}) {unit}/{applicant}" if applicant else f"({stage}) {unit or 'batch'}"
        self.failed_item(stage, unit, applicant, stage_failure(label, exc))

    def failed_item(self, stage: str, unit: str, applicant: str | None, item: FailedItem) -> None:
        log.warning("%s stage failed: %s", stage, item.code)
        self.failures.append(item)
        entry = stage_entry(self.ledger.batch, unit, applicant, stage, item.code, item.message)
        self._safely(self.ledger.record, entry, self.previous.pop((stage, unit, applicant or ""), None))

    def passed(self, stage: str, unit: str, applicant: str | None) -> None:
        entry = self.previous.pop((stage, unit, applicant or ""), None)
        if entry is not None:
            self._safely(self.ledger.remove, entry)

    def reports(self, written: ReportsOutcome, units: list[str]) -> None:
        """Each report scope fails or passes on its own."""
        failed_scopes = {failure.unit or "" for failure in written.failures}
        for failure in written.failures:
            label = f"(reports) {failure.unit or 'batch'} {failure.kind}"
            self.failed_item("reports", failure.unit or "", None,
                             FailedItem(key=label, code=failure.code, message=failure.message))
        for unit in dict.fromkeys(unit or "" for _, unit in report_scopes(units)):
            if unit not in failed_scopes:
                self.passed("reports", unit, None)

    def _safely(self, action, *args) -> None:
        try:
            action(*args)
        except ZcpsError as exc:  # the store itself is failing: the summary still carries the failure
            log.warning("could not update the ledger: %s", exc.code)
