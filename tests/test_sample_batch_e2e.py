"""The whole sample batch through the real pipeline: real PaddleOCR models, a real Prefect flow,
masking with re-OCR verification and all reports. Every applicant's verdict and findings must
match the fixture truth; the committee release and report must carry no personal data."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
from rapidfuzz import fuzz

from support.browser import chromium
from cli.demo import SAMPLE_INTAKE, load_sample_batch
from flows.runner import run_batch
from storage.factory import open_store
from storage.layout import pseudonym_prefix, report_key, reports_prefix, review_key
from zcps.manifest import parse_manifest

# The module fixture runs the whole sample batch (189 files, real OCR, whole-page re-read of every released
# page) inside the first test's timeout.
pytestmark = [pytest.mark.models, pytest.mark.timeout(3000)]

TRUTH = SAMPLE_INTAKE.parent / "truth"
BATCH = "2024"


def _expected() -> dict[tuple[str, str], dict]:
    return {(p.parts[-3], p.parts[-2]): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(TRUTH.glob("*/*/expected.json"))}


def _bad_files() -> dict[str, str]:
    found = {}
    for path in TRUTH.glob("*/*/docs/*.json"):
        truth = json.loads(path.read_text(encoding="utf-8"))
        if truth.get("bad_file"):
            unit, applicant = path.parts[-4], path.parts[-3]
            found[f"{unit}/{applicant}/{truth['file'].removeprefix('docs/')}"] = truth["bad_file"]
    return found


def _manifests():
    return [parse_manifest(p.read_bytes()) for p in sorted(SAMPLE_INTAKE.glob("*/*/manifest.json"))]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    store_url = load_sample_batch(tmp_path_factory.mktemp("store").as_uri())
    first = run_batch(BATCH, store_url=store_url)
    second = run_batch(BATCH, store_url=store_url)
    return open_store(store_url), first, second


def test_bad_files_fail_with_their_codes_and_the_rest_is_done(sample_run):
    store, first, _ = sample_run
    assert {f.key: f.code for f in first.failures} == _bad_files()
    documents = sum(1 for _ in SAMPLE_INTAKE.glob("*/*/docs/*"))
    assert first.done == documents - len(_bad_files())


def test_second_run_over_unchanged_inputs_reuses_everything(sample_run):
    _, first, second = sample_run
    assert second.done == 0 and second.skipped == first.done
    assert second.seconds * 10 < first.seconds


@pytest.mark.parametrize(("unit", "applicant"), sorted(_expected()))
def test_verdict_and_findings_match_the_truth(sample_run, unit, applicant):
    store, _, _ = sample_run
    expected = _expected()[(unit, applicant)]
    review = json.loads(store.get(review_key(BATCH, unit, applicant)))
    assert review["verdict"] == expected["verdict"], [f["message"] for f in review["findings"]]
    assert Counter((f["rule"], f["severity"]) for f in review["findings"]) == \
        Counter((f["rule"], f["severity"]) for f in expected["findings"])


def _pii_strings() -> list[str]:
    values = []
    for manifest in _manifests():
        values += [manifest.name, manifest.id_number, manifest.applicant_id]
        values += [v for v in (manifest.phone, manifest.email) if v]
    return values


def test_release_and_committee_reports_hold_no_pii_as_text(sample_run):
    store, _, _ = sample_run
    keys = list(store.list(f"release/{BATCH}/")) + [k for k in store.list(reports_prefix(BATCH)) if "committee" in k]
    assert any(k.endswith(".png") for k in keys) and any(k.endswith("committee.html") for k in keys)
    texts = {k: store.get(k).decode("utf-8", "ignore") for k in keys if not k.endswith((".png", ".xlsx"))}
    leaks = [(k, v) for k, text in texts.items() for v in _pii_strings() if v in text]
    assert leaks == []


def test_released_pages_reocr_without_pii(sample_run):
    """One released page per applicant, OCR'd again here: no name, ID or phone survives (fuzzy)."""
    from extractors.ocr import get_engine

    store, _, _ = sample_run
    engine = get_engine()
    pseudonyms = {k.rsplit("/", 1)[1]: store.get(k).decode() for k in store.list(pseudonym_prefix(BATCH))}
    for manifest in _manifests():
        pages = [k for k in store.list(f"release/{BATCH}/") if f"/{pseudonyms[manifest.applicant_id]}/docs/" in k]
        assert pages, manifest.applicant_id
        image = cv2.imdecode(np.frombuffer(store.get(pages[0]), np.uint8), cv2.IMREAD_COLOR)
        text = "".join(line.text for line in engine.recognize(image)).replace(" ", "")
        assert manifest.id_number not in text and (manifest.phone or "#") not in text
        assert fuzz.partial_ratio(manifest.name, text) < 100 or len(manifest.name) < 2


def test_every_released_applicant_has_one_verified_dossier_and_no_submitted_names(sample_run):
    import pypdfium2 as pdfium

    store, _, _ = sample_run
    keys = list(store.list(f"release/{BATCH}/"))
    folders = {key.rsplit("/docs/", 1)[0] for key in keys if "/docs/" in key}
    assert folders and {f"{folder}/dossier.pdf" for folder in folders} <= set(keys)
    submitted = {path.name for path in SAMPLE_INTAKE.glob("*/*/docs/*")}
    assert not [key for key in keys if any(name in key for name in submitted)]
    for folder in sorted(folders)[:3]:
        pages = sum(1 for key in keys if key.startswith(f"{folder}/docs/"))
        dossier = pdfium.PdfDocument(store.get(f"{folder}/dossier.pdf"))
        assert len(dossier) >= pages + 1  # the cover, then every released page
        documents = {key.rsplit("/", 1)[1].rsplit("_p", 1)[0] for key in keys if key.startswith(f"{folder}/docs/")}
        outline = [item.get_dest().get_index() for item in dossier.get_toc()]
        assert len(outline) == len(documents) + 1 and outline[0] == 0 and outline == sorted(set(outline))


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.crops = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("class") == "finding":
            self.rows.append(attrs)
        elif tag == "img" and "crop" in (attrs.get("class") or ""):
            self.crops.append(attrs)


def test_unit_report_in_chromium_shows_every_applicants_findings_with_crops(sample_run, tmp_path):
    store, _, _ = sample_run
    # The batch report links to the unit reports, which carry the findings (reports/batch_report.py).
    batch = json.loads(store.get(report_key(BATCH, None, "unit", "json")))
    probe = ("<script>window.addEventListener('load',function(){document.querySelectorAll('img.crop')"
             ".forEach(function(i){i.dataset.naturalWidth=String(i.naturalWidth)})});</script></body>")
    rows = _Rows()
    for unit in (row["unit"] for row in batch["units"]):
        html = store.get(report_key(BATCH, unit, "unit", "html")).decode()
        rows.feed(chromium(tmp_path, html.replace("</body>", probe), "--virtual-time-budget=8000",
                           "--dump-dom").stdout)
    expected = {a: e for (_, a), e in _expected().items()}
    shown = Counter(re.sub(r"\s", "", r.get("data-applicant", "")) for r in rows.rows)
    for applicant, truth in expected.items():
        assert shown[applicant] == len(truth["findings"]), applicant
    decoded = [int(c.get("data-natural-width", "0")) for c in rows.crops]
    assert decoded and all(width > 0 for width in decoded)
    shot = tmp_path / "batch-unit.png"
    chromium(tmp_path, html, f"--screenshot={shot}", height=6000)
    pixels = np.asarray(cv2.imread(str(shot)))
    assert pixels.std() > 30
    Path("out").mkdir(exist_ok=True)
    cv2.imwrite("out/sample-batch-unit-report.png", pixels)
