"""``zcps demo``: load the committed sample batch into the store and say where the outputs went.

By default the demo loads a few applicants chosen from the sample's truth so that every verdict on
readable materials, every failure code of a bad file and every finding severity appears once; a first
run then takes a couple of minutes instead of OCRing all 186 pages. ``zcps demo --full`` loads all.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from storage.factory import open_store
from storage.layout import intake_key, release_batch_prefix, report_key, reports_prefix, results_prefix
from zcps.errors import ConfigError

SAMPLE_INTAKE = Path(__file__).resolve().parents[1] / "fixtures" / "sample" / "intake"
SAMPLE_TRUTH = SAMPLE_INTAKE.parent / "truth"


class SampleApplicant(BaseModel):
    """One applicant of the sample batch as its truth describes it."""

    unit: str
    applicant_id: str
    verdict: str
    failure_codes: frozenset[str]
    severities: frozenset[str]
    pages: int

    @property
    def folder(self) -> str:
        return f"{self.unit}/{self.applicant_id}"

    def shows(self) -> frozenset[str]:
        """What the applicant demonstrates. A verdict counts only on readable files: a bad file alone
        makes any applicant needs_review, which is what its failure code already shows."""
        verdicts = set() if self.failure_codes else {f"verdict {self.verdict}"}
        return frozenset({*verdicts, *(f"failure {c}" for c in self.failure_codes),
                          *(f"severity {s}" for s in self.severities)})


def sample_applicants(truth: Path = SAMPLE_TRUTH) -> list[SampleApplicant]:
    if not (truth / "index.json").is_file():
        raise ConfigError(f"sample truth not found at {truth}", hint="Run from a full clone of the zcps repository.")
    index = json.loads((truth / "index.json").read_text(encoding="utf-8"))
    applicants = []
    for entry in index["applicants"]:
        folder = truth / entry["unit"] / entry["applicant_id"]
        docs = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((folder / "docs").glob("*.json"))]
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        applicants.append(SampleApplicant(
            unit=entry["unit"], applicant_id=entry["applicant_id"], verdict=expected["verdict"],
            failure_codes=frozenset(doc["bad_file"] for doc in docs if doc["bad_file"]),
            severities=frozenset(finding["severity"] for finding in expected["findings"]),
            pages=sum(len(doc["pages"]) for doc in docs)))
    return applicants


def demo_applicants(applicants: list[SampleApplicant]) -> list[SampleApplicant]:
    """The fewest applicants (greedy set cover, fewest pages first) showing everything the sample shows."""
    wanted = frozenset().union(*(a.shows() for a in applicants))
    chosen: list[SampleApplicant] = []
    shown: frozenset[str] = frozenset()
    while shown != wanted:
        best = min(applicants, key=lambda a: (-len(a.shows() - shown), a.pages, a.applicant_id))
        chosen.append(best)
        shown |= best.shows()
    return sorted(chosen, key=lambda a: (a.unit, a.applicant_id))


def load_sample_batch(store_url: str | None, batch: str = "2024", source: Path = SAMPLE_INTAKE,
                      applicants: list[SampleApplicant] | None = None) -> str:
    """Copy the sample (or only ``applicants``) into ``intake/{batch}/``; unchanged objects are not rewritten."""
    if not source.is_dir():
        raise ConfigError(f"sample batch not found at {source}", hint="Run from a full clone of the zcps repository.")
    folders = [source / a.folder for a in applicants] if applicants is not None else [source]
    store = open_store(store_url)
    for path in sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()):
        key = intake_key(batch, path.relative_to(source).as_posix())
        data = path.read_bytes()
        if store.get_optional(key) != data:
            store.put(key, data)
    return store.url


def describe_outputs(store_url: str, batch: str) -> str:
    store = open_store(store_url)
    reports = list(store.list(reports_prefix(batch)))
    dossiers = sum(1 for key in store.list(release_batch_prefix(batch)) if key.endswith("/dossier.pdf"))
    lines = [f"Store: {store.url}",
             f"  per-document results and reviews: {results_prefix(batch)}",
             f"  masked committee release:         {release_batch_prefix(batch)}",
             f"  committee dossiers (one PDF per released applicant): {dossiers}",
             f"  reports: {len(reports)} files under {reports_prefix(batch)}"]
    local_root = store.url.removeprefix("file://") if store.url.startswith("file://") else None
    for kind, label in (("committee", "Committee report (masked)"), ("unit", "HTML report")):
        key = report_key(batch, None, kind, "html")
        if key in reports:
            lines.append(f"{label}: {Path(local_root, key) if local_root else key}")
    return "\n".join(lines)
