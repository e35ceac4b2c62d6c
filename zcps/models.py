"""Typed, picklable objects that pass between stages (docling ``Page`` / OCRmyPDF ``PageResult`` style).

Coordinates are pixels of the page image as OCR saw it (for digital PDFs: PDF points scaled to
``Page.dpi``), origin top-left, ``(x0, y0, x1, y1)``.
"""

from __future__ import annotations

import hashlib
from enum import Enum
from collections.abc import Iterable
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field as PydField

from zcps.doctypes import default_catalogue

BBox = tuple[float, float, float, float]


class Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


class Word(Model):
    text: str
    bbox: BBox


class TextLine(Model):
    text: str
    bbox: BBox
    score: float = 1.0
    words: list[Word] = PydField(default_factory=list)


class TextLayer(str, Enum):
    """What a PDF page's text layer was judged to be (extractors.pdf_text); only ``trusted`` is read."""

    trusted = "trusted"  # visible, upright text, not under a page-sized image: read from the text layer
    invisible = "invisible"  # render mode 3/7 text (a scanner's OCR layer): the page image was OCR'd
    image = "image"  # images cover most of the page: OCR'd
    turned = "turned"  # text runs sideways as the page is shown (/Rotate over unturned text): OCR'd
    sparse = "sparse"  # too little visible text to be the page's content: OCR'd
    # visible text, but a spot OCR of the rendered page read something else: OCR won (flagged)
    disagrees = "disagrees"


class Page(Model):
    number: int  # 1-based
    width: int
    height: int
    dpi: int = 200  # of the stored frame: the render dpi for PDFs, the scan's own dpi for images
    rotation: int = 0  # degrees the page was turned clockwise to make it upright
    deskew_angle: float = 0.0  # then rotated this many degrees counter-clockwise to straighten it
    scale: float = 1.0  # stored-frame pixels were first multiplied by this (very large scans shrink)
    lines: list[TextLine] = PydField(default_factory=list)
    text_layer: TextLayer | None = None  # PDFs only: the verdict on the page's text layer

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def from_text_layer(self) -> bool:
        return self.text_layer is TextLayer.trusted


class TextSource(str, Enum):
    pdf_text = "pdf_text"
    ocr = "ocr"


class DocumentText(Model):
    """What text acquisition produced for one file's content; cached as ``work/ocr/{sha256}.json``."""

    sha256: str
    source: TextSource
    engine: str
    pages: list[Page]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)


# One member per spec file under extractors/specs/ plus ``other`` (zcps/doctypes.py): adding a type is its file.
DocType = Enum("DocType", [(doc_type, doc_type) for doc_type in default_catalogue().ids()], type=str, module=__name__)


class Candidate(Model):
    """A reading of a field that was considered and set aside, kept so later stages can see the doubt."""

    value: str | int | float | None
    raw: str
    confidence: float
    page: int
    bbox: BBox
    label: str | None = None  # the label text the value was found by, e.g. "发证日期"
    why_set_aside: str = ""  # short English reason, e.g. "issue-date label", "lower confidence"


class Field(Model):
    """One extracted value with its provenance and how it was chosen."""

    value: str | int | float | None
    raw: str
    confidence: float
    page: int
    bbox: BBox
    label: str | None = None  # the label text the value was found by, None when found without a label
    # how the value was located: same_line | right | below | wrap | sentence | position | mark | pattern
    method: str = "pattern"
    # what the label says the value is: "holder" for the document holder's own name, "signer" for a
    # signatory/role; only a holder name is compared with the applicant
    role: str | None = None
    alternatives: list[Candidate] = PydField(default_factory=list)
    doubts: list[str] = PydField(default_factory=list)  # reviewer-facing Chinese, e.g. "合计与分项不符"


class CERecord(Model):
    """One year's row of a 继续教育审验卡."""

    year: int
    public_hours: float | None = None
    professional_hours: float | None = None
    total: float | None = None
    verified_on: str | None = None  # YYYY-MM-DD or YYYY-MM
    verifier: str | None = None
    raw: str = ""
    confidence: float = 1.0
    page: int = 1
    bbox: BBox = (0, 0, 0, 0)
    # False when the year has hours but no verification date or seal: never treated as verified
    verified: bool | None = None
    doubts: list[str] = PydField(default_factory=list)


class Extraction(Model):
    doc_type: DocType = DocType.other
    doc_type_confidence: float = 0.0
    fields: dict[str, Field] = PydField(default_factory=dict)
    dates: list[Field] = PydField(default_factory=list)
    records: list[CERecord] = PydField(default_factory=list)


class Status(str, Enum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    ignored = "ignored"  # an intake object left alone by a stated policy (storage/intake.py IGNORED)


class ErrorInfo(Model):
    code: str
    message: str
    stage: str = ""


def log_id(kind: str, *key_parts: str) -> str:
    """``{kind}-`` + 12 hex digits of the key's SHA-256: names an object in logs without its names."""
    key = "/".join(key_parts).encode("utf-8", "surrogatepass")
    return f"{kind}-{hashlib.sha256(key).hexdigest()[:12]}"


class DocumentRef(Model):
    """Where one submitted file lives: ``intake/{batch}/{unit}/{applicant}/docs/{file}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch: str
    unit: str
    applicant: str
    file: str  # path below docs/, e.g. "03_ce_card.jpg"

    @property
    def applicant_prefix(self) -> str:
        return f"{self.batch}/{self.unit}/{self.applicant}"

    @property
    def label(self) -> str:
        return f"{self.unit}/{self.applicant}/{self.file}"

    @property
    def log_id(self) -> str:
        """What logs and Prefect task names call this file: a hash of its key, never its names."""
        return log_id("doc", self.batch, self.label)


class DocumentResult(Model):
    """The outcome for one file: written to ``results/.../documents/{file}.json``."""

    ref: DocumentRef
    status: Status
    sha256: str | None = None
    pipeline_version: str = ""
    text_source: TextSource | None = None
    page_count: int = 0
    pages: list[Page] = PydField(default_factory=list)
    extraction: Extraction | None = None
    errors: list[ErrorInfo] = PydField(default_factory=list)
    from_cache: bool = False  # text came from the OCR cache
    reused: bool = False  # the whole result was reused: content and pipeline version unchanged


class DocumentFingerprint(Model):
    """What the batch-wide duplicate checks need of one document, and nothing else: a few hundred
    bytes per file, so a flow can hold every document's fingerprint of a province-size batch."""

    ref: DocumentRef
    status: Status
    sha256: str | None = None
    pipeline_version: str = ""
    certificate_number: str | None = None  # spaces removed, upper-cased
    certificate_page: int | None = None
    certificate_bbox: BBox | None = None


class ApplicantIndex(Model):
    """``results/{batch}/units/{unit}/{applicant}/index.json``: the fingerprints of an applicant's documents."""

    documents: list[DocumentFingerprint] = PydField(default_factory=list)


# Most serious first: findings are listed in this order and the first severity present decides the verdict.
Severity = Literal["block", "review", "note"]
SEVERITY_ORDER: tuple[Severity, ...] = get_args(Severity)
Verdict = Literal["eligible", "not_eligible", "needs_review"]
# 内电高评字〔2024〕1号 §一(一): one unmet condition excludes the applicant; a doubt leaves the decision to a reviewer.
_VERDICT_OF_SEVERITY: dict[Severity, Verdict] = {"block": "not_eligible", "review": "needs_review"}


def severity_rank(severity: Severity) -> int:
    return SEVERITY_ORDER.index(severity)


def verdict_of(findings: Iterable["Finding"]) -> Verdict:
    """The verdict of the most serious finding: any block → not_eligible; else any review → needs_review."""
    present = {f.severity for f in findings}
    return next((_VERDICT_OF_SEVERITY[s] for s in SEVERITY_ORDER if s in present and s in _VERDICT_OF_SEVERITY),
                "eligible")


class RulesRef(Model):
    """The rules file a review was made under: its name inside the repo and the SHA-256 of its bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str  # validators/rules/2024.yaml
    sha256: str


class Evidence(Model):
    document: str | None = None  # file path relative to the applicant folder, e.g. "docs/03_ce_card.jpg"
    page: int | None = None
    bbox: BBox | None = None


# What a reviewer decided on a finding (属实 confirmed, 误报 dismissed, 已补正 corrected by new material,
# 待补件 waiting for material) or on a 学信网 verification task (核验一致 / 核验不符); review/decisions.py.
FINDING_DECISIONS = ("属实", "误报", "已补正", "待补件")
TASK_DECISIONS = ("核验一致", "核验不符", "待补件")
DecisionKind = Literal["属实", "误报", "已补正", "待补件", "核验一致", "核验不符"]
ReviewedStatus = Literal["待审核", "审核通过", "不予通过", "待补件"]


class Decision(Model):
    """One reviewer's decision, stored in ``results/{batch}/decisions/{unit}/{applicant}.json``."""

    fingerprint: str
    rule: str  # the finding's rule (or ``xuexin.verify``): with ``document`` it finds the finding again
    document: str | None = None  # after its evidence changed (需重新确认)
    decision: DecisionKind
    note: str = ""
    reviewer: str
    decided_on: str  # YYYY-MM-DD


class AppliedDecision(Model):
    """A decision as a finding carries it; ``stale``: recorded on other evidence, shown as 需重新确认 and
    never applied."""

    decision: Decision
    stale: bool = False


class Finding(Model):
    rule: str
    severity: Severity
    section: str
    message: str
    declared: str | None = None
    extracted: str | None = None
    evidence: Evidence | None = None
    fingerprint: str | None = None  # review/fingerprint.py; set after the review, None in the committee copy
    decision: AppliedDecision | None = None


class VerificationTask(Model):
    """A 学信网 online check the reviewer does by hand: zcps prepares it and records the result, never
    claims to have verified."""

    fingerprint: str | None = None
    doc_type: str  # education_certificate | degree_certificate
    document: str | None = None
    evidence: Evidence | None = None
    certificate_number: str | None = None
    verification_code: str | None = None  # 在线验证码 of a 学信网 电子注册备案表
    structure: str = ""  # the certificate number's structure check, in Chinese
    decision: AppliedDecision | None = None


class ExplanationItem(Model):
    """One line of "why this verdict": a requirement and how the materials meet it (or not)."""

    topic: str  # 学历, 学位, 现有职称, 任职年限, 继续教育, 年度考核, 申报途径
    text: str
    evidence: Evidence | None = None


class Review(Model):
    """``results/{batch}/{unit}/{applicant}/review.json``."""

    schema_: str = PydField(default="zcps.review/2", alias="schema")  # /2 added ``rules``
    batch: str
    unit: str
    applicant_id: str
    target_level: str | None = None
    verdict: Verdict
    path: str | None = None
    path_explanation: str | None = None
    fee_yuan: int | None = None
    scoring: str | None = None
    findings: list[Finding] = PydField(default_factory=list)
    failed_files: list[str] = PydField(default_factory=list)
    rules: RulesRef | None = None  # None only in reviews written before rules were recorded
    unit_name: str | None = None  # the unit's name from the manifest
    applicant_name: str | None = None  # from the manifest; None in the committee copy
    explanation: list[ExplanationItem] = PydField(default_factory=list)
    tasks: list[VerificationTask] = PydField(default_factory=list)
    reviewed_status: ReviewedStatus | None = None  # None until review/decisions.py applied the decisions
    stale_decisions: list[Decision] = PydField(default_factory=list)  # whose finding no longer exists

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
