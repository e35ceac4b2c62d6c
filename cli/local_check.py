"""``zcps check``: run one applicant's folder through acquisition, extraction and the rules, no store."""

from __future__ import annotations

from pathlib import Path

from extractors.acquire import acquire_text
from extractors.extract import extract_document, page_images_of
from storage.base import sha256_hex
from validators.check import check_applicant
from zcps.errors import InputError
from zcps.manifest import parse_manifest
from zcps.models import DocumentRef, DocumentResult, ErrorInfo, Review, Status


def check_local(manifest_path: Path, docs_dir: Path | None = None) -> Review:
    manifest = parse_manifest(manifest_path.read_bytes(), source=manifest_path.name)
    docs_dir = docs_dir or manifest_path.parent / "docs"
    unit, applicant = "local", manifest.applicant_id
    results = []
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()) if docs_dir.is_dir() else []:
        ref = DocumentRef(batch="local", unit=unit, applicant=applicant, file=path.relative_to(docs_dir).as_posix())
        data = path.read_bytes()
        try:
            text = acquire_text(data, path.name)
            results.append(DocumentResult(ref=ref, status=Status.done, sha256=text.sha256, text_source=text.source,
                                          page_count=len(text.pages), pages=text.pages,
                                          extraction=extract_document(text, page_images=page_images_of(data, path.name, text))))
        except InputError as exc:
            results.append(DocumentResult(ref=ref, status=Status.failed, sha256=sha256_hex(data),
                                          errors=[ErrorInfo(code=exc.code, message=exc.message, stage="acquire")]))
    return check_applicant(manifest, results, batch="local", unit=unit)
