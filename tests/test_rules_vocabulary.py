"""One vocabulary: path names, severity order and verdict precedence, and which rules file a batch runs on."""

from __future__ import annotations

import hashlib

import pytest
from support.validate_samples import documents_for, manifest

from validators.check import check_applicant, check_invalid_manifest
from validators.schema import RULES_DIR, load_rules, rules_for_batch, rules_of, rules_year_for
from zcps.errors import ManifestInvalid, RulesMissing
from zcps.labels import SEVERITY_LABELS
from zcps.manifest import PATH_IDS
from zcps.models import SEVERITY_ORDER, Finding, Review, RulesRef, severity_rank, verdict_of
from zcps.settings import Settings

RULES_2024 = load_rules("2024")


@pytest.mark.parametrize(("path", "name"), [
    ("standard", "学历（学位）、资历条件"), ("standard:中级③", "学历（学位）、资历条件（中级③）"),
    ("green_channel:7", "绿色通道第7项"), ("green_channel:1", "绿色通道第1项"),
    ("rural_county_30y", "旗县工作满30年破格"), ("transitional_2023", "2023年过渡性政策"),
    ("future_path", "future_path"), ("future_path:x", "future_path:x"), (None, None)])
def test_each_path_has_one_name_from_the_rules_file(path, name):
    assert RULES_2024.path_name(path) == name


def test_the_rules_file_names_every_manifest_path():
    assert set(RULES_2024.paths) == set(PATH_IDS)


def _finding(severity: str) -> Finding:
    return Finding(rule="x", severity=severity, section="—", message="m")


@pytest.mark.parametrize(("severities", "verdict"), [
    ((), "eligible"), (("note",), "eligible"), (("review",), "needs_review"), (("note", "review"), "needs_review"),
    (("block",), "not_eligible"), (("review", "block", "note"), "not_eligible"), (("note", "note"), "eligible")])
def test_the_most_serious_finding_decides_the_verdict(severities, verdict):
    assert verdict_of([_finding(s) for s in severities]) == verdict


def test_severities_are_ranked_and_labelled_in_one_order():
    assert SEVERITY_ORDER == ("block", "review", "note")
    assert [severity_rank(s) for s in SEVERITY_ORDER] == [0, 1, 2]
    assert tuple(SEVERITY_LABELS) == SEVERITY_ORDER


@pytest.mark.parametrize(("batch", "mapped", "default", "year"), [
    ("2024", {}, "2024", "2024"), ("2025", {}, "2024", "2025"), ("2025-spring", {}, "2024", "2025"),
    ("hh-test", {}, "2024", "2024"), ("hh-test", {}, "2030", "2030"),
    ("2025-spring", {"2025-spring": "2024"}, "2024", "2024"), ("20245", {}, "2024", "2024"),
    ("1999", {"2025": "2024"}, "2024", "1999")])
def test_a_batch_names_its_rules_year(batch, mapped, default, year):
    assert rules_year_for(batch, Settings(rules_year=default, rules_years=mapped)) == year


@pytest.mark.parametrize("batch", ["2025", "2031-autumn"])
def test_a_batch_without_a_rules_file_is_a_configuration_error(batch):
    with pytest.raises(RulesMissing) as raised:
        rules_for_batch(batch, Settings())
    assert raised.value.code == "E_RULES_MISSING" and "ZCPS_RULES_YEARS" in raised.value.hint


def test_a_mapped_batch_runs_on_the_mapped_year():
    assert rules_for_batch("2025", Settings(rules_years={"2025": "2024"})).source == RULES_2024.source


def test_reviews_record_the_rules_file_and_its_hash():
    m = manifest()
    review = check_applicant(m, documents_for(m), batch="2024", unit="u")
    digest = hashlib.sha256((RULES_DIR / "2024.yaml").read_bytes()).hexdigest()
    assert review.rules == RulesRef(file="validators/rules/2024.yaml", sha256=digest)
    invalid = check_invalid_manifest("a1", "u", "2024", ManifestInvalid("x"))
    assert invalid.rules == review.rules


@pytest.mark.parametrize(("recorded", "batch"), [
    (RulesRef(file="validators/rules/2024.yaml", sha256="0" * 64), "2031"),  # the recorded file wins
    (None, "2024"),  # written before rules were recorded: the batch's rules
    (RulesRef(file="2025.yaml", sha256="0" * 64), "2024"),  # a file outside the repo: the batch's rules
])
def test_a_review_is_read_with_the_rules_it_was_made_under(recorded, batch):
    review = Review(batch=batch, unit="u", applicant_id="a", verdict="eligible", rules=recorded)
    assert rules_of(review).source == RULES_2024.source


@pytest.mark.parametrize("batch", ["2031", "2031-spring"])
def test_a_batch_run_without_rules_stops_before_reading_the_store(tmp_path, batch):
    from flows.runner import run_batch

    store = tmp_path / "store"
    with pytest.raises(RulesMissing):
        run_batch(batch, store_url=store.as_uri(), release=False, reports=False)
    assert not store.exists()  # nothing was opened, listed or written
