"""What a batch run returns and prints: counts, pages and time, plus the failures.

It is filled as documents finish (``add``), so the flow keeps counts and failures, never results.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from storage.intake import IntakeProblem
from zcps.errors import ZcpsError
from zcps.models import ErrorInfo, Status


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

    def add(self, document) -> None:
        """One document's outcome (``pipeline.document.DocumentOutcome``)."""
        if document.reused:
            self.skipped += 1
        elif document.status is Status.failed:
            self.failed += 1
            error = document.errors[0] if document.errors else ErrorInfo(code="E_INTERNAL", message="")
            self.failures.append(FailedItem(key=document.ref.label, code=error.code, message=error.message))
        else:
            self.done += 1
            self.pages += document.page_count

    def close(self, problems: list[IntakeProblem], stage_failures: list[FailedItem], *, applicants: int,
              seconds: float, skipped_unselected: int) -> "BatchSummary":
        """Add the stage failures and intake problems once every stage has run."""
        self.applicants, self.seconds = applicants, seconds
        self.skipped += skipped_unselected
        for failure in stage_failures:
            self.failed += 1
            self.failures.append(failure)
        for problem in problems:
            if problem.ignored:
                self.ignored += 1
                continue
            self.failed += 1
            self.failures.append(FailedItem(key=problem.relative_key(self.batch), code=problem.code,
                                            message=problem.message))
        return self

    def one_line(self) -> str:
        return (f"{self.done} done, {self.failed} failed, {self.skipped} skipped, {self.ignored} ignored; "
                f"{self.pages} pages, {self.applicants} applicants reviewed in {self.seconds:.1f}s")


def stage_failure(label: str, exc: BaseException) -> FailedItem:
    code = exc.code if isinstance(exc, ZcpsError) else "E_STAGE"
    return FailedItem(key=label, code=code, message=exc.message if isinstance(exc, ZcpsError) else type(exc).__name__)
