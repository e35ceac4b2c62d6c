"""Single-file commands that need no store: ``ocr``, ``extract``, ``check`` and ``mask``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from cli.options import VERBOSE

FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="An image or PDF.")
JSON = typer.Option(False, "--json", help="Print JSON instead of a readable summary.")


def _acquire(path: Path, verbose: bool):
    from cli import runtime

    runtime.configure(verbose)
    from extractors.acquire import acquire_text

    return acquire_text(path.read_bytes(), path.name)


def ocr(file: Path = FILE, as_json: bool = JSON, verbose: bool = VERBOSE) -> None:
    """OCR one file (or read its PDF text layer) and print the lines."""
    text = _acquire(file, verbose)
    if as_json:
        typer.echo(text.model_dump_json(indent=2))
        return
    for page in text.pages:
        typer.echo(f"--- page {page.number} ({page.width}x{page.height}, {text.source.value}, rotation {page.rotation})")
        for line in page.lines:
            typer.echo(f"{line.score:.2f}  {line.text}")


def extract(file: Path = FILE, as_json: bool = JSON, verbose: bool = VERBOSE) -> None:
    """Print the typed extraction of one file: doc_type, fields with provenance, CE records."""
    from extractors.extract import extract_document, page_images_of

    text = _acquire(file, verbose)
    extraction = extract_document(text, page_images=page_images_of(file.read_bytes(), file.name, text))
    if as_json:
        payload = extraction.model_dump(mode="json")
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    typer.echo(f"doc_type: {extraction.doc_type.value} ({extraction.doc_type_confidence:.2f})")
    for name, field in extraction.fields.items():
        typer.echo(f"  {name}: {field.value!r}  raw={field.raw!r} conf={field.confidence:.2f} "
                   f"page={field.page} bbox={tuple(round(v) for v in field.bbox)}")
    for date in extraction.dates:
        typer.echo(f"  date: {date.value}  raw={date.raw!r} page={date.page}")
    for record in extraction.records:
        typer.echo(f"  CE {record.year}: 公需 {record.public_hours} 专业 {record.professional_hours} "
                   f"合计 {record.total} 审验 {record.verified_on}")


def check(manifest: Path = typer.Argument(..., exists=True, dir_okay=False, help="manifest.json"),
          docs: Optional[Path] = typer.Option(None, "--docs", exists=True, file_okay=False,
                                              help="Folder with the applicant's documents (default: docs/ beside the manifest)."),
          as_json: bool = JSON, verbose: bool = VERBOSE) -> None:
    """Check one applicant locally and print the verdict with rule ids and notice sections."""
    from cli import runtime

    runtime.configure(verbose)
    from cli.local_check import check_local

    review = check_local(manifest, docs)
    if as_json:
        payload = {"verdict": review.verdict, "path": review.path,
                   "findings": [f.model_dump(mode="json") for f in review.findings]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    typer.echo(f"verdict: {review.verdict}  path: {review.path or '—'}")
    if review.path_explanation:
        typer.echo(f"  {review.path_explanation}")
    for finding in review.findings:
        typer.echo(f"  [{finding.severity}] {finding.rule} ({finding.section}): {finding.message}")


def mask(file: Path = FILE,
         manifest: Path = typer.Option(..., "--manifest", exists=True, dir_okay=False),
         out: Path = typer.Option(..., "-o", "--out", help="Where to write the masked file."),
         as_json: bool = JSON, verbose: bool = VERBOSE) -> None:
    """Mask one file locally; prints what was masked by type and count, never the values."""
    from cli import runtime

    runtime.configure(verbose)
    from masking.release import mask_file
    from zcps.manifest import parse_manifest

    summary = mask_file(file, parse_manifest(manifest.read_bytes(), source=manifest.name), out)
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    typer.echo(f"wrote {out}")
    for pii_type, count in sorted(summary.counts.items()):
        typer.echo(f"  {pii_type}: {count}")
