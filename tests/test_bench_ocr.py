"""``zcps bench ocr`` without the models: which scans it reads, and the table it prints from its results."""

from __future__ import annotations

import pytest

from benchmarks.ocr_settings import CandidateResult, OcrBench, RssPoint, sample_scans
from benchmarks.pipeline import SAMPLE_ROOT


@pytest.mark.parametrize("limit", [1, 5, 12])
def test_sample_scans_are_images_with_truth(limit):
    scans = sample_scans(SAMPLE_ROOT, limit)
    assert len(scans) == limit
    assert [scan.path for scan in scans] == sorted(scan.path for scan in scans)
    for scan in scans:
        assert scan.document.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff") and scan.document.is_file()


def test_every_sample_scan_is_listed_once():
    documents = [scan.document for scan in sample_scans(SAMPLE_ROOT, 10_000)]
    assert len(documents) == len(set(documents)) and len(documents) > 150
    assert not any(path.suffix.lower() == ".pdf" for path in documents)


def candidate(label: str, seconds: float, cpu: float, **scores) -> CandidateResult:
    return CandidateResult(label=label, documents=4, pages=4, seconds=seconds, cpu_seconds=cpu, peak_rss_mib=1200,
                           **scores)


@pytest.mark.parametrize("rows, expected", [
    ([candidate("det=min64", 8.0, 12.0, cer=0.012, dates=1.0), candidate("det=max1280", 4.0, 6.0, cer=0.015, dates=1.0)],
     ["0     0.500   1.00     3.00   1.00    1200   1.20    100", "1     1.000   2.00     1.50   2.00    1200   1.50    100"]),
    ([candidate("det=min64", 8.0, 12.0), CandidateResult(label="int8=both", failed="ModelsMissing: INT8 OCR models unusable")],
     ["1   skipped  int8=both: ModelsMissing: INT8 OCR models unusable"]),
    ([CandidateResult(label="int8=det", failed="ModelsMissing: no int8/"), candidate("det=max960", 2.0, 3.0)],
     ["0   skipped  int8=det", "1     2.000   1.00     0.75   1.00"]),   # the first candidate that ran is the base
])
def test_table_compares_against_the_first_candidate_that_ran(rows, expected):
    table = OcrBench(cores=2, load_start=3.5, load_end=4.25, documents=["a.jpg"] * 4, candidates=rows).table()
    assert "load 3.50 at start, 4.25 at end" in table
    for line in expected:
        assert line in table, table


def test_table_prints_the_memory_curve():
    curve = [RssPoint(pages=20, rss_mib=1342, peak_mib=1467, cpu_per_page=3.1),
             RssPoint(pages=100, rss_mib=1350, peak_mib=1470, cpu_per_page=3.0)]
    table = OcrBench(cores=2, load_start=1, rss_candidate="det=max1280", rss_curve=curve).table()
    assert "memory, one worker, det=max1280:" in table
    assert "     20     1342      1467      3.10" in table and "    100     1350      1470      3.00" in table
