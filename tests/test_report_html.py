"""The HTML report: self-contained, escaped, and working in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from support.browser import chromium
from reports.build import build_reports
from support.report_samples import BATCH, build_sample, pseudonyms

# Findings whose box lies on an available page image: 3 on the CE card, 2 on the title certificate.
CROPPED = 5

PROBE = """<script>
window.addEventListener("load", function () {
  var table = document.getElementById("findings"), probe = {};
  document.querySelectorAll("img.crop").forEach(function (img) {
    img.dataset.naturalWidth = String(img.naturalWidth);
  });
  function visible(id, value, event) {
    var control = document.getElementById(id);
    control.value = value; control.dispatchEvent(new Event(event));
    var shown = table.dataset.visibleRows;
    control.value = ""; control.dispatchEvent(new Event(event));
    return Number(shown);
  }
  probe.block = visible("filter-severity", "block", "change");
  probe.note = visible("filter-severity", "note", "change");
  probe.rule = visible("filter-rule", "ce.hours_short", "change");
  probe.applicant = visible("filter-applicant", APPLICANT, "change");
  probe.text = visible("filter-text", "学时", "input");
  probe.all = Number(table.dataset.visibleRows);
  var severity = table.tHead.rows[0].cells[3];
  severity.click(); probe.ascending = table.tBodies[0].rows[0].dataset.severity;
  severity.click(); probe.descending = table.tBodies[0].rows[0].dataset.severity;
  document.body.dataset.probe = JSON.stringify(probe);
});
</script>"""

pytestmark = pytest.mark.browser


class DomReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.crops: list[dict] = []
        self.rows: list[dict] = []
        self.body: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and "crop" in (attrs.get("class") or ""):
            self.crops.append(attrs)
        elif tag == "tr" and attrs.get("class") == "finding":
            self.rows.append(attrs)
        elif tag == "body":
            self.body = attrs


def _report(kind="unit"):
    sample = build_sample(masked=kind == "committee")
    out = build_reports(BATCH, sample.reviews, sample.failed_files, kind=kind, page_image=sample.page_image,
                        formats=("html",), pseudonyms=pseudonyms(sample))
    return sample, out["html"].decode("utf-8")


@pytest.mark.parametrize("kind", ["unit", "committee"])
def test_self_contained(kind):
    _, html = _report(kind)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!data:)", html)
    assert re.findall(r'<script(?: [^>]*)?>', html) == ["<script>"]  # only the inline one, no src=
    assert len(html.encode()) < 200_000


@pytest.mark.parametrize(("kind", "label"), [("unit", "单位内部审核报告"), ("committee", "评委会报告")])
def test_kind_in_title_banner_and_metadata(kind, label):
    _, html = _report(kind)
    assert f'<meta name="zcps-report-kind" content="{kind}">' in html
    assert re.search(rf"<title>[^<]*{label}[^<]*</title>", html)
    assert re.search(rf'<header class="banner {kind}" id="banner">\s*{label}', html)


def test_text_from_reviews_is_escaped():
    _, html = _report()
    assert "&lt;请人工核对&gt;" in html and "<请人工核对>" not in html
    assert "=HYPERLINK(&#34;http://example.invalid&#34;" in html


def test_findings_without_a_crop_show_a_dash():
    _, html = _report()
    cells = re.findall(r'<td class="evidence">\s*(.*?)</td>', html, flags=re.S)
    assert len(cells) == 8
    assert sum(cell.startswith("<figure>") for cell in cells) == CROPPED
    assert all(cell.startswith(("<figure>", "—")) for cell in cells)


def test_rendered_dom_shows_findings_and_decoded_crops(tmp_path):
    sample, html = _report()
    applicant = sample.people[0].applicant_id
    probed = html.replace("</body>", PROBE.replace("APPLICANT", json.dumps(applicant)) + "</body>")
    dom = chromium(tmp_path, probed, "--virtual-time-budget=5000", "--dump-dom").stdout
    reader = DomReader()
    reader.feed(dom)
    assert len(reader.rows) == 8
    assert {row["data-rule"] for row in reader.rows} == {f.rule for r in sample.reviews for f in r.findings}
    assert len(reader.crops) == CROPPED
    widths = [int(img["data-natural-width"]) for img in reader.crops]
    assert all(0 < width <= 600 for width in widths), widths
    probe = json.loads(reader.body["data-probe"])
    assert probe == {"block": 2, "note": 1, "rule": 1, "applicant": 3, "text": 2, "all": 8,
                     "ascending": "block", "descending": "note"}


def _screenshot(tmp_path: Path, html: str) -> np.ndarray:
    shot = tmp_path / "report.png"
    chromium(tmp_path, html, f"--screenshot={shot}")
    return np.asarray(Image.open(shot).convert("RGB")).astype(int)


@pytest.mark.parametrize(("kind", "banner_rgb"), [("unit", (0x9A, 0x34, 0x12)), ("committee", (0x1D, 0x4E, 0xD8))])
def test_screenshot_is_not_blank_and_wears_the_kind_colour(tmp_path, kind, banner_rgb):
    _, html = _report(kind)
    pixels = _screenshot(tmp_path, html)
    assert pixels.shape[:2] == (3000, 1400)
    content = pixels[:1500]
    assert content.std() > 30
    assert (content.sum(axis=2) < 300).mean() > 0.01  # dark text and crops, not an empty page
    assert np.abs(pixels[5, 700] - np.array(banner_rgb)).max() < 10


def test_dom_rows_carry_message_and_declared_next_to_extracted(tmp_path):
    sample, html = _report()
    dom = chromium(tmp_path, html, "--virtual-time-budget=3000", "--dump-dom").stdout
    rows = dict(re.findall(r'<tr id="(F\d{4})" class="finding".*?>(.*?)</tr>', dom, flags=re.S))
    texts = {key: unescape(re.sub(r"<[^>]+>", "", row)) for key, row in rows.items()}
    for review in sample.reviews:
        for finding in review.findings:
            text = next(t for t in texts.values() if finding.message in t)
            values = f"申报{finding.declared or '—'}识别{finding.extracted or '—'}"
            assert values in re.sub(r"\s+", "", text)
