"""Shared sample data for the report tests: reviews, failed files and synthetic scanned pages.

Applicants' personal data comes from Faker (zh_CN, seeded); pages are rendered with PIL in a CJK
font so that crops show real Chinese text at known boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from faker import Faker
from PIL import Image, ImageDraw, ImageFont

from reports.model import FailedFile
from zcps.models import (AppliedDecision, Decision, DocumentRef, Evidence, ExplanationItem, Finding, Review, RulesRef,
                         VerificationTask)
from zcps.resources import font_path

BATCH = "2024"
# A fixed stand-in, so the golden reports do not change with every edit of the rules file; the real file
# and hash a review records are tested in test_rules_vocabulary.py.
RULES = RulesRef(file="validators/rules/2024.yaml", sha256="5a" * 32)
UNIT_A = "hohhot-supply"
UNIT_B = "baotou-supply"
PAGE_SIZE = (1240, 1754)
MASK = "＊＊＊"


@dataclass
class Person:
    applicant_id: str
    unit: str
    name: str
    id_number: str
    phone: str
    pseudonym: str


@dataclass
class Sample:
    people: list[Person]
    reviews: list[Review]
    failed_files: list[FailedFile]
    pages: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)

    def page_image(self, source: str, page: int) -> np.ndarray | None:
        self.calls.append((source, page))
        return self.pages.get((source, page))

    @property
    def pii(self) -> list[str]:
        return [value for p in self.people for value in (p.name, p.id_number, p.phone, p.applicant_id)]


def people() -> list[Person]:
    fake = Faker("zh_CN")
    fake.seed_instance(20240630)
    specs = [(UNIT_A, "0001"), (UNIT_A, "0002"), (UNIT_B, "0003"), (UNIT_B, "0004")]
    return [Person(applicant_id=f"2024-{unit[:2].upper()}-{number}", unit=unit, name=fake.name(),
                   id_number=fake.ssn(), phone=fake.phone_number(), pseudonym=f"P{index:02d}-{fake.hexify('^^^^^^')}")
            for index, (unit, number) in enumerate(specs, start=1)]


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path("hei")), size)


def render_page(lines: list[tuple[str, str, int]], *, redact: set[str] = frozenset()) -> tuple[np.ndarray, dict]:
    """White A4 page at 150 dpi with each (label, text, y) drawn; returns BGR pixels and label → bbox.

    Labels in ``redact`` are drawn as filled black boxes, the way masking leaves a released page.
    """
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    boxes = {}
    for label, text, y in lines:
        size = 56 if label == "title" else 36
        bbox = draw.textbbox((120, y), text, font=font(size))
        boxes[label] = tuple(float(v) for v in bbox)
        if label in redact:
            draw.rectangle(bbox, fill="black")
        else:
            draw.text((120, y), text, font=font(size), fill="black")
    pixels = np.asarray(image)[:, :, ::-1].copy()
    return pixels, boxes


def _ce_card(person: Person, redact: set[str]) -> tuple[np.ndarray, dict]:
    return render_page([
        ("title", "专业技术人员继续教育审验卡", 120),
        ("name", f"姓名：{person.name}", 300),
        ("hours", "2021年度  公需科目 30 学时  专业科目 40 学时", 420),
        ("verified", "审验日期：2024年7月5日", 540),
    ], redact=redact)


def _title_certificate(person: Person, redact: set[str]) -> tuple[np.ndarray, dict]:
    return render_page([
        ("title", "专业技术资格证书", 120),
        ("name", f"姓名：{person.name}", 300),
        ("level", "资格名称：助理工程师", 420),
        ("qualified", "取得时间：2019年12月18日", 540),
    ], redact=redact)


def build_sample(*, masked: bool = False) -> Sample:
    """Four applicants in two units; ``masked=True`` gives what masking hands the committee report."""
    crowd = people()
    a, b, c, d = crowd
    redact = {"name"} if masked else set()

    def name_of(person: Person) -> str:
        return MASK if masked else person.name

    ce_pixels, ce_boxes = _ce_card(a, redact)
    title_pixels, title_boxes = _title_certificate(b, redact)
    sample = Sample(people=crowd, reviews=[], failed_files=[])
    sample.pages[(f"{a.unit}/{a.applicant_id}/docs/03_ce_card.jpg", 1)] = ce_pixels
    sample.pages[(f"{b.unit}/{b.applicant_id}/docs/01_title.png", 1)] = title_pixels
    # The green-channel form exists, but its finding's box lies off the page: no crop can be cut.
    sample.pages[(f"{d.unit}/{d.applicant_id}/docs/09_green.jpg", 1)] = render_page([("title", "绿色通道申报表", 120)])[0]
    sample.boxes = {f"ce.{k}": v for k, v in ce_boxes.items()} | {f"title.{k}": v for k, v in title_boxes.items()}

    ce_doc, title_doc = "docs/03_ce_card.jpg", "docs/01_title.png"
    sample.reviews = [
        Review(rules=RULES, batch=BATCH, unit=a.unit, applicant_id=a.applicant_id, target_level="中级", verdict="not_eligible",
               path="standard", path_explanation="§一(一)2(3)：取得助理级职称满4年", fee_yuan=150, scoring="5:5",
               failed_files=["docs/05_scan.tif"], findings=[
                   Finding(rule="identity.name_mismatch", severity="review", section="§一(四)1(2)",
                           message=f"审验卡上的姓名“{name_of(a)}某”与申请人“{name_of(a)}”不一致",
                           declared=name_of(a), extracted=f"{name_of(a)}某",
                           evidence=Evidence(document=ce_doc, page=1, bbox=ce_boxes["name"])),
                   Finding(rule="ce.hours_short", severity="block", section="§一(一)4",
                           message="2021年度继续教育合计70学时，低于90学时", declared="90", extracted="70",
                           evidence=Evidence(document=ce_doc, page=1, bbox=ce_boxes["hours"]),
                           fingerprint=None if masked else "fp-a-hours",
                           decision=AppliedDecision(decision=Decision(
                               fingerprint="" if masked else "fp-a-hours", rule="ce.hours_short", document=ce_doc,
                               decision="误报", note="审验卡背面另有30学时", decided_on="2024-07-10",
                               reviewer="单位审核人" if masked else "王审核"))),
                   Finding(rule="cutoff.ce_verified_after", severity="block", section="§一(一)3",
                           message="2021年度审验日期2024-07-05晚于截止日2024-06-30，该年度学时不计入",
                           declared=None, extracted="2024-07-05",
                           evidence=Evidence(document=ce_doc, page=1, bbox=ce_boxes["verified"])),
               ]),
        Review(rules=RULES, batch=BATCH, unit=b.unit, applicant_id=b.applicant_id, target_level="助理级", verdict="needs_review",
               path="standard", fee_yuan=100, scoring="5:5", findings=[
                   Finding(rule="declared.date_mismatch", severity="review", section="§一(四)1(2)",
                           message="职称取得时间申报为2019-12-28，证书识别为2019-12-18",
                           declared="2019-12-28", extracted="2019-12-18",
                           evidence=Evidence(document=title_doc, page=1, bbox=title_boxes["qualified"])),
                   Finding(rule="docs.missing", severity="review", section="§一(四)1(1)",
                           message="缺少职称申报诚信承诺书", declared="pledge", extracted=None),
                   Finding(rule="extract.low_confidence", severity="review", section="—",
                           message="资格名称识别置信度低（0.62）<请人工核对>", declared="助理工程师",
                           extracted='=HYPERLINK("http://example.invalid","助理工程师")',
                           evidence=Evidence(document=title_doc, page=1, bbox=title_boxes["level"])),
               ]),
        Review(rules=RULES, batch=BATCH, unit=c.unit, applicant_id=c.applicant_id, target_level="副高级", verdict="eligible",
               path="standard", fee_yuan=280, scoring="4:6",
               unit_name=None if masked else "内蒙古电力（集团）有限责任公司包头供电分公司",
               applicant_name=None if masked else c.name, reviewed_status="待审核",
               explanation=[
                   ExplanationItem(topic="学历", text="本科，毕业时间2010-07-01（docs/01_edu.jpg）",
                                   evidence=Evidence(document="docs/01_edu.jpg", page=1, bbox=(10, 10, 300, 40))),
                   ExplanationItem(topic="任职年限", text="取得中级职称后从事技术工作满5年：自2018-12-01至2024年6月30日"
                                   "共5年6个月（66个月，须满60个月），满足"),
               ],
               tasks=[VerificationTask(fingerprint=None if masked else "fp-c-edu", doc_type="education_certificate",
                                       document="docs/01_edu.jpg",
                                       certificate_number=None if masked else "101261201005001234",
                                       structure="结构与证书一致：单位代码10126、2010年、本科")],
               findings=[
                   Finding(rule="cutoff.evidence_after", severity="note", section="§一(一)3",
                           message="论文发表于2024-08-01，晚于截止日，不计入业绩", extracted="2024-08-01",
                           evidence=Evidence(document="docs/07_paper.pdf", page=2, bbox=None)),
               ]),
        Review(rules=RULES, batch=BATCH, unit=d.unit, applicant_id=d.applicant_id, target_level="正高级", verdict="needs_review",
               path="green_channel:7", fee_yuan=320, scoring="评审+面试", findings=[
                   Finding(rule="green_channel.manual", severity="review", section="§一(一)6",
                           message="绿色通道第7项，需人工审核", declared="7", extracted="7",
                           evidence=Evidence(document="docs/09_green.jpg", page=1, bbox=(5000, 5000, 5100, 5050))),
               ]),
    ]
    sample.failed_files = [
        FailedFile.from_ref(DocumentRef(batch=BATCH, unit=a.unit, applicant=a.applicant_id, file="05_scan.tif"),
                            "E_CORRUPT_FILE", f"{a.unit}/{a.applicant_id}/05_scan.tif: cannot decode", attempts=1),
        FailedFile.from_ref(DocumentRef(batch=BATCH, unit=d.unit, applicant=d.applicant_id, file="02 论文.pdf"),
                            "E_ENCRYPTED_PDF", "password-protected", attempts=3),
    ]
    return sample


def pseudonyms(sample: Sample) -> dict[str, str]:
    return {p.applicant_id: p.pseudonym for p in sample.people}
