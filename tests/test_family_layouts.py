"""The second fixture family: every layout renders with complete truth, the split is by layout, bytes repeat."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from faker import Faker

from fixtures.generator.layouts.common import REGISTRY, format_family_date, layout
from fixtures.generator.layouts.family import (
    GROUPS, HELD_OUT, NEW_HELD_OUT, FamilyDoc, build_family, group_of, plan_family, render, render_layout,
)
from fixtures.generator.truth import DocTruth

KEY_FIELDS = {
    "education_certificate": ("education_level", "graduated_on", "name"),
    "degree_certificate": ("degree", "conferred_on", "name"),
    "title_certificate": ("title_level", "title_name", "qualified_on", "name"),
    "appointment_letter": ("title_name", "appointed_on", "name"),
    "vocational_qualification": ("skill_level", "obtained_on", "name"),
    "ce_card": ("name",),
    "annual_assessment": ("year", "grade", "signed_on", "name"),
}


def test_at_least_forty_layouts_across_every_group_and_a_fixed_held_out_third():
    assert len(REGISTRY) >= 40
    assert HELD_OUT <= set(REGISTRY)
    for group in set(GROUPS) - {"second_draw"}:
        ids = [i for i, item in REGISTRY.items() if group_of(item) == group]
        held = [i for i in ids if i in HELD_OUT]
        assert 0 < len(held) < len(ids), group
    # the second held-out draw: its own group, disjoint from the first split, covering each applicant's documents
    second = {i for i, item in REGISTRY.items() if group_of(item) == "second_draw"}
    assert second == NEW_HELD_OUT and not second & HELD_OUT
    assert {REGISTRY[i].doc_type for i in second} >= {"education_certificate", "title_certificate", "ce_card",
                                                      "annual_assessment", "vocational_qualification"}
    assert {item.doc_type for item in REGISTRY.values()} == set(KEY_FIELDS)


def test_a_layout_id_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        layout("ce-rows-per-year", "ce_card", "duplicate")(lambda f, pen: [])


@pytest.mark.parametrize("layout_id", sorted(REGISTRY))
def test_every_layout_renders_with_its_key_fields_and_dates_in_truth(layout_id):
    item = REGISTRY[layout_id]
    doc = FamilyDoc(item, group_of(item), 0, "scan", f"01_{item.doc_type}.jpg")
    data, truth = render(doc, 7, Faker("zh_CN"), dpi=100, cheap=True)
    assert data[:2] == b"\xff\xd8"
    truth = DocTruth.model_validate(truth.model_dump())
    assert truth.doc_type == item.doc_type
    for name in KEY_FIELDS[item.doc_type]:
        assert name in truth.fields, name
    printed = {d.value for d in truth.dates}
    for name, value in truth.fields.items():
        if name.endswith("_on"):
            assert value.value in printed, name
    if item.doc_type == "ce_card":
        assert len(truth.records) == 3 and all(r.total == r.public_hours + r.professional_hours for r in truth.records)
    width, height = truth.pages[0].width, truth.pages[0].height
    for line in truth.lines:
        assert 0 <= line.bbox[0] < line.bbox[2] <= width and 0 <= line.bbox[1] < line.bbox[3] <= height


@pytest.mark.parametrize("style,expected", [
    ("cn_zero", "二零一九年十二月二十日"), ("cn_circle", "二○一九年十二月二十日"), ("cn_numeral", "二〇一九年十二月二十日"),
    ("upper", "贰零壹玖年拾贰月贰拾日"), ("dot_short", "2019.12.20"), ("cn_month_spaced", "2019 年 12 月"),
    ("upper_month", "贰零壹玖年拾贰月"), ("slash", "2019/12/20"),
])
def test_date_styles(style, expected):
    from datetime import date

    assert format_family_date(date(2019, 12, 20), style) == expected


@pytest.mark.parametrize("degradation,magic", [("fax", b"II*\x00"), ("turned", b"\xff\xd8"), ("phone", b"\xff\xd8")])
def test_one_layout_rendered_alone_is_reproducible_and_turned_pages_say_so(degradation, magic):
    first, truth = render_layout("ce-blocks-per-year", seed=3, degradation=degradation, dpi=100, cheap=True)
    again, _ = render_layout("ce-blocks-per-year", seed=3, degradation=degradation, dpi=100, cheap=True)
    assert first == again and first[:4].startswith(magic)
    assert truth.pages[0].rotation in ((90, 270) if degradation == "turned" else (0,))


def _digest(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_the_index_names_each_layouts_split(tmp_path):
    chosen = random.Random(3).sample(sorted(REGISTRY), 3) + ["ce-blocks-per-year"]
    build_family(tmp_path / "a", seed=11, per_layout=2, layouts=chosen, cheap=True)
    build_family(tmp_path / "b", seed=11, per_layout=2, layouts=chosen, cheap=True)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    index = json.loads((tmp_path / "a" / "truth" / "family.json").read_text(encoding="utf-8"))
    assert {entry["id"] for entry in index["layouts"]} == set(chosen)
    for entry in index["layouts"]:
        assert entry["split"] == ("held_out" if entry["id"] in HELD_OUT else
                                  "new_held_out" if entry["id"] in NEW_HELD_OUT else "tuning")
        assert len(entry["files"]) == 2
        for file in entry["files"]:
            assert (tmp_path / "a" / "intake" / file["file"]).exists()
            assert (tmp_path / "a" / "truth" / (file["file"] + ".json")).exists()


@pytest.mark.parametrize("seed", [2025, 7])
def test_the_second_draw_leaves_the_first_familys_plan_as_it_was(seed):
    """The first family's documents are drawn in the same capture kinds with or without the second draw, so
    their recorded OCR and the scores measured on them stay comparable."""
    first = [i for i in REGISTRY if i not in NEW_HELD_OUT]
    alone = plan_family(seed, 2, first)
    together = [d for d in plan_family(seed, 2) if d.layout.id not in NEW_HELD_OUT]
    assert [(d.layout.id, d.degradation, d.file) for d in alone] == [(d.layout.id, d.degradation, d.file) for d in together]
