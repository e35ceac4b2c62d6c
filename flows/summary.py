"""What a batch run returns and prints: counts, pages and time, plus the failures."""

from __future__ import annotations

from pydantic import BaseModel, Field

from storage.intake import IntakeProblem
from storage.ledger import Ledger
from zcps.errors import LeaseConflict, ZcpsError
from zcps.models import DocumentRef, DocumentResult, ErrorInfo, Status


class FailedItem(BaseModel):
    key: str
    code: str
    message: str


class BatchSummary(BaseModel):
    batch: str
    done: int = 0
    failed: int = 0
    skipped: int = 0
    ignored: int = 0
    pages: int = 0
    applicants: int = 0
    seconds: float = 0.0
    failures: list[FailedItem] = Field(default_factory=list)

    @classmethod
    def from_results(cls, batch: str, results: list[DocumentResult], problems: list[IntakeProblem],
                     applicants: int, *, seconds: float, skipped_unselected: int = 0,
                     stage_failures: list[FailedItem] = ()) -> "BatchSummary":
        summary = cls(batch=batch, applicants=applicants, seconds=seconds, skipped=skipped_unselected)
        for result in results:
            if result.reused:
                summary.skipped += 1
            elif result.status is Status.failed:
                summary.failed += 1
                error = result.errors[0] if result.errors else ErrorInfo(code="E_INTERNAL", message="")
                summary.failures.append(FailedItem(key=result.ref.label, code=error.code, message=error.message))
            else:
                summary.done += 1
                summary.pages += result.page_count
        for failure in stage_failures:
            summary.failed += 1
            summary.failures.append(failure)
        for problem in problems:
            if problem.ignored:
                summary.ignored += 1
                continue
            summary.failed += 1
            summary.failures.append(FailedItem(key=problem.relative_key(batch), code=problem.code,
                                               message=problem.message))
        return summary

    def one_line(self) -> str:
        return (f"{self.done} done, {self.failed} failed, {self.skipped} skipped, {self.ignored} ignored; "
                f"{self.pages} pages, {self.applicants} applicants reviewed in {self.seconds:.1f}s")


def stage_failure(label: str, exc: BaseException) -> FailedItem:
    code = exc.code if isinstance(exc, ZcpsError) else "E_STAGE"
    return FailedItem(key=label, code=code, message=exc.message if isinstance(exc, ZcpsError) else type(exc).__name__)


def outcome(future, on_error):
    """Wait for a task and return its value; a task that failed after its retries goes to ``on_error``."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - every task failure is reported, none is re-raised
        return on_error(exc)


def crashed_result(ref: DocumentRef, exc: BaseException, ledger: Ledger) -> DocumentResult:
    """A document task that failed after its retries: record it so nothing hides."""
    error = exc if isinstance(exc, ZcpsError) else ZcpsError(f"{type(exc).__name__} in task for {ref.file}")
    try:
        entry = ledger.get(ref)
        # A lease conflict means another run holds or finished the file: its entry is not ours to fail.
        if entry is not None and entry.status is Status.running and not isinstance(exc, LeaseConflict):
            ledger.fail(ref, entry.lease_owner or "flow", error.code, error.message)
    except ZcpsError:
        pass
    return DocumentResult(ref=ref, status=Status.failed,
                          errors=[ErrorInfo(code=error.code, message=error.message, stage="task")])
