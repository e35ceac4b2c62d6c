"""Document-type specs: every type has one, each is checked, a duplicate is refused, an unknown type is named;
the level and grade words are the rules file's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractors.doc_specs import SPEC_DIR, load_registry, specs
from extractors.grades import find_grade
from extractors.levels import find_degree, find_education_level, find_title, find_title_level
from extractors.vocabulary import vocabulary
from validators.schema import load_rules
from zcps.errors import SpecInvalid, UnknownDocType
from zcps.models import DocType


def test_every_document_type_but_other_has_a_spec():
    assert {spec.doc_type for spec in specs()} == set(DocType) - {DocType.other}


def test_shared_fields_reach_every_type():
    for spec in specs():
        assert "id_number" in spec.fields and "name" in spec.fields


def _copy_specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, folder)
    return folder


BROKEN = [
    ("duplicate", "pledge_again.yaml", "doc_type: pledge\ntitle_keywords: {承诺书: 4}\n", "already registered"),
    ("unknown kind", "x.yaml", "doc_type: pledge\ntitle_keywords: {a: 1}\nfields: {f: {kind: colour}}\n", "kind"),
    ("unknown key", "x.yaml", "doc_type: pledge\ntitle_keywords: {a: 1}\nlabels: [a]\n", "labels"),
    ("bad regex", "x.yaml", "doc_type: pledge\ntitle_keywords: {a: 1}\nfields: {f: {kind: date, avoid: ['(']}}\n", "x.yaml"),
    ("not a type", "x.yaml", "doc_type: diploma\ntitle_keywords: {a: 1}\n", "doc_type"),
    ("other has no spec", "x.yaml", "doc_type: other\ntitle_keywords: {a: 1}\n", "other"),
    ("not a mapping", "x.yaml", "- a\n", "mapping"),
]


@pytest.mark.parametrize(("case", "file", "text", "said"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_specs_are_refused_with_the_file_named(tmp_path, case, file, text, said):
    folder = _copy_specs(tmp_path)
    if case != "duplicate":
        (folder / "pledge.yaml").unlink()
    (folder / file).write_text(text, encoding="utf-8")
    with pytest.raises(SpecInvalid) as error:
        load_registry(folder)
    assert said in str(error.value) and error.value.code == "E_SPEC"


def test_a_new_type_is_one_file(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "pledge.yaml").write_text("doc_type: pledge\ntitle_keywords: {承诺书: 4}\n"
                                        "fields: {signed_on: {kind: date, labels: [日期]}}\n", encoding="utf-8")
    registry = load_registry(folder)
    assert len(registry) == 1 and set(registry.get("pledge").fields) == {"signed_on"}


@pytest.mark.parametrize("doc_type", ["diploma", DocType.other])
def test_unknown_type_is_named(doc_type):
    with pytest.raises(UnknownDocType) as error:
        specs().get(doc_type)
    assert str(getattr(doc_type, "value", doc_type)) in str(error.value)


def test_words_come_from_the_rules_file():
    rules = load_rules("2024")
    words = vocabulary()
    assert words.grades == tuple(rules.grade_order)
    assert words.levels == tuple(rules.levels)
    for word, level in rules.vocabulary.education_words.items():
        assert find_education_level(f"{word}学习").value == level
    for word, level in rules.vocabulary.title_names.items():
        assert find_title(f"具备{word}资格").value == word
        assert find_title_level(f"具备{word}资格").value == level
    for word, degree in rules.vocabulary.degree_words.items():
        assert find_degree(f"授予工学{word}").value == degree
    for grade in rules.grade_order:
        assert find_grade(f"考核结果：{grade}").value == grade
