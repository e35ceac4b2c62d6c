"""The result of ``zcps bench pipeline``: measured seconds, the rates derived from them, the targets
of issue 8 and the printed table. Rates are computed fields so the JSON carries them too."""

from __future__ import annotations

import math
import os

from pydantic import BaseModel, ConfigDict, Field, computed_field

from zcps.settings import Settings

BENCH_BATCH = "bench"
TARGET_PIPELINE_RATIO = 0.85
TARGET_FULL_RATIO = 0.45
TARGET_DIGITAL_RATIO = 20.0
TARGET_RERUN_SPEEDUP = 50.0
TARGET_PEAK_RSS_MIB = 2048.0
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


class ScalePoint(_Model):
    applicants: int
    files: int
    wall_seconds: float
    flow_seconds: float
    listing_seconds: float  # intake discovery (storage.intake.discover)
    ledger_seconds: float  # reading every ledger entry (what `status` and `rerun --failed` do)
    reports_seconds: float  # every unit and committee report, all formats

    @computed_field
    @property
    def seconds_per_applicant(self) -> float:
        return self.flow_seconds / self.applicants

    @computed_field
    @property
    def wall_seconds_per_applicant(self) -> float:
        return self.wall_seconds / self.applicants


class Target(_Model):
    name: str
    value: float
    target: float
    higher_is_better: bool = True

    @computed_field
    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


class PipelineBenchResult(_Model):
    pages: int
    files: int
    applicants: int
    load_before: MachineLoad
    load_after: MachineLoad | None = None
    model_load_seconds: float = 0.0
    raw_ocr_seconds: float = 0.0
    pipeline_seconds: float = 0.0
    pages_ocr_twice: int = 0  # turned or tilted ≥ 2°: OCR'd again after the orientation fix
    release: list[ReleaseRate] = Field(default_factory=list)
    digital: DigitalRate | None = None
    rerun: RerunTimes | None = None
    scale: list[ScalePoint] = Field(default_factory=list)
    peak_rss_mib: float = 0.0  # this process: models, OCR, masking and the small batch runs
    scale_peak_rss_mib: float = 0.0  # the child process that ran the cached-OCR batches of --scale
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
                f"{self.pages_ocr_twice} of {self.pages} pages OCR'd twice)"]
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
        rows.append(f"peak RSS (this process)      {self.peak_rss_mib:8.0f} MiB; after each phase: "
                    + ", ".join(f"{p.name} {p.peak_rss_mib:.0f}" for p in self.phases if p.name != "scale"))
        if self.scale:
            rows.append(f"peak RSS (scale process)     {self.scale_peak_rss_mib:8.0f} MiB "
                        f"(largest batch: {max(p.applicants for p in self.scale)} applicants)")
        if self.scale:
            rows.append(f"{'applicants':>10}{'files':>7}{'wall s':>9}{'flow s':>9}{'s/appl':>8}"
                        f"{'listing':>9}{'ledger':>8}{'reports':>9}")
            for p in self.scale:
                rows.append(f"{p.applicants:>10}{p.files:>7}{p.wall_seconds:>9.1f}{p.flow_seconds:>9.1f}"
                            f"{p.seconds_per_applicant:>8.3f}{p.listing_seconds:>9.3f}{p.ledger_seconds:>8.3f}"
                            f"{p.reports_seconds:>9.2f}")
        rows.append("targets: " + "; ".join(
            f"{t.name} {t.value:.2f} {'≥' if t.higher_is_better else '≤'} {t.target:g} {'met' if t.met else 'MISSED'}"
            for t in self.targets))
        return "\n".join(rows)


def check_targets(result: PipelineBenchResult) -> list[Target]:
    targets = [Target(name="pipeline/raw", value=result.pipeline_ratio, target=TARGET_PIPELINE_RATIO)]
    targets += [Target(name=f"full({mode})/raw", value=ratio, target=TARGET_FULL_RATIO)
                for mode, ratio in result.full_ratio.items()]
    if result.digital:
        targets.append(Target(name="digital/scan", value=result.digital_ratio_to_scan, target=TARGET_DIGITAL_RATIO))
    if result.rerun:
        targets.append(Target(name="rerun speedup (flow)", value=result.rerun.speedup_flow,
                              target=TARGET_RERUN_SPEEDUP))
        targets.append(Target(name="rerun speedup (wall)", value=result.rerun.speedup_wall,
                              target=TARGET_RERUN_SPEEDUP))
    targets.append(Target(name="peak RSS MiB", value=result.peak_rss_mib, target=TARGET_PEAK_RSS_MIB,
                          higher_is_better=False))
    if result.scale:
        targets.append(Target(name="peak RSS MiB (scale)", value=result.scale_peak_rss_mib,
                              target=TARGET_PEAK_RSS_MIB, higher_is_better=False))
    if len(result.scale) >= 2:
        targets.append(Target(name="scale growth", value=result.scale_growth, target=TARGET_SCALE_GROWTH,
                              higher_is_better=False))
    return targets
