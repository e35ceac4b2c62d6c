"""``zcps demo``'s default selection from the sample truth, and loading it (or the whole sample) into a store."""

from __future__ import annotations

import pytest

from cli.demo import SAMPLE_INTAKE, SampleApplicant, demo_applicants, load_sample_batch, sample_applicants
from storage.factory import open_store
from zcps.errors import ConfigError

VERDICTS = {"eligible", "not_eligible", "needs_review"}


def _applicant(applicant_id: str, verdict: str, codes=(), severities=(), pages: int = 8) -> SampleApplicant:
    return SampleApplicant(unit="u", applicant_id=applicant_id, verdict=verdict, failure_codes=frozenset(codes),
                           severities=frozenset(severities), pages=pages)


@pytest.fixture(scope="module")
def sample():
    return sample_applicants()


def test_the_default_demo_shows_every_verdict_and_failure_code_of_the_sample(sample):
    chosen = demo_applicants(sample)
    readable = [a for a in chosen if not a.failure_codes]
    assert {a.verdict for a in readable} == VERDICTS == {a.verdict for a in sample}
    assert set().union(*(a.failure_codes for a in chosen)) == set().union(*(a.failure_codes for a in sample)) == {
        "E_ENCRYPTED_PDF", "E_UNSUPPORTED_TYPE", "E_CORRUPT_FILE", "E_EMPTY_FILE"}
    assert set().union(*(a.severities for a in chosen)) == set().union(*(a.severities for a in sample))
    assert 4 <= len(chosen) <= 6 and sum(a.pages for a in chosen) < sum(a.pages for a in sample) / 3


@pytest.mark.parametrize(("applicants", "chosen"), [
    # One applicant showing everything is enough.
    ([_applicant("A", "eligible", severities=["note"]), _applicant("B", "eligible", severities=["note"], pages=2)],
     ["B"]),
    # A bad file's needs_review does not stand in for needs_review on readable files.
    ([_applicant("A", "needs_review", codes=["E_EMPTY_FILE"], severities=["review"]),
      _applicant("B", "needs_review", severities=["review"])], ["A", "B"]),
    # Ties go to fewer pages, then to the id.
    ([_applicant("C", "not_eligible", severities=["block"], pages=9),
      _applicant("B", "not_eligible", severities=["block"], pages=5),
      _applicant("A", "not_eligible", severities=["block"], pages=5)], ["A"]),
    # The widest applicant first, then only what is still missing.
    ([_applicant("A", "eligible"), _applicant("B", "not_eligible", severities=["block"]),
      _applicant("C", "eligible", severities=["note"]), _applicant("D", "not_eligible", severities=["block", "note"])],
     ["A", "D"]),
], ids=["one-covers-all", "bad-file-verdict", "tie-break", "greedy"])
def test_selection(applicants, chosen):
    assert [a.applicant_id for a in demo_applicants(applicants)] == chosen


@pytest.mark.parametrize("full", [False, True], ids=["default", "full"])
def test_load_copies_only_the_chosen_applicants(tmp_path, sample, full):
    chosen = None if full else demo_applicants(sample)
    url = load_sample_batch((tmp_path / "store").as_uri(), applicants=chosen)
    keys = list(open_store(url).list("intake/2024/"))
    expected = sorted(f"intake/2024/{p.relative_to(SAMPLE_INTAKE).as_posix()}" for p in SAMPLE_INTAKE.rglob("*")
                      if p.is_file() and (full or p.relative_to(SAMPLE_INTAKE).parts[1] in
                                          {a.applicant_id for a in chosen}))
    assert keys == expected
    assert len({key.split("/")[3] for key in keys}) == (len(sample) if full else len(chosen))


@pytest.mark.parametrize("missing", ["truth", "intake"])
def test_a_clone_without_the_sample_gets_a_configuration_error(tmp_path, missing):
    with pytest.raises(ConfigError, match="full clone"):
        if missing == "truth":
            sample_applicants(tmp_path / "truth")
        else:
            load_sample_batch((tmp_path / "store").as_uri(), source=tmp_path / "intake")
