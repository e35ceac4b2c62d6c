"""`zcps bench preprocess`: its scoring helpers and tables on built inputs, usage errors through the
real CLI, and (with the real models) one drawn page and one sample document end to end. No CER or
speed is asserted; docs/benchmarks.md holds the numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.preprocess import (CONFIGS, FixturePreprocessBench, RenderedPreprocessBench, StepScore,
                                   aligned_errors, fixture_docs)

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample"
ZCPS = Path(sys.executable).parent / "zcps"


def _zcps(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZCPS), "bench", "preprocess", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(("truth", "seen", "errors"), [
    ("取得时间2019年12月28日", "姓名王建国取得时间2019年12月28日审批机关", 0),  # found inside longer text
    ("取得时间2019年12月28日", "姓名王建国取得时间2019年12月2B日审批机关", 1),  # one misread digit
    ("取得时间2019年12月28日", "取得时间2019年12月日", 2),  # two characters lost
    ("工程师", "", 3),  # nothing read: every character is an error
])
def test_aligned_errors_counts_edits_against_the_best_stretch(truth, seen, errors):
    assert aligned_errors(truth, seen) == errors


@pytest.mark.parametrize(("score", "cer"), [
    (StepScore(errors=3, length=30), 0.1),
    (StepScore(errors=0, length=30), 0.0),
    (StepScore(errors=0, length=0), 0.0),  # no truth text: no division by zero
])
def test_cer_is_errors_over_truth_length(score, cer):
    assert score.cer == pytest.approx(cer)


def test_rendered_table_has_a_row_per_variant_and_totals_over_them():
    scores = {variant: {config: StepScore(errors=index, length=10, hits=1, dates=2, seconds=1.0)
                        for config in CONFIGS} for index, variant in enumerate(["clean", "fax_faint"])}
    lines = RenderedPreprocessBench(pages=1, scores=scores).table().splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["clean", "fax_faint", "TOTAL"]
    assert lines[1].split()[1:4] == ["0.000", "1/2", "1.00s"]
    assert lines[2].split()[1:4] == ["0.100", "1/2", "1.00s"]
    assert lines[3].split()[1:4] == ["0.050", "2/4", "1.00s"]  # pooled errors/length, hits summed, mean s/page


def test_fixture_table_has_a_line_per_configuration():
    scores = {config: StepScore(errors=1, length=20, hits=2, dates=3, rotation_right=1, seconds=4.0)
              for config in CONFIGS}
    lines = FixturePreprocessBench(documents=["a.jpg", "b.jpg"], scores=scores).table().splitlines()
    assert lines[0] == "2 sample documents: a.jpg, b.jpg"
    assert lines[1] == "all steps              CER 0.050  date hits 2/3  rotation right 1/2  2.00s/doc"
    assert len(lines) == 1 + len(CONFIGS)


@pytest.mark.parametrize("limit", [1, 3])
def test_fixture_documents_put_turned_pages_first_and_skip_pdfs(limit):
    docs = fixture_docs(SAMPLE, limit)
    assert len(docs) == limit
    assert all(path.suffix.lower() != ".pdf" and path.is_file() for path, _ in docs)
    rotations = [max(page["rotation"] for page in truth["pages"]) for _, truth in docs]
    assert rotations == sorted(rotations, reverse=True) and rotations[0] > 0


@pytest.mark.parametrize(("args", "says"), [
    (["--variant", "coffee_stain"], "unknown coffee_stain"),
    (["--variant", "clean", "--variant", "smudge"], "unknown smudge"),
    (["--pages", "0"], "--pages"),
    (["--docs", "0", "--fixtures", str(SAMPLE)], "--docs"),
])
def test_usage_errors_exit_3_before_any_ocr(args, says):
    result = _zcps(*args, timeout=120)
    assert result.returncode == 3, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr


@pytest.mark.models
def test_one_drawn_page_prints_a_row_per_configuration():
    result = _zcps("--pages", "1", "--variant", "clean")
    assert result.returncode == 0, result.stderr
    header, clean, total, legend = result.stdout.strip().splitlines()[-4:]
    assert all(config.split()[0] in header for config in CONFIGS)
    assert clean.split()[0] == "clean" and total.split()[0] == "TOTAL"
    assert legend == "columns: CER, date hits, seconds per page"
    cells = clean.split()[1:]
    assert len(cells) == 3 * len(CONFIGS) and all(cell.endswith("/2") for cell in cells[1::3])


@pytest.mark.models
def test_one_sample_document_prints_a_line_per_configuration():
    result = _zcps("--fixtures", str(SAMPLE), "--docs", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-len(CONFIGS) - 1].startswith("1 sample documents: ")
    assert [line[:22].strip() for line in lines[-len(CONFIGS):]] == list(CONFIGS)
    assert all("rotation right" in line and line.endswith("s/doc") for line in lines[-len(CONFIGS):])
