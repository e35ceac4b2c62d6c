"""``zcps demo``: load the committed sample batch into the store and say where the outputs went."""

from __future__ import annotations

from pathlib import Path

from storage.factory import open_store
from storage.layout import intake_prefix
from zcps.errors import ConfigError

SAMPLE_INTAKE = Path(__file__).resolve().parents[1] / "fixtures" / "sample" / "intake"


def load_sample_batch(store_url: str | None, batch: str = "2024", source: Path = SAMPLE_INTAKE) -> str:
    if not source.is_dir():
        raise ConfigError(f"sample batch not found at {source}", hint="Run from a full clone of the zcps repository.")
    store = open_store(store_url)
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        key = intake_prefix(batch) + path.relative_to(source).as_posix()
        data = path.read_bytes()
        if store.get_optional(key) != data:
            store.put(key, data)
    return store.url


def describe_outputs(store_url: str, batch: str) -> str:
    store = open_store(store_url)
    reports = list(store.list(f"results/{batch}/reports/"))
    dossiers = sum(1 for key in store.list(f"release/{batch}/") if key.endswith("/dossier.pdf"))
    lines = [f"Store: {store.url}",
             f"  per-document results and reviews: results/{batch}/",
             f"  masked committee release:         release/{batch}/",
             f"  committee dossiers (one PDF per released applicant): {dossiers}",
             f"  reports: {len(reports)} files under results/{batch}/reports/"]
    local_root = store.url.removeprefix("file://") if store.url.startswith("file://") else None
    for kind, label in (("committee", "Committee report (masked)"), ("unit", "HTML report")):
        key = f"results/{batch}/reports/batch-{kind}.html"
        if key in reports:
            lines.append(f"{label}: {Path(local_root, key) if local_root else key}")
    return "\n".join(lines)
