"""The report view model: what is counted, labelled, ordered and hidden."""

from __future__ import annotations

import shlex

import pytest

from reports.build import build_reports
from reports.model import FailedFile, build_report_data, safe_cell_text
from support.report_samples import BATCH, UNIT_A, UNIT_B, build_sample, pseudonyms
from zcps.errors import ReportInputError
from zcps.models import DocumentRef, Review


@pytest.fixture(scope="module")
def sample():
    return build_sample()


def test_summary_counts_verdicts_and_fees_per_level(sample):
    summary = build_report_data(BATCH, sample.reviews, sample.failed_files, kind="unit").summary
    assert (summary.applicants, summary.eligible, summary.not_eligible, summary.needs_review) == (4, 1, 1, 2)
    assert summary.fees_yuan == sum(r.fee_yuan for r in sample.reviews)
    assert [(lv.level, lv.applicants, lv.fees_yuan) for lv in summary.levels] == [
        ("助理级", 1, 100), ("中级", 1, 150), ("副高级", 1, 280), ("正高级", 1, 320)]
    assert summary.findings == {"block": 2, "review": 5, "note": 1}


def test_levels_group_applicants_and_unknown_level_goes_last():
    reviews = [Review(batch=BATCH, unit="u", applicant_id=f"a{i}", target_level=level, verdict=verdict, fee_yuan=fee)
               for i, (level, verdict, fee) in enumerate([
                   ("中级", "eligible", 150), (None, "needs_review", None), ("中级", "not_eligible", 150),
                   ("员级", "eligible", 100)])]
    levels = build_report_data(BATCH, reviews, [], kind="unit").summary.levels
    assert [(lv.level, lv.applicants, lv.eligible, lv.not_eligible, lv.needs_review, lv.fees_yuan)
            for lv in levels] == [("员级", 1, 1, 0, 0, 100), ("中级", 2, 1, 1, 0, 300), ("未注明", 1, 0, 0, 1, 0)]


@pytest.mark.parametrize(("unit", "applicants", "failed"), [
    (None, 4, 2),
    (UNIT_A, 2, 1),
    (UNIT_B, 2, 1),
    ("no-such-unit", 0, 0),
])
def test_unit_scope_selects_reviews_and_failed_files(sample, unit, applicants, failed):
    report = build_report_data(BATCH, sample.reviews, sample.failed_files, kind="unit", unit=unit)
    assert len(report.applicants) == applicants
    assert len(report.failed_files) == failed
    assert all(a.unit == unit for a in report.applicants) or unit is None
    # A unit is titled by the name its manifests give it (folder name when none does).
    named = next((r.unit_name for r in sample.reviews if r.unit == unit and r.unit_name), unit)
    assert (named or "全部单位") in report.title


def test_other_batches_are_left_out(sample):
    other = sample.reviews[0].model_copy(update={"batch": "2023"})
    report = build_report_data(BATCH, [other], [], kind="unit")
    assert report.applicants == [] and report.findings == []


def test_findings_are_numbered_grouped_by_applicant_and_blocks_first(sample):
    report = build_report_data(BATCH, sample.reviews, [], kind="unit")
    assert [f.id for f in report.findings] == [f"F{i:04d}" for i in range(1, 9)]
    first_a = [f for f in report.findings if f.applicant == sample.people[0].applicant_id]
    assert [f.severity for f in first_a] == ["block", "block", "review"]
    for applicant in report.applicants:
        mine = [f.id for f in report.findings if f.applicant == applicant.applicant]
        assert applicant.first_finding == (mine[0] if mine else None)


def test_page_source_names_the_intake_file_and_is_not_serialised(sample):
    report = build_report_data(BATCH, sample.reviews, [], kind="unit")
    person = sample.people[0]
    finding = next(f for f in report.findings if f.rule == "ce.hours_short")
    assert finding.page_source == f"{person.unit}/{person.applicant_id}/docs/03_ce_card.jpg"
    assert "page_source" not in finding.model_dump()
    assert next(f for f in report.findings if f.rule == "docs.missing").page_source is None


@pytest.mark.parametrize(("kind", "shows_id"), [("unit", True), ("committee", False)])
def test_applicant_label_is_id_for_unit_and_pseudonym_for_committee(sample, kind, shows_id):
    report = build_report_data(BATCH, sample.reviews, sample.failed_files, kind=kind, pseudonyms=pseudonyms(sample))
    ids = {p.applicant_id for p in sample.people}
    names = {p.pseudonym for p in sample.people}
    assert {a.applicant for a in report.applicants} == (ids if shows_id else names)
    assert all((a.applicant_id is not None) == shows_id for a in report.applicants)
    assert all((f.key is not None) == shows_id and (f.rerun_command is not None) == shows_id
               for f in report.failed_files)


def test_committee_without_a_pseudonym_fails_closed(sample):
    partial = pseudonyms(sample)
    partial.pop(sample.people[2].applicant_id)
    with pytest.raises(ReportInputError) as caught:
        build_report_data(BATCH, sample.reviews, [], kind="committee", pseudonyms=partial)
    assert caught.value.code == "E_REPORT_INPUT"
    assert sample.people[2].applicant_id not in str(caught.value)


@pytest.mark.parametrize("kind", ["Unit", "release", ""])
def test_unknown_kind_is_rejected(sample, kind):
    with pytest.raises(ReportInputError):
        build_report_data(BATCH, sample.reviews, [], kind=kind)


@pytest.mark.parametrize(("formats", "expected"), [
    (("json",), ["json"]),
    (("csv", "json", "csv"), ["csv", "json"]),
    (("html", "xlsx", "csv", "json"), ["html", "xlsx", "csv", "json"]),
])
def test_build_reports_returns_requested_formats(sample, formats, expected):
    out = build_reports(BATCH, sample.reviews, sample.failed_files, kind="unit", formats=formats)
    assert list(out) == expected and all(out.values())


@pytest.mark.parametrize("formats", [("pdf",), ("json", "JSON"), ("htm",)])
def test_build_reports_rejects_unknown_formats(sample, formats):
    with pytest.raises(ReportInputError):
        build_reports(BATCH, sample.reviews, [], kind="unit", formats=formats)


@pytest.mark.parametrize(("file", "expected"), [
    ("05_scan.tif", "zcps rerun --batch 2024 u1/2024-U1-0001/05_scan.tif"),
    ("02 论文.pdf", "zcps rerun --batch 2024 'u1/2024-U1-0001/02 论文.pdf'"),
    ("a'b.pdf", "zcps rerun --batch 2024 'u1/2024-U1-0001/a'\"'\"'b.pdf'"),
])
def test_rerun_command_is_exact_and_shell_safe(file, expected):
    failed = FailedFile.from_ref(DocumentRef(batch=BATCH, unit="u1", applicant="2024-U1-0001", file=file), "E_X")
    assert failed.rerun_command(BATCH) == expected
    assert shlex.split(expected)[-1] == failed.key


def test_rerun_all_only_when_something_failed(sample):
    assert build_report_data(BATCH, sample.reviews, sample.failed_files, kind="unit").rerun_all_command == \
        "zcps rerun --batch 2024 --failed"
    assert build_report_data(BATCH, sample.reviews, [], kind="unit").rerun_all_command is None


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+86 139", "'+86 139"), ("@SUM(A1)", "'@SUM(A1)"), ("-cmd|x", "'-cmd|x"),
    ("\t=1", "'\t=1"), ("-5", "-5"), ("-2.5", "-2.5"), ("2019-07-01", "2019-07-01"), ("a=b", "a=b"),
    ("", ""), (None, "")])
def test_safe_cell_text_neutralises_formulas_only(value, expected):
    assert safe_cell_text(value) == expected
