"""Settings from the environment (``ZCPS_`` prefix) or secret files; nothing is read at import time."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zcps.resources import FONTS


def default_model_dir() -> Path:
    return Path(sys.prefix) / "share" / "zcps" / "models"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZCPS_", extra="ignore")

    store_url: str = Field(default="file://./zcps-data", description="file://DIR or s3://HOST:PORT")
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_access_key_file: Path | None = None
    s3_secret_key_file: Path | None = None
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    bucket_prefix: str = ""
    # Send If-Match / If-None-Match on ledger-summary writes (MinIO and AWS honour them); off for a
    # server that refuses the headers. Correctness never depends on it: summaries are verified on read.
    s3_conditional_writes: bool = True
    # Optional separate store for the intake/ area (e.g. a read-only endpoint); the rest stays on store_url.
    intake_store_url: str | None = None
    intake_read_only: bool = True

    model_dir: Path = Field(default_factory=default_model_dir)
    # ONNX Runtime intra-op threads per OCR engine. 1: ZCPS_CONCURRENCY single-thread workers use the
    # cores; 2 threads per worker cost 6.56 against 3.11 CPU s/page in `zcps bench ocr` (docs/benchmarks.md).
    ocr_threads: int = 1
    # OCR engine settings (extractors.ocr_options.OcrOptions; chosen by `zcps bench ocr`, docs/benchmarks.md).
    ocr_det_limit_type: Literal["min", "max"] = "max"
    ocr_det_limit_side_len: int = 960
    ocr_rec_batch_size: int = 12
    ocr_inter_threads: int = 1
    ocr_graph_level: Literal["disabled", "basic", "extended", "all"] = "all"
    ocr_mem_arena: bool = True
    ocr_mem_pattern: bool = False
    ocr_bucket: int = 128
    ocr_probe_long_side: int = 640
    ocr_quantised: Literal["none", "det", "rec", "both"] = "none"
    max_image_pixels: int = 60_000_000
    max_pages: int = 200
    max_file_bytes: int = 200 * 1024 * 1024
    render_dpi: int = 200
    # Lines of a trusted PDF text layer that are OCR'd on the rendered page to confirm it shows the
    # same text (extractors.spot_check); 0 trusts the render-mode and coverage analysis alone.
    pdf_spot_check_lines: int = Field(default=8, ge=0)

    concurrency: int = 2
    # Applicants per Prefect subflow: bounds the task runs of one flow run (their documents, reviews, releases).
    applicants_per_flow: int = Field(default=50, ge=1)
    # Applicants per page of a unit's HTML report: a page stays small enough to open however big the unit
    # (evidence crops are about 330 KiB per applicant, docs/benchmarks.md).
    report_page_applicants: int = Field(default=50, ge=1)
    # Concurrent OCR runs of the whole deployment (Prefect's global concurrency limit ``ocr``); unset:
    # the flow host's cores over ZCPS_OCR_THREADS. With several hosts, set it to the sum over workers.
    ocr_slots: int | None = Field(default=None, ge=1)
    # How long a document waits for an OCR slot before it fails with E_OCR_SLOT_TIMEOUT: a slot held
    # for ever (a stale count on a standing server) then fails files the operator can rerun, rather
    # than hanging the batch.
    ocr_slot_wait_seconds: float = Field(default=3600.0, gt=0)
    retries: int = 3
    retry_delay_seconds: float = 2.0
    lease_seconds: int = 900
    # A loaded 2-core host needs more than a minute to start Prefect's API server (load 15 missed 60 s).
    prefect_start_seconds: float = Field(default=180.0, gt=0)

    pseudonym_key: SecretStr = SecretStr("zcps-dev-key-change-me")
    # Which rules file a batch runs on (validators.schema.rules_year_for): ZCPS_RULES_YEARS maps batch
    # names to years ('{"2025-spring": "2025"}'); a batch not mapped uses the year its name starts with;
    # rules_year serves batches whose name holds no year.
    rules_year: str = "2024"
    rules_years: dict[str, str] = Field(default_factory=dict)
    # Masking re-OCR check (masking.verify): "page" reads the whole released page at reduced size
    # plus crops around every masked line; "full" reads whole pages at full size; "regions" reads
    # only the crops (depends on detection; for measuring the cost of the independent read).
    mask_verify_mode: Literal["regions", "page", "full"] = "page"
    # CJK font embedded in the committee dossier (release/…/dossier.pdf).
    dossier_font: Path = Field(default_factory=lambda: FONTS["mhei"].path)

    # `zcps serve`: 02:00 Beijing time on 18 July, the day after the units' checking window (1–17 July) closes.
    schedule_cron: str = "0 2 18 7 *"
    schedule_timezone: str = "Asia/Shanghai"
    schedule_batch: str = "2024"
    log_format: Literal["text", "json"] = "text"

    @model_validator(mode="after")
    def _secret_files(self) -> "Settings":
        for name in ("s3_access_key", "s3_secret_key"):
            path = getattr(self, f"{name}_file")
            if getattr(self, name) is None and path is not None:
                setattr(self, name, SecretStr(Path(path).read_text().strip()))
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
