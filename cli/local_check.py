"""``zcps check``: run one applicant's folder through the document stage and the rules, no store."""

from __future__ import annotations

from pathlib import Path

from pipeline.document import read_document
from validators.check import check_applicant
from zcps.manifest import parse_manifest
from zcps.models import DocumentRef, Review


def check_local(manifest_path: Path, docs_dir: Path | None = None) -> Review:
    manifest = parse_manifest(manifest_path.read_bytes(), source=manifest_path.name)
    docs_dir = docs_dir or manifest_path.parent / "docs"
    unit, applicant = "local", manifest.applicant_id
    paths = sorted(p for p in docs_dir.rglob("*") if p.is_file()) if docs_dir.is_dir() else []
    results = [read_document(DocumentRef(batch="local", unit=unit, applicant=applicant,
                                         file=path.relative_to(docs_dir).as_posix()), path.read_bytes())
               for path in paths]
    return check_applicant(manifest, results, batch="local", unit=unit)
