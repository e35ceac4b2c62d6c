"""Committee release of one applicant: pseudonym, masked documents, masked review, dossier; fail closed.

Layout: ``release/{batch}/units/{unit}/{pseudonym}/docs/{NN_doc_type}_pN.png`` (named by checklist order
and type, never after the submitted file: ``masking.release_names``), ``.../review.json`` and
``.../dossier.pdf``; the applicant-id → pseudonym map only under ``results/{batch}/pseudonyms/``.
A document whose masked image still shows PII is withheld and becomes a ``masking.withheld``
finding in the applicant's (unmasked) review under ``results/``; so does a dossier that fails its
own check, and then no dossier is released.
"""

from __future__ import annotations

import logging
import re
import time

from pydantic import BaseModel, ConfigDict, Field

from masking.detect import known_pii
from masking.dossier import DossierCover, DossierDocument, build_dossier, verify_dossier
from masking.document import (MaskSummary, Redactor, mask_document, mask_file, ocr_engine,  # noqa: F401
                              page_images)
from masking.pseudonym import record_pseudonym
from masking.recognizers import NAMES
from zcps.pseudonym import make_pseudonym
from masking.redact_image import fill_boxes
from masking.redact_text import mask_review
from masking.release_names import release_names, renames
from masking.verify import OcrEngine
from storage.base import ObjectStore
from storage.layout import release_page_name, release_prefix, review_key
from validators.engine import FindingMaker
from validators.schema import rules_of
from zcps.errors import MaskingFailed, ZcpsError
from zcps.manifest import Manifest
from zcps.models import DocumentResult, Evidence, Finding, Review, Status, verdict_of
from zcps.settings import Settings, get_settings

__all__ = ["ReleaseResult", "release_applicant", "mask_file", "MaskSummary", "WITHHELD_RULE"]

log = logging.getLogger("zcps.masking")

WITHHELD_RULE = "masking.withheld"


class ReleasedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str  # released name, e.g. "03_title_certificate"
    keys: list[str]


class WithheldFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    code: str
    detail: str = ""  # page numbers and PII types, never values


class ReleaseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pseudonym: str
    released: list[ReleasedFile] = Field(default_factory=list)
    withheld: list[WithheldFile] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # files that failed earlier stages: nothing to mask
    counts: dict[str, int] = Field(default_factory=dict)
    review_key: str = ""
    dossier_key: str = ""  # empty when nothing was released or the dossier was withheld
    findings: list[Finding] = Field(default_factory=list)  # added to the applicant's review
    seconds: float = 0.0  # the whole release of this applicant
    dossier_seconds: float = 0.0  # of which building and verifying the dossier


def _withheld_finding(review: Review, what: str, document: str | None, exc: MaskingFailed) -> Finding:
    named = {pii_type.value: name for pii_type, name in NAMES.items()}
    types = sorted({named[word] for word in re.findall(r"[a-z_]+", exc.detail) if word in named})
    return FindingMaker(rules_of(review)).make(
        WITHHELD_RULE, what=what, survived="、".join(types) if types else "个人信息", extracted=exc.code,
        evidence=Evidence(document=document) if document else None)


def _with_findings(review: Review, findings: list[Finding]) -> Review:
    combined = review.findings + findings
    return review.model_copy(update={"findings": combined, "verdict": verdict_of(combined)})


def _verified_masking(label: str, images, doc_result: DocumentResult, known, engine: OcrEngine,
                      settings: Settings, redactor: Redactor):
    """Mask and re-read the released pages; fail closed: a page is released only when the re-read ran
    and found no PII, so a re-read that cannot run withholds the document like one that finds PII."""
    try:
        return mask_document(label, images, doc_result.pages, known, engine=engine,
                             mode=settings.mask_verify_mode, redactor=redactor)
    except ZcpsError:
        raise
    except Exception as exc:  # an OCR or decoding failure must not release an unchecked page
        raise MaskingFailed(f"{label}: the re-read of the released pages failed ({type(exc).__name__})") from exc


def release_applicant(store: ObjectStore, batch: str, unit: str, manifest: Manifest, review: Review,
                      documents: list[tuple[DocumentResult, bytes]], settings: Settings | None = None, *,
                      engine: OcrEngine | None = None, redactor: Redactor = fill_boxes,
                      batch_applicants: list[str] = ()) -> ReleaseResult:
    started = time.perf_counter()
    settings = settings or get_settings()
    if settings.mask_verify_mode == "regions":
        log.warning("ZCPS_MASK_VERIFY_MODE=regions re-reads only where detection found PII; "
                    "use page (the default) or full for releases")
    pseudonym = make_pseudonym(settings.pseudonym_key, batch, manifest.applicant_id)
    record_pseudonym(store, batch, manifest.applicant_id, pseudonym)
    prefix = release_prefix(batch, unit, pseudonym)
    known = known_pii(manifest)
    result = ReleaseResult(pseudonym=pseudonym)
    names = release_names(manifest, [doc_result for doc_result, _ in documents])
    by_file = {doc_result.ref.file: (doc_result, data) for doc_result, data in documents}
    counts: dict[str, int] = {}
    dossier_documents: list[DossierDocument] = []
    for name in names:
        doc_result, data = by_file[name.file]
        label = f"{unit}/{pseudonym}/{name.stem}"  # submitted file names may carry a name; logs must not
        if doc_result.status != Status.done or not doc_result.pages:
            result.skipped.append(name.stem)
            continue
        try:
            if engine is None:
                engine = ocr_engine()
            images = page_images(data, name.file, doc_result.pages)
            masked = _verified_masking(label, images, doc_result, known, engine, settings, redactor)
        except MaskingFailed as exc:
            log.warning("withheld %s: %s", label, exc.code)
            result.withheld.append(WithheldFile(file=name.stem, code=exc.code, detail=exc.detail))
            result.findings.append(_withheld_finding(review, f"材料 {name.file} ", f"docs/{name.file}", exc))
            continue
        except ZcpsError as exc:
            log.warning("not released %s: %s", label, exc.code)
            result.skipped.append(name.stem)
            continue
        keys = []
        for page in masked.pages:
            key = prefix + release_page_name(name.document, page.number)
            store.put(key, page.png)
            keys.append(key)
        result.released.append(ReleasedFile(file=name.stem, keys=keys))
        dossier_documents.append(DossierDocument(title=name.title, name=name.stem,
                                                 pages=[page.png for page in masked.pages]))
        for pii_type, count in masked.counts.items():
            counts[pii_type] = counts.get(pii_type, 0) + count
    result.counts = dict(sorted(counts.items()))
    aliases = {other: make_pseudonym(settings.pseudonym_key, batch, other) for other in batch_applicants}
    aliases.update(renames(names))

    def committee_review() -> Review:
        return mask_review(_with_findings(review, result.findings), manifest, pseudonym, aliases)

    if dossier_documents:
        dossier_started = time.perf_counter()
        cover = DossierCover(pseudonym=pseudonym, review=committee_review(),
                             withheld=[w.file for w in result.withheld])
        try:
            pdf = build_dossier(cover, dossier_documents, settings.dossier_font)
            verify_dossier(pdf, cover, dossier_documents, known, engine, settings.mask_verify_mode)
        except MaskingFailed as exc:
            log.warning("withheld %s/%s/dossier.pdf: %s", unit, pseudonym, exc.code)
            result.findings.append(_withheld_finding(review, "评审材料合订本（dossier.pdf）", None, exc))
        except ZcpsError as exc:  # e.g. the CJK font is missing: the pages are released, the dossier is not
            log.warning("dossier not written for %s/%s: %s", unit, pseudonym, exc.code)
            result.findings.append(FindingMaker(rules_of(review)).make("masking.dossier_unwritten", code=exc.code,
                                                                       extracted=exc.code))
        else:
            result.dossier_key = f"{prefix}dossier.pdf"
            store.put(result.dossier_key, pdf)
        result.dossier_seconds = time.perf_counter() - dossier_started
    if result.findings:
        store.put(review_key(batch, unit, review.applicant_id),
                  _with_findings(review, result.findings).model_dump_json(by_alias=True, indent=2).encode())
    result.review_key = f"{prefix}review.json"
    store.put(result.review_key, committee_review().model_dump_json(by_alias=True, indent=2).encode())
    result.seconds = time.perf_counter() - started
    log.info("released %s/%s: %d files, %d withheld, dossier %s", unit, pseudonym, len(result.released),
             len(result.withheld), "written" if result.dossier_key else "none")
    return result
