"""The whole-batch report at scale: built from the units' report summaries, one row per unit, linking
to the unit reports, so its size does not grow with the applicants (many synthetic applicants whose
reviews are real ``Review`` objects in a local store; no OCR)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pipeline.reports import write_batch_report, write_batch_reports
from storage.layout import report_key, report_summary_key, review_key
from storage.local import LocalStore
from support.browser import chromium
from support.report_samples import BATCH, build_sample
from zcps.settings import get_settings

UNITS = ["baotou-supply", "hohhot-supply", "ordos-supply", "wuhai-supply"]


def _batch(root: Path, applicants: int) -> LocalStore:
    """``applicants`` reviews spread over ``UNITS``, each a copy of a sample review under a new id."""
    store = LocalStore(root)
    samples = build_sample().reviews
    for number in range(applicants):
        unit = UNITS[number % len(UNITS)]
        review = samples[number % len(samples)].model_copy(update=dict(unit=unit, applicant_id=f"S-{number:05d}",
                                                                       unit_name=None, applicant_name=None))
        store.put(review_key(BATCH, unit, review.applicant_id), review.model_dump_json().encode())
    written = write_batch_reports(BATCH, store.url, UNITS)
    assert written.failures == []
    return store


def _json(store: LocalStore, unit: str | None, kind: str = "unit") -> dict:
    return json.loads(store.get(report_key(BATCH, unit, kind, "json")))


@pytest.mark.parametrize("applicants", [8, 400])
def test_batch_counts_are_the_sum_of_the_unit_reports(tmp_path, applicants):
    store = _batch(tmp_path, applicants)
    batch = _json(store, None)
    units = {unit: _json(store, unit) for unit in UNITS}
    assert batch["summary"]["applicants"] == applicants == sum(len(u["applicants"]) for u in units.values())
    for row in batch["units"]:
        assert row["summary"]["applicants"] == len(units[row["unit"]]["applicants"])
        assert row["summary"]["findings"] == units[row["unit"]]["summary"]["findings"]
    for severity, count in batch["summary"]["findings"].items():
        assert count == sum(u["summary"]["findings"][severity] for u in units.values())


def test_batch_report_does_not_grow_with_the_applicants(tmp_path):
    small, large = _batch(tmp_path / "small", 8), _batch(tmp_path / "large", 400)
    for fmt in ("html", "json", "csv"):
        sizes = [len(store.get(report_key(BATCH, None, "unit", fmt))) for store in (small, large)]
        assert abs(sizes[1] - sizes[0]) < 200, (fmt, sizes)  # only the counts' digits differ
    unit_sizes = [len(store.get(report_key(BATCH, UNITS[0], "unit", "html"))) for store in (small, large)]
    assert unit_sizes[1] > 10 * unit_sizes[0], "the unit reports do carry every applicant"
    html = large.get(report_key(BATCH, None, "unit", "html")).decode()
    assert "S-00001" not in html and html.count('<tr class="unit"') == len(UNITS)


@pytest.mark.parametrize("damage", ["missing", "unreadable", "intact"])
def test_a_unit_without_a_readable_summary_is_listed_as_not_built(tmp_path, damage):
    store = _batch(tmp_path, 40)
    key = report_summary_key(BATCH, UNITS[1], "unit")
    if damage == "missing":
        store.delete(key)
    elif damage == "unreadable":
        store.put(key, b"{not json")
    # The reviews are gone: a batch report that read them would now count nothing.
    for number in range(40):
        store.delete(review_key(BATCH, UNITS[number % len(UNITS)], f"S-{number:05d}"))
    assert write_batch_report(BATCH, store.url, "unit", ("json", "html"), UNITS).failures == []
    batch = _json(store, None)
    row = next(r for r in batch["units"] if r["unit"] == UNITS[1])
    assert (row["summary"] is None) is (damage != "intact")
    assert batch["summary"]["applicants"] == (40 if damage == "intact" else 30)
    html = store.get(report_key(BATCH, None, "unit", "html")).decode()
    assert ("单位报告未生成" in html) is (damage != "intact")


@pytest.mark.parametrize("kind", ["unit", "committee"])
def test_batch_html_in_chromium_links_to_every_units_report(tmp_path, kind):
    store = _batch(tmp_path / "store", 400)
    key = report_key(BATCH, None, kind, "html")
    html = store.get(key).decode()
    probe = ("<script>window.addEventListener('load',function(){document.querySelectorAll('a.unit-report')"
             ".forEach(function(a){a.dataset.resolved=a.href})});</script></body>")
    # The page is opened where the store keeps it, so its relative links resolve as a reviewer's would.
    here = tmp_path / "store" / Path(key).parent
    dom = chromium(here, html.replace("</body>", probe), "--virtual-time-budget=3000", "--dump-dom").stdout
    resolved = re.findall(r'data-format="html"[^>]*data-resolved="([^"]+)"|data-resolved="([^"]+)"[^>]*'
                          r'data-format="html"', dom)
    targets = [Path(unquote(urlparse(a or b).path)) for a, b in resolved]
    assert len(targets) == len(UNITS)
    for target in targets:
        assert target.is_file(), target
        unit = target.parent.name
        assert re.search(rf'data-unit="{unit}"', dom)
        unit_report = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
        assert unit_report["unit"] == unit and unit_report["kind"] == kind
    assert re.search(r'id="count-units">4<', dom)


@pytest.fixture
def page_size(monkeypatch):
    def set_size(applicants: int) -> None:
        monkeypatch.setenv("ZCPS_REPORT_PAGE_APPLICANTS", str(applicants))
        get_settings.cache_clear()

    yield set_size
    monkeypatch.delenv("ZCPS_REPORT_PAGE_APPLICANTS", raising=False)
    get_settings.cache_clear()


@pytest.mark.parametrize("per_page, in_unit, pages", [(30, 30, 1), (30, 31, 2), (30, 100, 4)])
def test_a_big_units_html_is_paged_and_every_applicant_is_on_exactly_one_page(tmp_path, page_size, per_page,
                                                                              in_unit, pages):
    page_size(per_page)
    store = _batch(tmp_path / "store", in_unit * len(UNITS))
    first = report_key(BATCH, UNITS[0], "unit", "html")
    html = store.get(first).decode()
    here = tmp_path / "store" / Path(first).parent
    dom = chromium(here, html, "--dump-dom").stdout
    names = re.findall(r'<a class="page" href="([^"]+)"', dom)
    assert len(names) == pages - 1 and ("id=\"pages\"" in dom) is (pages > 1)
    shown: list[str] = []
    for page in [html, *((here / name).read_text(encoding="utf-8") for name in names)]:
        table = page[page.index('id="applicants"'):page.index("</table>", page.index('id="applicants"'))]
        shown += re.findall(r"S-\d{5}", table)
    assert sorted(shown) == sorted(a["applicant"] for a in _json(store, UNITS[0])["applicants"])
    assert len(set(shown)) == len(shown) == in_unit

