"""The held-out-layout bench and its date measures, on OCR caches filled from the drawn truth (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import extraction_holdout
from benchmarks.extraction_dates import DateScore, reference_dates, run_xfund, xfund_root
from extractors.ocr import engine_name
from fixtures.generator.layouts.family import HELD_OUT, NEW_HELD_OUT, build_family
from fixtures.generator.truth import DocTruth
from storage.base import sha256_hex
from storage.layout import ocr_cache_key
from storage.local import LocalStore
from zcps.models import DocumentText, Page, TextLine, TextSource


@pytest.mark.parametrize("text,expected", [
    ("受理时间:2020.6.15", {"2020-06-15"}),
    ("2020年6月15日", {"2020-06-15"}),
    ("2019 年 7 月", {"2019-07"}),
    ("２０１９年７月１日", {"2019-07-01"}),
    ("二〇二〇年六月十五日", {"2020-06-15"}),
    ("2019-10-01 至 2019/1/1", {"2019-10-01", "2019-01-01"}),
    ("2006.9-2009.6", {"2006-09", "2009-06"}), ("1986-09", {"1986-09"}), ("2012.11月", {"2012-11"}),
    ("2015-09-28~2019-06-30", {"2015-09-28", "2019-06-30"}),
    # Near misses: a year alone, an edition, an impossible day or month, a part number.
    ("2013年", set()), ("2020年版", set()), ("2020年2月30日", set()), ("2019.13.01", set()), ("GB2312-80", set()),
    ("2010-2015", set()), ("2019.13", set()),
])
def test_reference_dates_of_a_transcription(text, expected):
    assert reference_dates(text) == expected


@pytest.mark.parametrize("printed,reported,recall,not_printed", [
    ({"2020-06-15"}, {"2020-06-15"}, 1.0, 0.0),
    ({"2012-07"}, {"2012-07-01"}, 1.0, 0.0),  # the page prints the month; the day is the extractor's default
    ({"2012-07-01"}, {"2012-07"}, 0.0, 1.0),  # a day printed, only the month reported: not the printed date
    ({"2020-06-15", "2019-01-01"}, {"2020-06-15", "2021-01-01"}, 0.5, 0.5),
    (set(), {"2021-01-01"}, None, 1.0),
    ({"2021-01-01"}, set(), 0.0, None),
])
def test_date_recall_and_dates_not_printed(printed, reported, recall, not_printed):
    score = DateScore()
    score.add(printed, reported)
    assert score.recall == recall and score.not_printed == not_printed


def _cache_from_truth(store: LocalStore, data: bytes, truth: DocTruth) -> None:
    """The drawn lines as if OCR had read them perfectly, under the current engine's name."""
    pages = [Page(number=p.number, width=p.width, height=p.height, dpi=p.dpi,
                  lines=[TextLine(text=line.text, bbox=tuple(line.bbox)) for line in truth.lines if line.page == p.number])
             for p in truth.pages]
    text = DocumentText(sha256=sha256_hex(data), source=TextSource.ocr, engine=engine_name(), pages=pages)
    store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())


def _family(work: Path, store: LocalStore, layouts: list[str]) -> None:
    root = work / "family"
    build_family(root, extraction_holdout.FAMILY_SEED, per_layout=1, layouts=layouts, cheap=True)
    for image in (root / "intake").rglob("*.*"):
        truth_file = root / "truth" / image.relative_to(root / "intake")
        truth_file = truth_file.with_name(truth_file.name + ".json")
        _cache_from_truth(store, image.read_bytes(), DocTruth.model_validate_json(truth_file.read_text(encoding="utf-8")))
    stamp = {"seed": extraction_holdout.FAMILY_SEED, "per_layout": 1,
             "generator": extraction_holdout._generator_digest()}
    (root / "rendered-by.json").write_text(json.dumps(stamp), encoding="utf-8")


def _sample(root: Path, store: LocalStore, family_root: Path, layout: str) -> None:
    """A one-document 'sample batch' copied from a family layout, in the sample's folder shape."""
    (image,) = (family_root / "intake").glob(f"*/{layout}/docs/*")
    target = root / "intake" / "unit-a" / "app-1" / "docs" / image.name
    target.parent.mkdir(parents=True)
    target.write_bytes(image.read_bytes())
    truth = next((family_root / "truth").glob(f"*/{layout}/docs/{image.name}.json"))
    (root / "truth" / "unit-a" / "app-1" / "docs").mkdir(parents=True)
    (root / "truth" / "unit-a" / "app-1" / "docs" / truth.name).write_text(truth.read_text(encoding="utf-8"),
                                                                              encoding="utf-8")


def test_holdout_bench_scores_each_split_by_layout_and_skips_absent_xfund(tmp_path):
    work = tmp_path / "work"
    store = LocalStore(work)
    tuning, held_out = "title-table", sorted(HELD_OUT)[0]
    _family(work, store, [tuning, held_out])
    _sample(tmp_path / "sample", store, work / "family", tuning)
    report = extraction_holdout.run_holdout_bench(tmp_path / "sample", work=work, per_layout=1,
                                                  xfund=tmp_path / "no-xfund")
    splits = report.splits
    assert (splits["tuning"].layouts, splits["held_out"].layouts) == (1, 1)
    assert set(splits["tuning"].per_layout) == {tuning} and set(splits["held_out"].per_layout) == {held_out}
    assert splits["sample"].scores.documents == splits["tuning"].scores.documents == 1
    # The sample document is the tuning document: the same text scores the same.
    assert splits["sample"].scores.families == splits["tuning"].scores.families
    assert splits["tuning"].dates.printed > 0
    table = report.table()
    assert "held-out layouts" in table and "XFUND: skipped" in table and "dates not printed" in table


def test_a_changed_truth_value_lowers_that_split_only(tmp_path):
    work = tmp_path / "work"
    store = LocalStore(work)
    _family(work, store, ["title-table"])
    _sample(tmp_path / "sample", store, work / "family", "title-table")
    baseline = extraction_holdout.run_holdout_bench(tmp_path / "sample", work=work, per_layout=1)
    (truth_file,) = (tmp_path / "sample" / "truth").rglob("*.json")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    truth["fields"]["title_level"]["value"] = "正高级" if truth["fields"]["title_level"]["value"] != "正高级" else "中级"
    truth_file.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    changed = extraction_holdout.run_holdout_bench(tmp_path / "sample", work=work, per_layout=1)
    before, after = baseline.splits["sample"].scores.families["levels"], changed.splits["sample"].scores.families["levels"]
    assert after.correct == before.correct - 1 and after.total == before.total
    assert changed.splits["tuning"].scores.families == baseline.splits["tuning"].scores.families


def test_xfund_dates_from_a_split_folder(tmp_path):
    root = tmp_path / "train_data" / "XFUND" / "zh_train"
    (root / "image").mkdir(parents=True)
    data = b"stand-in scan"
    (root / "image" / "zh_train_0.jpg").write_bytes(data)
    annotations = [{"transcription": "申请日期:", "points": [[0, 0], [90, 0], [90, 30], [0, 30]]},
                   {"transcription": "2020年6月15日", "points": [[100, 0], [300, 0], [300, 30], [100, 30]]}]
    (root / "train.json").write_text("zh_train_0.jpg\t" + json.dumps(annotations, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    store = LocalStore(tmp_path / "work")
    lines = [TextLine(text="申请日期:2020年6月15日 有效期至2026年7月13日", bbox=(0, 0, 600, 30))]
    text = DocumentText(sha256=sha256_hex(data), source=TextSource.ocr, engine=engine_name(),
                        pages=[Page(number=1, width=800, height=600, lines=lines)])
    store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
    assert xfund_root(tmp_path) == root and xfund_root(root) == root and xfund_root(tmp_path / "x") is None
    score = run_xfund(root, store)
    # The OCR line shows a date the transcription does not have: recall 1, one of two reported not printed.
    assert (score.documents, score.printed, score.printed_reported) == (1, 1, 1)
    assert score.reported == 2 and score.not_printed == 0.5


def test_cli_prints_the_three_splits_and_reads_xfund_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    work = tmp_path / "work"
    store = LocalStore(work)
    _family(work, store, ["title-table", "assess-notice"])
    _sample(tmp_path / "sample", store, work / "family", "title-table")
    xfund = tmp_path / "xfund"
    (xfund / "image").mkdir(parents=True)
    (xfund / "image" / "zh_train_0.jpg").write_bytes(b"stand-in scan")
    (xfund / "train.json").write_text('zh_train_0.jpg\t[{"transcription": "2020年6月15日"}]\n', encoding="utf-8")
    lines = [TextLine(text="2020年6月15日", bbox=(0, 0, 200, 30))]
    text = DocumentText(sha256=sha256_hex(b"stand-in scan"), source=TextSource.ocr, engine=engine_name(),
                        pages=[Page(number=1, width=400, height=300, lines=lines)])
    store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
    result = subprocess.run([str(Path(sys.executable).parent / "zcps"), "bench", "extraction", "--holdout-layouts",
                             "--fixtures", str(tmp_path / "sample"), "--work-dir", str(work), "--per-layout", "1"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "ZCPS_XFUND_DIR": str(xfund)})
    assert result.returncode == 0, result.stderr
    assert "held-out layouts" in result.stdout and "assess-notice" in result.stdout
    assert "XFUND zh_train (real scanned forms, 1 pages" in result.stdout


@pytest.mark.parametrize(("only", "scored"), [
    (("held_out", "new_held_out"), {"held_out", "new_held_out"}),
    (("new_held_out",), {"new_held_out"}),
    (("sample",), {"sample"}),
])
def test_only_the_splits_asked_for_are_scored(tmp_path, only, scored):
    work = tmp_path / "work"
    store = LocalStore(work)
    layouts = {"tuning": "title-table", "held_out": sorted(HELD_OUT)[0], "new_held_out": sorted(NEW_HELD_OUT)[0]}
    _family(work, store, list(layouts.values()))
    _sample(tmp_path / "sample", store, work / "family", layouts["tuning"])
    report = extraction_holdout.run_holdout_bench(tmp_path / "sample", work=work, per_layout=1,
                                                  xfund=tmp_path / "no-xfund", only=only)
    assert {name for name, split in report.splits.items() if split.scores.documents} == scored
    assert "second held-out" in report.table()


def test_an_unknown_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown split"):
        extraction_holdout.run_holdout_bench(tmp_path, work=tmp_path / "work", only=("heldout",))
