"""The rules file: schema checks, agreement with docs/contracts.md, and another year without code changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from support.validate_samples import ce_record, document, documents_for, manifest, review_rules

from validators import schema
from validators.check import check_applicant
from validators.schema import RULES_DIR, load_rules, load_rules_file
from zcps.errors import ManifestInvalid, RulesInvalid
from zcps.manifest import WORDS, parse_manifest
from zcps.settings import get_settings

CONTRACTS = Path(__file__).parents[1] / "docs" / "contracts.md"
RAW_2024 = yaml.safe_load((RULES_DIR / "2024.yaml").read_text(encoding="utf-8"))


def contract_rules() -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]+) \| (block|review|note) \|", CONTRACTS.read_text(encoding="utf-8"),
                      flags=re.M)
    return {rule: (section.strip(), severity) for rule, section, severity in rows}


def test_2024_rules_load():
    rules = load_rules("2024")
    assert rules.cutoff.isoformat() == "2024-06-30"
    assert rules.continuing_education.min_total_hours == 90
    assert rules.fees_yuan == {"正高级": 320, "副高级": 280, "中级": 150, "助理级": 100, "员级": 100}
    assert [item.item for item in rules.senior_checklist] == list(range(1, 12))


def test_rules_file_and_contracts_table_agree():
    rules = load_rules("2024")
    table = contract_rules()
    assert set(rules.rules) == set(table)
    for rule, (section, severity) in table.items():
        assert (rules.rules[rule].section, rules.rules[rule].severity) == (section, severity), rule


@pytest.mark.parametrize(("mutate", "complaint"), [
    (lambda raw: raw["rules"].pop("ce.hours_short"), "ce.hours_short"),
    (lambda raw: raw["continuing_education"].update(min_professional_share="two thirds"), "min_professional_share"),
    (lambda raw: raw["fees_yuan"].pop("中级"), "中级"),
    (lambda raw: raw["standard_paths"]["中级"][0].update(education="小学"), "education"),
    (lambda raw: raw["paths"].pop("transfer"), "paths must name exactly"),
    (lambda raw: raw["grade_order"].remove("基本合格"), "grade_order must list exactly"),
    (lambda raw: raw["levels"].remove("员级"), "levels must list exactly"),
    (lambda raw: raw["degree_equivalence"].update(副博士="博士"), "degree_equivalence must list exactly"),
    (lambda raw: raw["skilled_worker"]["school_class_equivalence"].pop("技师班"),
     "school_class_equivalence must list exactly"),
    (lambda raw: raw["skilled_worker"]["levels"].pop("技师"), "skilled_worker.levels must list exactly"),
    (lambda raw: raw["paths"].update(future_path={"name": "x", "section": "§x"}), "paths must name exactly"),
    (lambda raw: raw["green_channel"].update(manual_items=[7]), "green_channel items"),
    (lambda raw: raw["rules"]["ce.hours_short"].update(severity="fatal"), "severity"),
])
def test_invalid_rules_files_are_refused(tmp_path, mutate, complaint):
    raw = yaml.safe_load((RULES_DIR / "2024.yaml").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "2030.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesInvalid) as raised:
        load_rules_file(path)
    assert complaint in str(raised.value) and raised.value.code == "E_RULES"


@pytest.mark.parametrize("year", ["1999", "../2024", "abc"])
def test_unknown_year_is_a_config_error(year):
    with pytest.raises(RulesInvalid):
        load_rules(year)


def write_2025(folder: Path) -> Path:
    """A hypothetical 2025 round: cutoff one year later, 100 学时, assessments and CE for 2022–2024."""
    raw = yaml.safe_load((RULES_DIR / "2024.yaml").read_text(encoding="utf-8"))
    raw.update(year=2025, cutoff="2025-06-30")
    raw["continuing_education"].update(min_total_hours=100, years=[2022, 2023, 2024])
    raw["performance"]["years"] = [2022, 2023, 2024]
    path = folder / "2025.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def applicant_2025():
    m = manifest(current_title={"obtained_on": "2020-07-30"},
                 assessments={"2022": "称职", "2023": "称职", "2024": "称职"},
                 ce_hours={str(y): {"public": 30, "professional": 60} for y in (2022, 2023, 2024)})
    docs = [d for d in documents_for(m) if d.extraction.doc_type.value != "ce_card"]
    docs.append(document("ce_card", "05_ce_card.jpg",
                         records=[ce_record(2022), ce_record(2023), ce_record(2024, verified_on="2024-12-10")]))
    return m, docs


def test_another_year_changes_outcomes_without_code_changes(tmp_path):
    m, docs = applicant_2025()
    under_2024 = check_applicant(m, docs, batch="2024", unit="u", rules=load_rules("2024"))
    under_2025 = check_applicant(m, docs, batch="2025", unit="u", rules=load_rules_file(write_2025(tmp_path)))
    assert review_rules(under_2024) == {("qualification.years_short", "block"), ("performance.year_missing", "review"),
                                        ("ce.year_missing", "review")}
    assert review_rules(under_2025) == {("ce.hours_short", "block")}
    assert "100学时" in under_2025.findings[0].message and len(under_2025.findings) == 3


def test_rules_year_is_chosen_by_settings(tmp_path, monkeypatch):
    write_2025(tmp_path)
    monkeypatch.setattr(schema, "RULES_DIR", tmp_path)
    monkeypatch.setenv("ZCPS_RULES_YEAR", "2025")
    get_settings.cache_clear()
    load_rules.cache_clear()
    try:
        m, docs = applicant_2025()
        review = check_applicant(m, docs, batch="2025", unit="u")
        assert {f.rule for f in review.findings} == {"ce.hours_short"}
    finally:
        get_settings.cache_clear()
        load_rules.cache_clear()


def _manifest_with(**changes) -> dict:
    raw = {"schema": "zcps.manifest/1", "applicant_id": "A1", "name": "张三", "id_number": "110101199001011234",
           "unit": "某单位", "unit_location": "city", "sector": "public", "target_level": "中级",
           "education": {"level": "本科"}}
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = raw
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return raw


@pytest.mark.parametrize(("field", "words"), [
    ("target_level", WORDS.levels), ("education__level", WORDS.education_levels),
    ("education__degree", WORDS.degrees), ("skill__level", WORDS.skill_levels),
    ("skill__school_class", WORDS.school_classes)])
def test_the_manifest_accepts_exactly_the_words_of_its_data_file(field, words):
    """zcps/data/manifest_words.yaml is the one list: each word is accepted, a near miss is refused."""
    skill = {"skill__level": "技师", "skill__obtained_on": "2015-01-01"} if field.startswith("skill") else {}
    for word in words:
        parse_manifest(json.dumps(_manifest_with(**{**skill, field: word})))
    for near_miss in (f"{words[0]}级", words[0][:-1] or "x", "其他"):
        if near_miss not in words:
            with pytest.raises(ManifestInvalid):
                parse_manifest(json.dumps(_manifest_with(**{**skill, field: near_miss})))

