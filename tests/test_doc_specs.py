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
from validators.engine import doc_name
from validators.schema import load_rules
from zcps.doctypes import default_catalogue, load_catalogue
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


HEAD = "name: 新类型\nrelease_order: 999\n"
BROKEN = [
    ("duplicate", "pledge_again.yaml", "doc_type: pledge\n" + HEAD + "title_keywords: {承诺书: 4}\n", "already registered"),
    ("release place taken", "x.yaml", "doc_type: new\nname: 新\nrelease_order: 80\ntitle_keywords: {a: 1}\n",
     "release_order 80"),
    ("no name", "x.yaml", "doc_type: new\nrelease_order: 999\ntitle_keywords: {a: 1}\n", "name"),
    ("no release order", "x.yaml", "doc_type: new\nname: 新\ntitle_keywords: {a: 1}\n", "release_order"),
    ("unknown kind", "x.yaml", "doc_type: pledge\n" + HEAD + "title_keywords: {a: 1}\nfields: {f: {kind: colour}}\n",
     "kind"),
    ("unknown key", "x.yaml", "doc_type: pledge\n" + HEAD + "title_keywords: {a: 1}\nlabels: [a]\n", "labels"),
    ("bad regex", "x.yaml", "doc_type: pledge\n" + HEAD + "title_keywords: {a: 1}\nfields: {f: {kind: date, avoid: ['(']}}\n",
     "x.yaml"),
    ("not an id", "x.yaml", "doc_type: Diploma Type\n" + HEAD + "title_keywords: {a: 1}\n", "doc_type"),
    ("other has no spec", "x.yaml", "doc_type: other\n" + HEAD + "title_keywords: {a: 1}\n", "other"),
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
    assert said in str(error.value) and file in str(error.value) and error.value.code == "E_SPEC"


HONOUR = ("doc_type: honour_certificate\nname: 荣誉证书\nrelease_order: 85\n"
          "title_keywords: {荣誉称号: 6, 授予: 1}\nfields: {awarded_on: {kind: date, labels: [授予日期]}}\n")


def test_a_new_type_is_one_file(tmp_path):
    folder = _copy_specs(tmp_path)
    (folder / "honour_certificate.yaml").write_text(HONOUR, encoding="utf-8")
    registry = load_registry(folder)
    spec = registry.get("honour_certificate")
    assert len(registry) == len(specs()) + 1 and "awarded_on" in spec.fields and "id_number" in spec.fields
    assert registry.catalogue.name("honour_certificate") == "荣誉证书"
    # released after the achievements (80), before the pledge (90); ``other`` stays last
    ids = registry.catalogue.ids()
    at = ids.index("honour_certificate")
    assert ids[at - 1:at + 2] == ("achievement", "honour_certificate", "pledge") and ids[-1] == "other"
    assert load_catalogue(folder).ids() == ids


def test_the_packaged_types_are_the_spec_files():
    """``DocType``, the names and the release order all come from the spec files; nothing else lists them."""
    catalogue = load_catalogue()
    assert [member.value for member in DocType] == list(catalogue.ids()) == list(specs().catalogue.ids())
    assert doc_name(DocType.ce_card) == "继续教育审验卡" and doc_name("other") == "其他材料"


@pytest.mark.parametrize(("lookup", "doc_type"), [
    ("spec", "diploma"), ("spec", DocType.other), ("spec", "honour_certificate"), ("name", "diploma"),
    ("name", "Pledge"), ("release", "ce_cards")])
def test_unknown_type_is_named(lookup, doc_type):
    find = {"spec": specs().get, "name": doc_name, "release": default_catalogue().release_rank}[lookup]
    with pytest.raises(UnknownDocType) as error:
        find(doc_type)
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
