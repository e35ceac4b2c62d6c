"""The unit report on a 1366×768 laptop screen (headless Chromium): no horizontal scroll, the evidence column
inside the viewport, and a per-applicant explanation for an eligible applicant, kept as a screenshot."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.report_samples import BATCH, build_sample, render_page
from support.validate_samples import documents_for, manifest

from support.browser import chromium
from reports.build import build_reports
from validators.check import check_applicant
from zcps.models import Evidence, Finding

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1366, 768
LONG_KEY = "sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" * 3

PROBE = """<script>
window.addEventListener("load", function () {
  var root = document.documentElement, probe = {};
  probe.viewport = window.innerWidth;
  probe.scrollWidth = Math.max(root.scrollWidth, document.body.scrollWidth);
  function box(element) { var r = element.getBoundingClientRect(); return [r.left, r.right]; }
  var headers = document.getElementById("findings").tHead.rows[0].cells;
  probe.evidenceHeader = box(headers[headers.length - 1]);
  probe.evidenceHeaderText = headers[headers.length - 1].textContent.trim();
  probe.crops = Array.prototype.map.call(document.querySelectorAll("#findings img.crop"), box);
  var eligible = document.querySelector("section.explain[data-verdict=eligible][data-applicant=" +
    JSON.stringify(APPLICANT) + "]");
  probe.eligibleId = eligible ? eligible.id : null;
  probe.topics = eligible ? Array.prototype.map.call(eligible.querySelectorAll("tbody tr td:first-child"),
    function (td) { return td.textContent.trim(); }) : [];
  probe.eligibleText = eligible ? eligible.textContent : "";
  probe.eligibleCrops = eligible ? Array.prototype.map.call(eligible.querySelectorAll("img.crop"), function (img) {
    return [img.naturalWidth].concat(box(img)); }) : [];
  document.body.dataset.probe = JSON.stringify(probe);
});
</script>"""


def _report() -> tuple[str, str]:
    """The sample unit report plus one applicant reviewed by the real validators as eligible, and one very long
    unbroken value (a hash) that must wrap."""
    sample = build_sample()
    eligible_manifest = manifest()
    documents = documents_for(eligible_manifest)
    eligible = check_applicant(eligible_manifest, documents, batch=BATCH, unit="hhht")
    assert eligible.verdict == "eligible", [f.message for f in eligible.findings]
    long = Finding(rule="duplicate.same_file", severity="review", section="§二(四)", message=f"文件内容与{LONG_KEY}相同",
                   declared=LONG_KEY, extracted=LONG_KEY, evidence=Evidence(document=f"docs/{LONG_KEY}.jpg", page=1))
    sample.reviews[1] = sample.reviews[1].model_copy(update={"findings": [*sample.reviews[1].findings, long]})
    pages = dict(sample.pages)
    for result in documents:
        source = f"hhht/{eligible.applicant_id}/docs/{result.ref.file}"
        pages[(source, 1)] = render_page([("v", f"{result.extraction.doc_type.value} 毕业时间：2012年7月1日", 120)])[0]
    html = build_reports(BATCH, [*sample.reviews, eligible], sample.failed_files, kind="unit", formats=("html",),
                         page_image=lambda source, page: pages.get((source, page)))["html"].decode()
    return html, eligible.applicant_id


def test_unit_report_fits_1366_and_explains_an_eligible_applicant(tmp_path):
    html, applicant = _report()
    probed = html.replace("</body>", PROBE.replace("APPLICANT", json.dumps(applicant)) + "</body>")
    dom = chromium(tmp_path, probed, "--virtual-time-budget=5000",
                   "--dump-dom", width=WIDTH, height=HEIGHT).stdout
    probe = json.loads(re.search(r'data-probe="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert probe["viewport"] == WIDTH
    assert probe["scrollWidth"] <= WIDTH, "the report scrolls horizontally"
    left, right = probe["evidenceHeader"]
    assert probe["evidenceHeaderText"] == "证据" and 0 <= left < right <= WIDTH
    assert probe["crops"] and all(0 <= a < b <= WIDTH for a, b in probe["crops"])
    # The eligible applicant's section shows how each requirement was met, with the arithmetic to the cutoff.
    assert {"学历", "现有职称", "任职年限", "继续教育", "年度考核"} <= set(probe["topics"])
    text = probe["eligibleText"]
    assert applicant in text and "符合" in text
    assert re.search(r"自2019-12-28至2024年6月30日共4年6个月（54个月，须满48个月），满足", text), text
    assert "2021年度：公需科目30学时、专业科目60学时，合计90学时" in text
    assert probe["eligibleCrops"] and all(w > 0 and 0 <= a < b <= WIDTH for w, a, b in probe["eligibleCrops"])

    # Headless screenshots do not follow a #fragment: show the eligible applicant's section alone, as laid out.
    only = (f"<style>main > *:not(#explanations), #explanations > section:not(#{probe['eligibleId']}) "
            "{ display: none; }</style></head>")
    shot = tmp_path / "explanation.png"
    chromium(tmp_path, html.replace("</head>", only, 1), f"--screenshot={shot}", width=WIDTH, height=HEIGHT)
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    assert pixels.std() > 20  # text and a crop, not an empty page
    artefacts = Path(__file__).resolve().parents[1] / "artefacts"
    artefacts.mkdir(exist_ok=True)
    shutil.copyfile(shot, artefacts / "report-1366-eligible-explanation.png")
