"""What the one scale measurement (benchmarks/scale_run.py) returns, its targets and its table."""

from __future__ import annotations

from pydantic import BaseModel, computed_field

BENCH_BATCH = "bench"
STORES = ("local", "s3")
TARGET_RSS_MIB = 1024.0
TARGET_GROWTH = 1.2
TARGET_STATUS_SECONDS = 10.0


class ScaleRun(BaseModel):
    store: str
    applicants: int
    files: int
    wall_seconds: float
    flow_seconds: float
    peak_rss_mib: float
    listing_seconds: float
    ledger_summary_seconds: float
    status_seconds: float
    reviews_task_seconds: float
    reports_seconds: float
    task_runs: int
    flow_runs: int
    run_requests: dict[str, int]
    status_requests: int  # the ledger read a run (or ``zcps status``) starts with
    ledger_rebuilt: int = 0  # summaries that read found stale and rebuilt from the per-file entries
    unique_applicants: int = 0  # generated applicants; the rest are copies under new ids
    largest_batch_report_bytes: int = 0  # the largest whole-batch report file (any kind, any format)
    largest_unit_report_bytes: int = 0  # the largest unit report file
    report_bytes: int = 0  # every report file together

    @computed_field
    @property
    def seconds_per_applicant(self) -> float:
        return self.flow_seconds / self.applicants

    @computed_field
    @property
    def wall_seconds_per_applicant(self) -> float:
        return self.wall_seconds / self.applicants

    @computed_field
    @property
    def requests_per_file(self) -> float:
        return sum(self.run_requests.values()) / max(self.files, 1)

    @computed_field
    @property
    def requests_per_applicant(self) -> float:
        return sum(self.run_requests.values()) / self.applicants

    @computed_field
    @property
    def status_requests_per_applicant(self) -> float:
        return self.status_requests / self.applicants


METHOD_NOTE = ("cached OCR recorded from the generator's truth: every OCR lookup is a cache hit, so these numbers "
               "measure orchestration, store and report cost, not OCR")


def table(runs: list[ScaleRun], requested: list[int] | None = None) -> str:
    """The measured points; sizes in ``requested`` that have no point are extrapolated, on lines of their own."""
    header = ("store  applicants (unique)  files  wall s/app  flow s/app  peak RSS MiB  listing s  ledger s  status s  "
              "reviews(task) s  reports s  task runs  flow runs  req/file  req/app  ledger req/app  rebuilt  "
              "batch report KiB  unit report KiB  reports MiB")
    lines = [f"MEASURED ({METHOD_NOTE})", header]
    for r in runs:
        lines.append(f"{r.store:<6} {r.applicants:>10} ({r.unique_applicants:>5}) {r.files:>6} "
                     f"{r.wall_seconds_per_applicant:>11.3f} {r.seconds_per_applicant:>11.3f} {r.peak_rss_mib:>13.0f} "
                     f"{r.listing_seconds:>10.2f} {r.ledger_summary_seconds:>9.2f} {r.status_seconds:>9.2f} "
                     f"{r.reviews_task_seconds:>16.1f} {r.reports_seconds:>10.1f} {r.task_runs:>10} {r.flow_runs:>10} "
                     f"{r.requests_per_file:>9.1f} {r.requests_per_applicant:>8.1f} "
                     f"{r.status_requests_per_applicant:>15.2f} {r.ledger_rebuilt:>8} "
                     f"{r.largest_batch_report_bytes / 1024:>17.1f} {r.largest_unit_report_bytes / 1024:>16.1f} "
                     f"{r.report_bytes / 2**20:>12.1f}")
    lines += ["", *targets(runs)]
    missing = sorted(set(requested or []) - {r.applicants for r in runs})
    if missing:
        lines += ["", "EXTRAPOLATED (not measured: these sizes did not run)", *extrapolate(runs, missing)]
    return "\n".join(lines)


def extrapolate(runs: list[ScaleRun], sizes: list[int]) -> list[str]:
    """Per store, from the largest measured point: seconds and requests per applicant carried flat (the
    measured growth between the two largest points is printed beside them), and peak RSS on a straight
    line through the two largest points, an upper bound if nothing held per group is ever freed. From
    one measured size there is no growth and no slope: the line says so, and its RSS is a lower bound."""
    out = []
    for kind in sorted({r.store for r in runs}):
        mine = sorted((r for r in runs if r.store == kind), key=lambda r: r.applicants)[-2:]
        first, last = mine[0], mine[-1]
        span = last.applicants - first.applicants
        slope = (last.peak_rss_mib - first.peak_rss_mib) / span if span else 0.0
        growth = last.seconds_per_applicant / first.seconds_per_applicant
        # One measured size has no growth to report: saying 1.00× would claim a flat line nobody measured.
        measured = (f"measured growth {growth:.2f}× {first.applicants}→{last.applicants}" if span
                    else f"one size measured ({last.applicants}): growth unknown")
        for size in sizes:
            rss = (f"≤ {last.peak_rss_mib + slope * (size - last.applicants):.0f} MiB (linear)" if span
                   else f"≥ {last.peak_rss_mib:.0f} MiB (no slope from one size)")
            out.append(f"{kind:<6} {size:>10}: flow s/app ≈ {last.seconds_per_applicant:.3f} (flat; {measured}), "
                       f"peak RSS {rss}, req/file ≈ "
                       f"{last.requests_per_file:.1f}, ledger req/app ≈ {last.status_requests_per_applicant:.2f}")
    return out


def targets(runs: list[ScaleRun]) -> list[str]:
    out = []
    for kind in sorted({r.store for r in runs}):
        mine = sorted((r for r in runs if r.store == kind), key=lambda r: r.applicants)
        small, large = mine[0], mine[-1]
        growth = large.seconds_per_applicant / small.seconds_per_applicant
        out.append(f"{kind}: flow RSS {large.peak_rss_mib:.0f} MiB at {large.applicants} "
                   f"(≤ {TARGET_RSS_MIB:.0f}: {'met' if large.peak_rss_mib <= TARGET_RSS_MIB else 'MISSED'}); "
                   f"s/applicant growth {growth:.2f}× {small.applicants}→{large.applicants} "
                   f"(≤ {TARGET_GROWTH}: {'met' if growth <= TARGET_GROWTH else 'MISSED'}); "
                   f"status {large.status_seconds:.2f} s (≤ {TARGET_STATUS_SECONDS:.0f}: "
                   f"{'met' if large.status_seconds <= TARGET_STATUS_SECONDS else 'MISSED'}); "
                   f"max requests/file {max(r.requests_per_file for r in mine):.1f}")
    return out
