"""The committed sample batch: reproducible from its seed, and its ground truth is self-consistent."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein
from stdnum.cn import ric
from support.regenerate import regenerating

from zcps.manifest import parse_manifest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
INTAKE, TRUTH = SAMPLE / "intake", SAMPLE / "truth"
CONTRACTS = (REPO / "docs" / "contracts.md").read_text(encoding="utf-8")
DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
CUTOFF = "2024-06-30"

# The generator lives outside the installed packages; it runs from the repository root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APPLICANTS = sorted(p.relative_to(INTAKE).as_posix() for p in INTAKE.glob("*/*") if p.is_dir())
TRUTH_DOCS = sorted(p.relative_to(TRUTH).as_posix() for p in TRUTH.glob("*/*/docs/*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def contract_fields() -> dict[str, set[str]]:
    section = CONTRACTS.split("## Field names per document type")[1].split("\n## ")[0]
    table = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 2 and (cells[0].startswith("`") or cells[0].startswith("all")):
            table[cells[0].strip("`")] = set(re.findall(r"`(\w+)`", cells[1]))
    return table


def contract_rules() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", CONTRACTS, flags=re.M))


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def all_boxes(truth: dict):
    for name, field in truth["fields"].items():
        yield f"fields.{name}", field["page"], field["bbox"]
    for key in ("dates", "records", "lines", "pii"):
        for i, item in enumerate(truth[key]):
            yield f"{key}[{i}]", item["page"], item["bbox"]


def test_sample_is_there():
    assert len(APPLICANTS) >= 12 and len(TRUTH_DOCS) >= 100


def test_regenerating_from_the_seed_is_byte_identical(tmp_path):
    out = SAMPLE if regenerating() else tmp_path  # the one regenerate switch rewrites the committed sample
    subprocess.run([sys.executable, "-m", "fixtures.generator", "--seed", "2024", "--out", str(out)],
                   cwd=REPO, check=True, capture_output=True, timeout=600)
    assert tree_digest(out) == tree_digest(SAMPLE), "fixtures/sample differs from a fresh regeneration"


@pytest.mark.parametrize("applicant", APPLICANTS)
def test_manifest_parses_and_lists_every_file(applicant):
    folder = INTAKE / applicant
    manifest = parse_manifest((folder / "manifest.json").read_bytes(), source=applicant)
    on_disk = sorted(f"docs/{p.name}" for p in (folder / "docs").iterdir())
    assert sorted(d.file for d in manifest.documents) == on_disk
    assert manifest.phone and manifest.address and manifest.unit
    assert ric.is_valid(manifest.id_number)
    assert manifest.applicant_id == applicant.split("/")[1]


@pytest.mark.parametrize("applicant", APPLICANTS)
def test_every_intake_file_has_truth_and_vice_versa(applicant):
    docs = {p.name for p in (INTAKE / applicant / "docs").iterdir()}
    truths = {p.name.removesuffix(".json") for p in (TRUTH / applicant / "docs").glob("*.json")}
    assert docs == truths
    assert (TRUTH / applicant / "expected.json").is_file()
    assert not list((INTAKE / applicant).rglob("*.json.json")) and not (INTAKE / applicant / "expected.json").exists()


@pytest.mark.parametrize("doc", TRUTH_DOCS)
def test_truth_document_is_consistent(doc):
    truth = load(TRUTH / doc)
    applicant = doc.split("/docs/")[0]
    assert truth["file"] == "docs/" + Path(doc).name.removesuffix(".json")
    assert truth["doc_type"] in contract_fields() or truth["doc_type"] == "other"
    if truth["bad_file"]:
        assert truth["bad_file"] in {"E_CORRUPT_FILE", "E_ENCRYPTED_PDF", "E_EMPTY_FILE", "E_UNSUPPORTED_TYPE"}
        assert not truth["pages"] and not truth["lines"]
        return
    pages = {p["number"]: p for p in truth["pages"]}
    assert pages and all(p["rotation"] in (0, 90, 180, 270) for p in pages.values())
    for where, page, (x0, y0, x1, y1) in all_boxes(truth):
        size = pages[page]
        assert 0 <= x0 < x1 <= size["width"] and 0 <= y0 < y1 <= size["height"], where
    allowed = contract_fields()["all (where printed)"] | contract_fields().get(f"{truth['doc_type']}", set())
    assert set(truth["fields"]) <= allowed - {"records"}
    values = [d["value"] for d in truth["dates"]] + [r["verified_on"] for r in truth["records"]]
    values += [f["value"] for n, f in truth["fields"].items() if n.endswith("_on")]
    assert all(DATE.match(v) for v in values), values
    numbers = [(p["text"], p.get("deliberately_invalid", False)) for p in truth["pii"] if p["type"] == "id_number"]
    numbers += [(f["value"], f.get("deliberately_invalid", False)) for n, f in truth["fields"].items() if n == "id_number"]
    for number, invalid in numbers:
        assert ric.is_valid(number) != invalid, number
    for record in truth["records"]:
        assert record["total"] == record["public_hours"] + record["professional_hours"]
    assert (INTAKE / applicant / truth["file"]).is_file()


@pytest.mark.parametrize("doc", TRUTH_DOCS)
def test_stored_file_matches_its_truth(doc):
    truth = load(TRUTH / doc)
    data = (INTAKE / doc.split("/docs/")[0] / truth["file"]).read_bytes()
    bad = truth["bad_file"]
    if bad == "E_EMPTY_FILE":
        assert data == b""
    elif bad == "E_UNSUPPORTED_TYPE":
        with pytest.raises(Image.UnidentifiedImageError):
            Image.open(io.BytesIO(data))
    elif bad in ("E_ENCRYPTED_PDF", "E_CORRUPT_FILE"):
        assert data.startswith(b"%PDF")
        with pytest.raises(pdfium.PdfiumError, match="password" if bad == "E_ENCRYPTED_PDF" else "format"):
            pdfium.PdfDocument(data)
    elif truth["file"].endswith(".pdf"):
        pdf = pdfium.PdfDocument(data)
        assert len(pdf) == len(truth["pages"])
        for page, expected in zip(pdf, truth["pages"]):
            width, height = page.get_size()
            scale = expected["dpi"] / 72
            assert abs(width * scale - expected["width"]) <= 1 and abs(height * scale - expected["height"]) <= 1
    else:
        image = Image.open(io.BytesIO(data))
        page = truth["pages"][0]
        assert image.size == (page["width"], page["height"]) and len(truth["pages"]) == 1
        assert round(image.info["dpi"][0]) == page["dpi"]


def test_digital_pdf_text_layer_matches_truth_lines():
    digital = [d for d in TRUTH_DOCS if d.endswith(".pdf.json") and load(TRUTH / d)["bad_file"] is None]
    read = 0
    for doc in digital:
        truth = load(TRUTH / doc)
        with pdfplumber.open(INTAKE / doc.split("/docs/")[0] / truth["file"]) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages)
        if not text:
            continue  # a scanned PDF: images only
        expected = "".join(line["text"] for line in truth["lines"])
        assert Levenshtein.normalized_distance(text.replace("\n", "").replace(" ", ""),
                                               expected.replace(" ", "")) < 0.02, doc
        read += 1
    assert read >= 1


@pytest.mark.parametrize("applicant", APPLICANTS)
def test_expected_findings_use_contract_rules_and_precedence(applicant):
    expected = load(TRUTH / applicant / "expected.json")
    rules = contract_rules()
    assert rules, "no rule ids parsed from docs/contracts.md"
    assert {f["rule"] for f in expected["findings"]} <= rules
    severities = {f["severity"] for f in expected["findings"]}
    verdict = "not_eligible" if "block" in severities else "needs_review" if "review" in severities else "eligible"
    assert expected["verdict"] == verdict and expected["notes"]
    manifest = load(INTAKE / applicant / "manifest.json")
    assert expected["path"] in manifest["paths"]


def test_sample_covers_every_case_of_issue_3():
    index = load(TRUTH / "index.json")
    people = index["applicants"]
    assert len(people) >= 12 and len(index["units"]) >= 3
    assert set(index["levels"]) == {"员级", "助理级", "中级", "副高级", "正高级"}
    assert {"standard", "rural_county_30y", "rural_township_20y", "township_institution", "non_public",
            "skilled_worker", "transfer", "transitional_2023"} <= set(index["paths"])
    assert any(p.startswith("green_channel:") for p in index["paths"])
    truths = [load(TRUTH / d) for d in TRUTH_DOCS]
    assert {t["doc_type"] for t in truths} >= set(contract_fields()) - {"all (where printed)"}
    assert {t["bad_file"] for t in truths} >= {"E_CORRUPT_FILE", "E_ENCRYPTED_PDF", "E_EMPTY_FILE", "E_UNSUPPORTED_TYPE"}
    assert any(r["verified_on"] > CUTOFF for t in truths for r in t["records"])
    assert {p["rotation"] for t in truths for p in t["pages"]} >= {0, 90, 180}
    assert {Path(t["file"]).suffix for t in truths} >= {".jpg", ".png", ".tif", ".pdf"}
    rules = {f["rule"] for a in APPLICANTS for f in load(TRUTH / a / "expected.json")["findings"]}
    assert {"performance.grade_below", "performance.year_missing", "declared.date_mismatch",
            "qualification.years_short", "identity.name_mismatch", "duplicate.same_file"} <= rules
    assert sum(p["verdict"] == "eligible" for p in people) >= 3


def test_one_file_is_submitted_byte_identically_by_two_applicants():
    owners: dict[str, set[str]] = {}
    for path in INTAKE.glob("*/*/docs/*"):
        if path.stat().st_size:
            owners.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), set()).add(path.parent.parent.name)
    assert [o for o in owners.values() if len(o) > 1]


@pytest.mark.parametrize(("day", "style", "raw", "value"), [
    (date(2019, 7, 1), "cn", "2019年7月1日", "2019-07-01"),
    (date(2019, 7, 1), "cn_spaced", "2019 年 7 月 1 日", "2019-07-01"),
    (date(2019, 7, 1), "dot", "2019.07.01", "2019-07-01"),
    (date(2019, 7, 1), "dash", "2019-7-1", "2019-07-01"),
    (date(2019, 7, 1), "slash_month", "2019/07", "2019-07"),
    (date(2019, 7, 1), "cn_numeral_month", "二〇一九年七月", "2019-07"),
    (date(2019, 7, 1), "financial_month", "贰零壹玖年柒月", "2019-07"),
    (date(2019, 12, 28), "cn_numeral", "二〇一九年十二月二十八日", "2019-12-28"),
    (date(2024, 7, 2), "fullwidth", "２０２４年７月２日", "2024-07-02"),
    # Near misses: a month-only style must not keep the day, a day style must not drop it.
    (date(2024, 6, 30), "cn_month", "2024年6月", "2024-06"),
    (date(2024, 6, 30), "dot", "2024.06.30", "2024-06-30"),
])
def test_date_styles_render_and_normalise(day, style, raw, value):
    from fixtures.generator.text import format_date, normalise_date

    assert format_date(day, style) == raw
    assert normalise_date(day, style) == value


@pytest.mark.parametrize(("gender", "seed"), [("男", 1), ("女", 2), ("男", 3), ("女", 4)])
def test_generated_id_numbers_are_valid_and_a_one_digit_change_is_not(gender, seed):
    from fixtures.generator.text import id_number_for

    number = id_number_for("150105", date(1988, 2, 29), gender, random.Random(seed))
    assert ric.is_valid(number)
    assert int(number[16]) % 2 == (1 if gender == "男" else 0)
    altered = number[:17] + ("0" if number[17] != "0" else "1")
    assert not ric.is_valid(altered)


def test_a_random_batch_uses_the_same_formats(tmp_path):
    subprocess.run([sys.executable, "-m", "fixtures.generator", "--seed", "11", "--applicants", "5", "--cheap",
                    "--out", str(tmp_path)], cwd=REPO, check=True, capture_output=True, timeout=300)
    manifests = sorted(tmp_path.glob("intake/*/*/manifest.json"))
    assert len(manifests) == 5
    for path in manifests:
        manifest = parse_manifest(path.read_bytes(), source=str(path))
        truth_dir = tmp_path / "truth" / path.parent.relative_to(tmp_path / "intake")
        assert {d.file for d in manifest.documents} == {load(p)["file"] for p in truth_dir.glob("docs/*.json")}
        assert load(truth_dir / "expected.json")["verdict"] in ("eligible", "not_eligible", "needs_review")
    assert len(load(tmp_path / "truth" / "index.json")["applicants"]) == 5
