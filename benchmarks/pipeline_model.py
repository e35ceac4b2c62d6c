"""The result of ``zcps bench pipeline``: measured seconds, the rates derived from them, the targets
of issues 8 and 16 and the printed table. Rates are computed fields so the JSON carries them too.

A phase that could not run carries ``Phase.skipped`` (the reason); every target that depends on it
is reported as skipped, never as met or missed."""

from __future__ import annotations

import math
import os

from pydantic import BaseModel, ConfigDict, Field, computed_field

from benchmarks.scale_model import ScaleRun, table as scale_table
from zcps.settings import Settings

TARGET_PIPELINE_RATIO = 0.9
# Scan pipeline + release over raw OCR, per verify mode (regions: issue 16; full: issue 8).
TARGET_FULL_RATIO = {"regions": 0.6, "full": 0.45}
TARGET_DIGITAL_RATIO = 20.0
TARGET_RERUN_SPEEDUP = 50.0
TARGET_PEAK_RSS_MIB = 1536.0  # the OCR worker (issue 16)
TARGET_SCALE_PEAK_RSS_MIB = 2048.0  # the flow process of the cached-OCR scale batches (issue 8)
# "Flat": the largest batch may cost at most this much more per applicant than the smallest.
TARGET_SCALE_GROWTH = 1.5


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.inf


class SamplePage(_Model):
    path: str
    pages: int


class SampleApplicant(_Model):
    unit: str
    applicant: str
    manifest: str
    files: list[SamplePage]

    @property
    def label(self) -> str:
        return f"{self.unit}/{self.applicant}"


class MachineLoad(_Model):
    cores: int
    load_average: tuple[float, float, float]
    ocr_threads: int
    concurrency: int

    @classmethod
    def now(cls, settings: Settings) -> "MachineLoad":
        return cls(cores=len(os.sched_getaffinity(0)), load_average=os.getloadavg(),
                   ocr_threads=settings.ocr_threads, concurrency=settings.concurrency)


class Phase(_Model):
    name: str
    skipped: str | None = None  # why the phase could not run; its numbers are then absent
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process, all threads: what the phase cost, whatever else the machine ran
    peak_rss_mib: float = 0.0  # the process's peak so far, read when the phase ended


class ReleaseRate(_Model):
    mode: str
    seconds: float
    withheld: int


class DigitalRate(_Model):
    pages: int
    rounds: int
    seconds: float
    pages_per_second: float


class RerunTimes(_Model):
    applicants: int
    files: int
    pages: int
    first_wall_seconds: float
    first_flow_seconds: float
    second_wall_seconds: float
    second_flow_seconds: float
    second_skipped: int

    @computed_field
    @property
    def speedup_wall(self) -> float:
        return self.first_wall_seconds / self.second_wall_seconds

    @computed_field
    @property
    def speedup_flow(self) -> float:
        return self.first_flow_seconds / self.second_flow_seconds


class Target(_Model):
    name: str
    value: float | None  # None when the phase it measures was skipped
    target: float
    higher_is_better: bool = True
    skipped: str | None = None

    @computed_field
    @property
    def met(self) -> bool:
        if self.value is None or self.skipped:
            return False
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @computed_field
    @property
    def status(self) -> str:
        return "skipped" if self.value is None or self.skipped else "met" if self.met else "MISSED"

    def line(self) -> str:
        bound = f"{'≥' if self.higher_is_better else '≤'} {self.target:g}"
        if self.status == "skipped":
            return f"{self.name} {bound} skipped ({self.skipped})"
        return f"{self.name} {self.value:.2f} {bound} {self.status}"


class PipelineBenchResult(_Model):
    pages: int
    files: int
    applicants: int
    load_before: MachineLoad
    load_after: MachineLoad | None = None
    model_load_seconds: float = 0.0
    raw_ocr_seconds: float = 0.0
    pipeline_seconds: float = 0.0
    pages_turned_or_deskewed: int = 0  # decided by the detector probe; every page is still OCR'd once
    release: list[ReleaseRate] = Field(default_factory=list)
    digital: DigitalRate | None = None
    rerun: RerunTimes | None = None
    scale: list[ScaleRun] = Field(default_factory=list)
    peak_rss_mib: float = 0.0  # this process: models, OCR, masking and the small batch runs
    scale_peak_rss_mib: float = 0.0  # the largest of the scale points' flow processes (benchmarks/scale_run.py)
    phases: list[Phase] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)

    @computed_field
    @property
    def raw_ocr_pages_per_second(self) -> float:
        return _rate(self.pages, self.raw_ocr_seconds)

    @computed_field
    @property
    def pipeline_pages_per_second(self) -> float:
        return _rate(self.pages, self.pipeline_seconds)

    @computed_field
    @property
    def pipeline_ratio(self) -> float:
        return self.pipeline_pages_per_second / self.raw_ocr_pages_per_second

    def _cpu(self, name: str) -> float:
        return next((p.cpu_seconds for p in self.phases if p.name == name), 0.0)

    def skipped(self, name: str) -> str | None:
        """Why phase ``name`` was skipped; None when it ran or was not recorded."""
        return next((p.skipped for p in self.phases if p.name == name), None)

    @computed_field
    @property
    def pipeline_ratio_cpu(self) -> float:
        """The same ratio on CPU seconds of this process: less sensitive to other load on the machine."""
        pipeline = self._cpu("scan_pipeline")
        return self._cpu("raw_ocr") / pipeline if pipeline > 0 else 0.0

    @computed_field
    @property
    def full_ratio_cpu(self) -> dict[str, float]:
        raw = self._cpu("raw_ocr")
        return {r.mode: raw / (self._cpu("scan_pipeline") + self._cpu(f"release_{r.mode}")) if raw > 0 else 0.0
                for r in self.release}

    @computed_field
    @property
    def full_pages_per_second(self) -> dict[str, float]:
        """Scan pipeline plus release (masking and its re-OCR check), per verify mode."""
        return {r.mode: _rate(self.pages, self.pipeline_seconds + r.seconds) for r in self.release}

    @computed_field
    @property
    def full_ratio(self) -> dict[str, float]:
        return {mode: rate / self.raw_ocr_pages_per_second for mode, rate in self.full_pages_per_second.items()}

    @computed_field
    @property
    def digital_ratio_to_scan(self) -> float:
        return self.digital.pages_per_second / self.pipeline_pages_per_second if self.digital else 0.0

    @computed_field
    @property
    def scale_growth(self) -> float:
        """Seconds per applicant at the largest batch over that at the smallest (1.0 = flat)."""
        if len(self.scale) < 2:
            return 1.0
        ordered = sorted(self.scale, key=lambda p: p.applicants)
        return ordered[-1].seconds_per_applicant / ordered[0].seconds_per_applicant

    def table(self) -> str:
        load = self.load_before
        rows = [f"pipeline bench: {self.pages} pages, {self.files} files, {self.applicants} applicants; "
                f"{load.cores} cores, load {load.load_average[0]:.2f} at start"
                + (f", {self.load_after.load_average[0]:.2f} at end" if self.load_after else "")
                + f"; ocr_threads={load.ocr_threads}",
                f"models load + warm-up        {self.model_load_seconds:8.1f} s",
                f"raw OCR                      {self.raw_ocr_pages_per_second:8.3f} pages/s",
                f"scan pipeline                {self.pipeline_pages_per_second:8.3f} pages/s "
                f"(×{self.pipeline_ratio:.2f} raw, ×{self.pipeline_ratio_cpu:.2f} on CPU time; "
                f"{self.pages_turned_or_deskewed} of {self.pages} pages turned or deskewed, each OCR'd once)"]
        for release in self.release:
            rows.append(f"full pipeline, verify={release.mode:<8}{self.full_pages_per_second[release.mode]:7.3f} "
                        f"pages/s (×{self.full_ratio[release.mode]:.2f} raw, ×{self.full_ratio_cpu[release.mode]:.2f} CPU; masking {release.seconds:.1f} s, "
                        f"{release.withheld} withheld)")
        if self.digital:
            rows.append(f"digital PDF                  {self.digital.pages_per_second:8.2f} pages/s "
                        f"(×{self.digital_ratio_to_scan:.1f} scan pipeline)")
        if self.rerun:
            r = self.rerun
            rows.append(f"batch run / unchanged re-run  wall {r.first_wall_seconds:.1f} s / {r.second_wall_seconds:.2f} s "
                        f"(×{r.speedup_wall:.1f}); flow {r.first_flow_seconds:.1f} s / {r.second_flow_seconds:.2f} s "
                        f"(×{r.speedup_flow:.1f})")
        rows += [f"{p.name:<29}skipped: {p.skipped}" for p in self.phases if p.skipped]
        rows.append(f"peak RSS (this process)      {self.peak_rss_mib:8.0f} MiB; after each phase: "
                    + ", ".join(f"{p.name} {p.peak_rss_mib:.0f}" for p in self.phases
                                if p.name != "scale" and not p.skipped))
        if self.scale:
            rows.append(f"peak RSS (scale process)     {self.scale_peak_rss_mib:8.0f} MiB "
                        f"(largest batch: {max(p.applicants for p in self.scale)} applicants)")
            rows.append(scale_table(self.scale))
        rows.append("targets: " + "; ".join(t.line() for t in self.targets))
        return "\n".join(rows)


def _target(result: PipelineBenchResult, name: str, phase: str, value: float | None, target: float,
            higher_is_better: bool = True) -> Target:
    reason = result.skipped(phase) or (None if value is not None else "not measured")
    return Target(name=name, value=None if reason else value, target=target, higher_is_better=higher_is_better,
                  skipped=f"{phase}: {reason}" if reason else None)


def check_targets(result: PipelineBenchResult) -> list[Target]:
    targets = [_target(result, "pipeline/raw", "scan_pipeline", result.pipeline_ratio, TARGET_PIPELINE_RATIO)]
    targets += [_target(result, f"full({mode})/raw", f"release_{mode}", result.full_ratio.get(mode), ratio)
                for mode, ratio in TARGET_FULL_RATIO.items()]
    digital = result.digital_ratio_to_scan if result.digital else None
    targets.append(_target(result, "digital/scan", "digital_pdf", digital, TARGET_DIGITAL_RATIO))
    rerun = result.rerun
    targets.append(_target(result, "rerun speedup (flow)", "batch_rerun", rerun.speedup_flow if rerun else None,
                           TARGET_RERUN_SPEEDUP))
    targets.append(_target(result, "rerun speedup (wall)", "batch_rerun", rerun.speedup_wall if rerun else None,
                           TARGET_RERUN_SPEEDUP))
    targets.append(_target(result, "peak RSS MiB", "models", result.peak_rss_mib, TARGET_PEAK_RSS_MIB,
                           higher_is_better=False))
    scale_reason = result.skipped("scale") or (None if result.scale else "not measured")
    targets.append(Target(name="peak RSS MiB (scale)", value=None if scale_reason else result.scale_peak_rss_mib,
                          target=TARGET_SCALE_PEAK_RSS_MIB, higher_is_better=False,
                          skipped=f"scale: {scale_reason}" if scale_reason else None))
    growth_reason = scale_reason or (None if len(result.scale) >= 2 else "fewer than two batch sizes")
    targets.append(Target(name="scale growth", value=None if growth_reason else result.scale_growth,
                          target=TARGET_SCALE_GROWTH, higher_is_better=False,
                          skipped=f"scale: {growth_reason}" if growth_reason else None))
    return targets
