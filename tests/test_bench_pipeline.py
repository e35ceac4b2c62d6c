"""``zcps bench pipeline`` on a tiny configuration (2 pages, scale 2 and 4): the JSON carries every
metric with a positive, finite value. No timing is asserted; the numbers are in docs/benchmarks.md."""

from __future__ import annotations

import json
import math

import pytest
from rapidfuzz.distance import Levenshtein
from typer.testing import CliRunner

from benchmarks.pipeline import SAMPLE_ROOT, _PhaseClock, digital_pdf_of, select_applicants
from benchmarks.pipeline_model import (DigitalRate, MachineLoad, Phase, PipelineBenchResult, ReleaseRate, RerunTimes,
                                       check_targets)
from benchmarks.scale import text_from_truth
from benchmarks.scale_model import ScaleRun
from zcps.errors import ConfigError
from zcps.models import DocumentText, Page, TextLine, TextSource
from zcps.settings import get_settings

RATES = ["raw_ocr_pages_per_second", "pipeline_pages_per_second", "pipeline_ratio", "pipeline_ratio_cpu",
         "digital_ratio_to_scan",
         "model_load_seconds", "raw_ocr_seconds", "pipeline_seconds", "peak_rss_mib", "scale_peak_rss_mib", "scale_growth"]


def _positive_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory) -> dict:
    from cli.main import build_app

    out = tmp_path_factory.mktemp("bench") / "bench-pipeline.json"
    outcome = CliRunner().invoke(build_app(), ["bench", "pipeline", "--pages", "2", "--scale", "2,4", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert "raw OCR" in outcome.output and "targets:" in outcome.output
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.models
@pytest.mark.parametrize("metric", RATES)
def test_top_level_metric_is_positive_and_finite(bench_json, metric):
    assert _positive_finite(bench_json[metric]), (metric, bench_json[metric])


@pytest.mark.models
@pytest.mark.parametrize("mode", ["regions", "full"])
def test_full_pipeline_rate_per_verify_mode(bench_json, mode):
    assert _positive_finite(bench_json["full_pages_per_second"][mode])
    assert _positive_finite(bench_json["full_ratio"][mode])
    assert _positive_finite(bench_json["full_ratio_cpu"][mode])
    # Masking adds work on the same pages, so the full rate cannot beat the scan pipeline's.
    assert bench_json["full_pages_per_second"][mode] < bench_json["pipeline_pages_per_second"]


@pytest.mark.models
@pytest.mark.parametrize("field", ["first_wall_seconds", "first_flow_seconds", "second_wall_seconds",
                                   "second_flow_seconds", "speedup_wall", "speedup_flow", "pages"])
def test_rerun_metrics(bench_json, field):
    assert _positive_finite(bench_json["rerun"][field])


@pytest.mark.models
@pytest.mark.parametrize("name", ["models", "raw_ocr", "scan_pipeline", "release_regions", "release_full",
                                  "digital_pdf", "batch_rerun", "scale"])
def test_every_phase_has_time_cpu_and_memory(bench_json, name):
    phase = next(p for p in bench_json["phases"] if p["name"] == name)
    assert all(_positive_finite(phase[field]) for field in ("wall_seconds", "cpu_seconds", "peak_rss_mib")), phase


@pytest.mark.models
def test_rerun_skips_every_unchanged_file(bench_json):
    assert bench_json["rerun"]["second_skipped"] == bench_json["rerun"]["files"]


@pytest.mark.models
@pytest.mark.parametrize("size", [2, 4])
def test_scale_point_per_size(bench_json, size):
    point = next(p for p in bench_json["scale"] if p["applicants"] == size)
    for field in ("files", "wall_seconds", "flow_seconds", "seconds_per_applicant", "listing_seconds",
                  "ledger_summary_seconds", "reports_seconds", "report_bytes"):
        assert _positive_finite(point[field]), (size, field, point[field])


@pytest.mark.models
def test_pages_and_targets_match_the_tiny_configuration(bench_json):
    assert bench_json["pages"] >= 2 and bench_json["digital"]["pages"] >= bench_json["pages"]
    names = {t["name"] for t in bench_json["targets"]}
    assert {"pipeline/raw", "full(regions)/raw", "full(full)/raw", "digital/scan", "rerun speedup (flow)",
            "peak RSS MiB", "peak RSS MiB (scale)", "scale growth"} <= names


@pytest.mark.parametrize("pages, expected_files", [(1, 1), (2, 2), (9, 9), (10, 10)])
def test_selection_takes_whole_files_until_enough_pages(pages, expected_files):
    chosen = select_applicants(SAMPLE_ROOT, pages, get_settings())
    assert sum(len(a.files) for a in chosen) == expected_files
    assert sum(f.pages for a in chosen for f in a.files) >= pages


def _load(value: float) -> MachineLoad:
    return MachineLoad(cores=2, load_average=(value, value, value), ocr_threads=2, concurrency=2)


@pytest.mark.parametrize("raw, pipeline, masking, pipeline_met, full_met", [
    (10.0, 11.1, 5.5, True, True),     # ratio 0.901, full(regions) 0.602: both just met
    (10.0, 11.2, 5.4, False, True),    # ratio 0.893: near miss
    (10.0, 11.1, 5.7, True, False),    # full(regions) 0.595: near miss
])
def test_targets_near_misses(raw, pipeline, masking, pipeline_met, full_met):
    result = PipelineBenchResult(pages=10, files=10, applicants=1, load_before=_load(1.0), model_load_seconds=1.0,
                                 raw_ocr_seconds=raw, pipeline_seconds=pipeline,
                                 release=[ReleaseRate(mode="regions", seconds=masking, withheld=0)])
    met = {t.name: t.met for t in check_targets(result)}
    assert met["pipeline/raw"] is pipeline_met
    assert met["full(regions)/raw"] is full_met


def _scale_run(applicants: int, flow_seconds: float) -> ScaleRun:
    return ScaleRun(store="local", applicants=applicants, files=9 * applicants, wall_seconds=flow_seconds + 1,
                    flow_seconds=flow_seconds, peak_rss_mib=300.0, listing_seconds=0.1, ledger_summary_seconds=0.1,
                    status_seconds=1.0, reviews_task_seconds=1.0, reports_seconds=0.1, task_runs=10, flow_runs=3,
                    run_requests={"get": 10}, status_requests=applicants)


@pytest.mark.parametrize("small, large, flat", [(0.10, 0.149, True), (0.10, 0.151, False), (0.20, 0.10, True)])
def test_scale_growth_target(small, large, flat):
    points = [_scale_run(n, s * n) for n, s in ((10, small), (500, large))]
    result = PipelineBenchResult(pages=1, files=1, applicants=1, load_before=_load(1.0), model_load_seconds=1.0,
                                 raw_ocr_seconds=1.0, pipeline_seconds=1.0, scale=points)
    assert next(t for t in check_targets(result) if t.name == "scale growth").met is flat


@pytest.mark.parametrize("lines", [["专业技术资格证书", "姓名：张三", "取得资格时间：2016年12月28日"],
                                   ["继续教育审验卡", "2021 年 公需科目 30 学时 专业科目 60 学时"]])
def test_digital_pdf_keeps_the_text(lines):
    from extractors.acquire import acquire_text

    page = Page(number=1, width=1240, height=1754, dpi=150,
                lines=[TextLine(text=t, bbox=(100, 100 + 80 * i, 100 + 40 * len(t), 150 + 80 * i))
                       for i, t in enumerate(lines)])
    data = digital_pdf_of([DocumentText(sha256="x", source=TextSource.ocr, engine="", pages=[page])])
    text = acquire_text(data, "bench.pdf")
    assert text.source is TextSource.pdf_text
    got = "".join(text.text.split())
    want = "".join("".join(lines).split())
    assert Levenshtein.normalized_distance(got, want) < 0.05


@pytest.mark.parametrize("file, source", [("hhht-power/2024-HH-0001/docs/01_education.jpg", TextSource.ocr),
                                          ("hhht-power/2024-HH-0003/docs/11_pledge.pdf", TextSource.pdf_text)])
def test_cache_text_from_truth_is_a_hit(tmp_path, file, source):
    from extractors.acquire import acquire_text_cached
    from extractors.ocr import engine_name
    from storage.layout import ocr_cache_key
    from storage.local import LocalStore

    path = SAMPLE_ROOT / "intake" / file
    data = path.read_bytes()
    truth = {"pages": [{"number": 1, "width": 800, "height": 600, "dpi": 150}],
             "lines": [{"text": "毕业证书", "page": 1, "bbox": [10, 10, 200, 50]}]}
    text = text_from_truth(truth, data, path.name, engine_name())
    assert text.source is source
    store = LocalStore(tmp_path)
    store.put(ocr_cache_key(text.sha256), text.model_dump_json().encode())
    cached, hit = acquire_text_cached(store, data, path.name)
    assert hit and cached.pages[0].lines[0].text == "毕业证书"


def _phase(name: str, skipped: str | None = None) -> Phase:
    return Phase(name=name, skipped=skipped, wall_seconds=1.0, cpu_seconds=1.0, peak_rss_mib=100.0)


RAN = ["models", "raw_ocr", "scan_pipeline", "release_regions", "release_full", "digital_pdf", "batch_rerun", "scale"]


@pytest.mark.parametrize("skipped_phase, skipped_targets", [
    (None, set()),
    ("scale", {"peak RSS MiB (scale)", "scale growth"}),
    ("batch_rerun", {"rerun speedup (flow)", "rerun speedup (wall)"}),
    ("release_full", {"full(full)/raw"}),
    ("digital_pdf", {"digital/scan"}),
])
def test_skipped_phases_skip_their_targets(skipped_phase, skipped_targets):
    phases = [_phase(name, "ResourceMissing: font 'song' not found" if name == skipped_phase else None) for name in RAN]
    release = [ReleaseRate(mode=mode, seconds=2.0, withheld=0) for mode in ("regions", "full")
               if f"release_{mode}" != skipped_phase]
    rerun = RerunTimes(applicants=1, files=2, pages=2, first_wall_seconds=60, first_flow_seconds=50,
                       second_wall_seconds=1, second_flow_seconds=0.5, second_skipped=2)
    scale = [_scale_run(n, n * 0.2) for n in (10, 100)]
    result = PipelineBenchResult(
        pages=10, files=10, applicants=1, load_before=_load(1.0), model_load_seconds=1.0, raw_ocr_seconds=10.0,
        pipeline_seconds=10.5, phases=phases, release=release,
        digital=None if skipped_phase == "digital_pdf" else DigitalRate(pages=10, rounds=1, seconds=0.1, pages_per_second=100),
        rerun=None if skipped_phase == "batch_rerun" else rerun, peak_rss_mib=1000.0,
        scale=[] if skipped_phase == "scale" else scale, scale_peak_rss_mib=0.0 if skipped_phase == "scale" else 700.0)
    targets = check_targets(result)
    assert {t.name for t in targets if t.status == "skipped"} == skipped_targets
    assert not any(t.met for t in targets if t.status == "skipped")
    assert all(t.status in ("met", "MISSED") and t.value is not None for t in targets if t.name not in skipped_targets)
    result.targets = targets
    table = result.table()
    for name in skipped_targets:
        assert f"{name} " in table and f"skipped ({skipped_phase}: ResourceMissing" in table
    if skipped_phase:
        assert f"{skipped_phase:<29}skipped: ResourceMissing: font 'song' not found" in table


@pytest.mark.parametrize("skippable, error, outcome", [
    (True, OSError("rclone not found"), "OSError: rclone not found"),
    (True, ConfigError("no batch sizes given\nsecond line"), "ConfigError: no batch sizes given"),
    (True, None, None),
    (False, OSError("rclone not found"), OSError),
])
def test_phase_clock_records_skips_and_writes_json(tmp_path, skippable, error, outcome):
    out = tmp_path / "bench.json"
    result = PipelineBenchResult(pages=1, files=1, applicants=1, load_before=_load(1.0), raw_ocr_seconds=1.0,
                                 pipeline_seconds=1.0)
    with _PhaseClock(result, "models", out):
        pass
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [p["name"] for p in written["phases"]] == ["models"]

    def run_phase():
        with _PhaseClock(result, "scale", out, skippable=skippable):
            if error is not None:
                raise error

    if outcome is OSError:
        with pytest.raises(OSError):
            run_phase()
    else:
        run_phase()
    written = json.loads(out.read_text(encoding="utf-8"))
    phases = {p["name"]: p for p in written["phases"]}
    assert set(phases) == {"models", "scale"}  # the earlier phase survives whatever happened later
    assert phases["scale"]["skipped"] == (outcome if isinstance(outcome, str) else None)
    scale_target = next(t for t in written["targets"] if t["name"] == "peak RSS MiB (scale)")
    assert scale_target["status"] == "skipped" and scale_target["met"] is False
