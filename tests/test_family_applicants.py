"""The unseen-layout applicants: every document in a held-out layout, verdicts on both sides of each
threshold, and the hand-derived expectations agree with the rules when the fields are read exactly."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random

import pytest
from faker import Faker

from benchmarks.review import run_review_bench
from fixtures.generator.facts import Pen
from fixtures.generator.layouts.applicants import CASES, DRAWS, NEW_CASES, applicant_case, build_applicants, documents
from fixtures.generator.layouts.family import HELD_OUT, NEW_HELD_OUT
from storage.local import LocalStore

BY_KIND = {case.kind: case for case in CASES}
# Near-miss pairs: one side of the threshold each.
NEAR_MISSES = ("senior_five_years_exact", "senior_one_month_short", "ce_one_hour_short", "ce_share_short",
               "ce_share_exact")


def test_the_cases_cover_every_verdict_with_near_misses():
    verdicts = {case.verdict for case in CASES}
    assert verdicts == {"eligible", "needs_review", "not_eligible"}
    assert 12 <= len(CASES) <= 16
    assert sum(case.verdict == "eligible" for case in CASES) >= 5
    assert all(kind in BY_KIND for kind in NEAR_MISSES)


def _facts(case):
    return applicant_case(case, 0, Pen(random.Random(1), Faker("zh_CN"), 150)).facts


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_every_family_document_is_in_a_held_out_layout(case):
    facts = _facts(case)
    docs = documents(case, facts)
    assert {d.layout for d in docs if d.layout} <= HELD_OUT
    assert {d.doc_type for d in docs if d.layout is None} == {"pledge", "unit_evaluation"}


def test_a_tuning_layout_is_refused():
    case = dataclasses.replace(BY_KIND["clean_mid"], layouts={**BY_KIND["clean_mid"].layouts,
                                                              "ce_card": "ce-rows-per-year"})
    with pytest.raises(ValueError, match="not held out"):
        documents(case, _facts(case))


@pytest.fixture(scope="module")
def near_miss_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("family-applicants")
    build_applicants(root, cheap=True, cases=tuple(BY_KIND[k] for k in NEAR_MISSES))
    return root


def test_expectations_agree_with_the_rules_on_exact_readings(near_miss_tree, tmp_path):
    bench = run_review_bench(near_miss_tree, source="truth", cache=LocalStore(tmp_path / "cache"))
    assert bench.applicants == len(NEAR_MISSES)
    assert bench.count("eligible", "eligible") == 2 and bench.count("not_eligible", "not_eligible") == 3
    assert bench.finding_differences == {}


def test_manifests_and_truth_follow_the_sample_format(near_miss_tree):
    expected = sorted(near_miss_tree.glob("truth/*/*/expected.json"))
    assert len(expected) == len(NEAR_MISSES)
    for path in expected:
        outcome = json.loads(path.read_text(encoding="utf-8"))
        assert set(outcome) == {"verdict", "path", "findings", "notes"}
        manifest = json.loads((near_miss_tree / "intake" / path.parent.relative_to(near_miss_tree / "truth")
                               / "manifest.json").read_text(encoding="utf-8"))
        for listed in manifest["documents"]:
            assert (near_miss_tree / "intake" / path.parent.relative_to(near_miss_tree / "truth") / listed["file"]).is_file()


def _digests(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_held_out_only_drops_sample_layouts(tmp_path):
    one = (BY_KIND["ce_unstamped"],)
    build_applicants(tmp_path / "a", cheap=True, cases=one)
    build_applicants(tmp_path / "b", cheap=True, cases=one, held_out_only=True)
    full, held_out = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    changed = {k for k in full if held_out.get(k) != full[k]}
    assert changed == {k for k in full if "pledge" in k or "unit_evaluation" in k
                       or k.endswith(("manifest.json", "index.json"))}
    build_applicants(tmp_path / "c", cheap=True, cases=one)
    assert _digests(tmp_path / "c") == full
    card = json.loads(next((tmp_path / "a").glob("truth/*/*/docs/*_ce_card.*.json")).read_text(encoding="utf-8"))
    assert [r["verified_on"] is None for r in card["records"]] == [False, False, True]


@pytest.mark.parametrize("case", NEW_CASES, ids=[c.kind for c in NEW_CASES])
def test_every_second_draw_document_is_in_a_second_draw_layout(case):
    docs = documents(case, _facts(case))
    assert {d.layout for d in docs if d.layout} <= NEW_HELD_OUT


def test_the_second_draw_has_every_verdict_and_its_own_applicant_numbers():
    assert {case.verdict for case in NEW_CASES} == {"eligible", "needs_review", "not_eligible"}
    assert sum(case.verdict == "eligible" for case in NEW_CASES) >= 5
    assert not {c.kind for c in NEW_CASES} & {c.kind for c in CASES}
    cases, first_number = DRAWS["second"]
    assert cases == NEW_CASES and first_number >= DRAWS["first"][1] + len(CASES)


@pytest.fixture(scope="module")
def second_draw_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("second-draw")
    chosen = ("new_clean_mid", "new_title_short", "new_date_mismatch")
    build_applicants(root, cheap=True, cases=tuple(c for c in NEW_CASES if c.kind in chosen),
                     first_number=DRAWS["second"][1])
    return root


def test_second_draw_expectations_agree_with_the_rules_on_exact_readings(second_draw_tree, tmp_path):
    bench = run_review_bench(second_draw_tree, source="truth", cache=LocalStore(tmp_path / "cache"))
    assert [bench.count(v, v) for v in ("eligible", "needs_review", "not_eligible")] == [1, 1, 1]
    assert bench.finding_differences == {}
