"""``zcps bench scale``'s verdicts on its own numbers: each target at its bound and just past it."""

from __future__ import annotations

import pytest

from benchmarks.scale_model import ScaleRun, table, targets


def _run(applicants: int, flow_seconds: float, rss: float = 500.0, status: float = 1.0) -> ScaleRun:
    return ScaleRun(store="s3", applicants=applicants, files=applicants * 9, wall_seconds=flow_seconds * 1.1,
                    flow_seconds=flow_seconds, peak_rss_mib=rss, listing_seconds=0.1, ledger_summary_seconds=0.2,
                    status_seconds=status, reviews_task_seconds=1.0, reports_seconds=1.0, task_runs=applicants * 10,
                    flow_runs=1, run_requests={"get": applicants * 90, "put": applicants * 45, "list": 3},
                    status_requests=applicants + 3)


# largest point (flow seconds for 5,000 when 500 took 500 s, peak RSS MiB, status s) → verdicts
TARGETS = {
    "all at their bounds": ((6000.0, 1024.0, 10.0), ("RSS", "met"), ("growth", "met"), ("status", "met")),
    "RSS one MiB over": ((6000.0, 1025.0, 10.0), ("RSS", "MISSED"), ("growth", "met"), ("status", "met")),
    "growth just past 1.2×": ((6050.0, 1024.0, 10.0), ("RSS", "met"), ("growth", "MISSED"), ("status", "met")),
    "status a hundredth over": ((6000.0, 1024.0, 10.01), ("RSS", "met"), ("growth", "met"), ("status", "MISSED")),
}


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_targets_at_and_past_their_bounds(case: str):
    (flow, rss, status), *verdicts = TARGETS[case]
    line, = targets([_run(500, 500.0), _run(5000, flow, rss, status)])
    parts = dict(zip(("RSS", "growth", "status"), line.split("; ")[:3]))
    for name, verdict in verdicts:
        assert parts[name].endswith(f"{verdict})"), (name, parts[name])
    assert line.endswith("max requests/file 15.0")


def test_requests_per_file_and_status_requests_per_applicant_are_derived():
    run = _run(500, 500.0)
    assert (run.requests_per_file, run.status_requests_per_applicant) == (15.0 + 3 / 4500, 503 / 500)


@pytest.mark.parametrize("measured, requested, extrapolated", [
    ((50, 200), (50, 200), []),  # every size ran: no extrapolated section
    ((50, 200), (50, 200, 500), [500]),
    ((50,), (500, 2000, 5000), [500, 2000, 5000]),  # one point: flat per applicant
])
def test_sizes_that_did_not_run_are_extrapolated_on_lines_of_their_own(measured, requested, extrapolated):
    runs = [_run(n, n * 2.0, rss=300.0 + n) for n in measured]
    out = table(runs, list(requested))
    measured_part, _, guessed = out.partition("EXTRAPOLATED")
    assert measured_part.startswith("MEASURED (cached OCR") and "not OCR" in measured_part
    assert [int(line.split()[1].rstrip(":")) for line in guessed.splitlines()[1:] if line] == extrapolated
    if extrapolated:
        flow = float(guessed.split("flow s/app ≈ ")[1].split(" ")[0])
        assert flow == pytest.approx(2.0)  # seconds per applicant were flat in the measured points
        bound = "≤" if len(measured) > 1 else "≥"  # one point has no slope: its RSS is only a lower bound
        rss = float(guessed.split(f"peak RSS {bound} ")[1].split(" ")[0])
        assert rss == pytest.approx(300.0 + (extrapolated[0] if len(measured) > 1 else measured[-1]), abs=0.5)
        assert ("growth unknown" in guessed) is (len(measured) == 1)
