"""`zcps bench review` on the sample batch's truth, and on a copy where one eligible applicant's CE
card is misread the way the unseen CE register was (合计 2 学时): counted as a review, never a block."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.review import VERDICTS, run_review_bench

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample"
ELIGIBLE = ("hhht-power", "2024-HH-0001")


def test_truth_source_counts_every_applicant_once():
    result = run_review_bench(SAMPLE, source="truth")
    expected = [json.loads(p.read_text(encoding="utf-8"))["verdict"] for p in SAMPLE.glob("truth/*/*/expected.json")]
    assert result.applicants == len(expected)
    assert {v: sum(result.confusion[v].values()) for v in VERDICTS} == {v: expected.count(v) for v in VERDICTS}
    table = result.table()
    assert "false blocks (eligible → not_eligible):" in table and "review rate on eligible:" in table


@pytest.fixture
def misread_tree(tmp_path):
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    unit, applicant = ELIGIBLE
    card = next((root / "truth" / unit / applicant / "docs").glob("*ce_card*.json"))
    truth = json.loads(card.read_text(encoding="utf-8"))
    truth["records"][1]["total"] = 2.0
    card.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return root


def test_misread_total_is_a_doubtful_review_not_a_false_block(misread_tree):
    clean = run_review_bench(SAMPLE, source="truth")
    result = run_review_bench(misread_tree, source="truth")
    assert result.false_blocks == []
    assert result.count("eligible", "needs_review") == clean.count("eligible", "needs_review") + 1
    (doubt,) = [d for d in result.doubtful if d.applicant == ELIGIBLE[1]]
    assert (doubt.rule, doubt.severity) == ("ce.hours_short", "review") and "合计与分项不符" in doubt.message
    assert ELIGIBLE[1] in result.table()


@pytest.mark.parametrize(("source", "code", "says"), [
    ("truth", 0, "false blocks (eligible → not_eligible): 0"),
    ("scan", 3, "unknown source 'scan'"),  # a usage error (README exit codes)
])
def test_cli_prints_the_matrix(source, code, says):
    zcps = Path(sys.executable).parent / "zcps"
    result = subprocess.run([str(zcps), "bench", "review", "--source", source, "--fixtures", str(SAMPLE)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == code, result.stderr
    assert says in result.stdout + result.stderr and "Traceback" not in result.stderr
