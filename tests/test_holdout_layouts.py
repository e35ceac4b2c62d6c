"""Held-out masking layouts: every layout draws the PII it promises, with truth boxes on the page."""

from __future__ import annotations

import json
import random

import pytest
from faker import Faker

from fixtures.generator import signatories
from fixtures.generator.holdout import LAYOUTS as HOLDOUT_LAYOUTS
from fixtures.generator.holdout import Holdout, write_holdout

LAYOUTS = {**HOLDOUT_LAYOUTS, **signatories.LAYOUTS}
from zcps.manifest import parse_manifest

EXPECTED = {
    "degree_table": {"name", "id_number", "other_name"},
    "ce_register": {"name", "other_name", "signature"},
    "assessment_sign": {"name", "unit", "other_name", "signature"},
    "evaluation_letter": {"name", "id_number", "phone", "unit", "other_name"},
    "title_card": {"name", "other_name"},
    "training_proof": {"name", "phone", "other_name", "signature"},
    "registration_form": {"name", "phone", "unit", "other_name"},
    "appointment_notice": {"name", "other_name"},
    "recommenders": {"name", "other_name", "signature"},
    "title_e_certificate": {"name", "id_number", "certificate_number", "qr_code"},
    "education_report": {"name", "certificate_number", "qr_code"},
    "signoff_table": {"name", "other_name", "signature"},
    "footer_pair": {"name", "other_name"},
    "handwritten_verifier": {"name", "other_name"},
    "running_text": {"name", "other_name"},
}


@pytest.fixture(scope="module")
def holdout() -> Holdout:
    faker = Faker("zh_CN")
    faker.seed_instance(5)
    return Holdout(faker, random.Random(5), 0)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_draws_its_pii(layout, holdout):
    sheet = LAYOUTS[layout][1](holdout)
    assert {item.type for item in sheet.pii} == EXPECTED[layout]
    width, height = sheet.size
    for item in sheet.pii:
        x0, y0, x1, y1 = item.bbox
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    names = [item.text for item in sheet.pii if item.type == "other_name"]
    assert holdout.person.name not in names


def test_written_batch_reads_like_the_sample(tmp_path):
    only = ["ce_register", "recommenders"]
    assert write_holdout(tmp_path, seed=3, applicants=1, only=only) == len(only)
    manifest_path = next((tmp_path / "intake").glob("*/*/manifest.json"))
    manifest = parse_manifest(manifest_path.read_bytes(), source="holdout")
    assert [d.file for d in manifest.documents] == ["docs/01_ce_register.png", "docs/02_recommenders.png"]
    for document in manifest.documents:
        truth = tmp_path / "truth" / manifest_path.parent.parent.name / manifest.applicant_id / f"{document.file}.json"
        assert json.loads(truth.read_text(encoding="utf-8"))["pii"]


def test_signatory_layouts_are_their_own_unit_and_name_uncommon_people(tmp_path):
    assert write_holdout(tmp_path, seed=31, applicants=2, layouts=signatories.LAYOUTS, unit="signatories") == 8
    assert sorted(p.name for p in (tmp_path / "intake" / "signatories").iterdir()) == ["2024-SI-0001", "2024-SI-0002"]
    names = set()
    for truth in (tmp_path / "truth").rglob("*.json"):
        names |= {item["text"] for item in json.loads(truth.read_text(encoding="utf-8"))["pii"]
                  if item["type"] == "other_name"}
    assert names & set(signatories.UNCOMMON_NAMES)
