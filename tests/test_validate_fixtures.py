"""The committed sample batch: documents built from the fixture TRUTH must give the expected review.

This isolates the rules from OCR: the verdict and the (rule, severity) multiset of every applicant
must equal ``truth/{unit}/{applicant}/expected.json``, whose expectations were derived by hand
from the notice. ``ZCPS_TEST_SAMPLE_DIR`` points the test at another generated sample.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.review import truth_document
from validators.check import check_applicant
from validators.duplicates import duplicate_findings
from zcps.manifest import parse_manifest

SAMPLE = Path(os.environ.get("ZCPS_TEST_SAMPLE_DIR", Path(__file__).parents[1] / "fixtures" / "sample"))
TRUTH = SAMPLE / "truth"


def _applicants() -> list:
    """One case per applicant; a missing truth index is a collection error, never a silent skip."""
    index = json.loads((TRUTH / "index.json").read_text(encoding="utf-8"))
    cases = []
    for entry in index["applicants"]:
        key = (entry["unit"], entry["applicant_id"])
        cases.append(pytest.param(*key, id=f"{key[1]}-{entry['kind']}"))
    return cases


@pytest.fixture(scope="module")
def batch_documents() -> dict:
    keys = [tuple(case.values) for case in _applicants()]
    return {(unit, applicant): [truth_document(SAMPLE, unit, applicant, p)
                                for p in sorted((TRUTH / unit / applicant / "docs").glob("*.json"))]
            for unit, applicant in keys}


@pytest.fixture(scope="module")
def batch_duplicates(batch_documents):
    return duplicate_findings(d for docs in batch_documents.values() for d in docs)


@pytest.mark.parametrize(("unit", "applicant"), _applicants())
def test_review_matches_fixture_truth(unit, applicant, batch_documents, batch_duplicates):
    expected = json.loads((TRUTH / unit / applicant / "expected.json").read_text(encoding="utf-8"))
    manifest = parse_manifest((SAMPLE / "intake" / unit / applicant / "manifest.json").read_bytes())
    review = check_applicant(manifest, batch_documents[(unit, applicant)], batch="2024", unit=unit,
                             batch_findings=batch_duplicates.get((unit, applicant), []))
    got = Counter((f.rule, f.severity) for f in review.findings)
    want = Counter((f["rule"], f["severity"]) for f in expected["findings"])
    assert (review.verdict, got) == (expected["verdict"], want), [f.message for f in review.findings]
    if review.verdict != "not_eligible" or review.path is not None:
        assert review.path is not None and review.path.startswith(expected["path"])
    else:
        assert review.path_explanation
