"""Release names without PII, and the per-applicant dossier (real OCR models for the release tests)."""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydantic import SecretStr
from stdnum.cn import ric

from masking.dossier import DossierCover, DossierDocument, build_dossier, png_rows, verify_dossier
from masking.known import KnownPii
from masking.release_names import release_names, renames
from zcps.errors import MaskingFailed
from zcps.manifest import Manifest
from zcps.models import DocType, DocumentRef, DocumentResult, Extraction, Finding, Page, Review, Status
from zcps.resources import font_path
from zcps.settings import Settings

FONT = str(font_path("mhei"))
ID_NUMBER = "15010219850315231" + ric.calc_check_digit("150102198503152310")
SUBMITTED = "张三毕业证.jpg"


def manifest_for(files: list[tuple[str, str]]) -> Manifest:
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0009", "name": "张三", "id_number": ID_NUMBER,
        "phone": "13904711234", "email": None, "address": None, "unit": "呼和浩特供电分公司",
        "unit_location": "city", "sector": "public", "target_level": "中级", "education": {"level": "本科"},
        "documents": [{"file": f"docs/{file}", "declared_type": kind} for file, kind in files],
    })


def result_for(file: str, doc_type: str | None, status: Status = Status.done) -> DocumentResult:
    ref = DocumentRef(batch="2024", unit="hh", applicant="2024-HH-0009", file=file)
    extraction = Extraction(doc_type=DocType(doc_type)) if doc_type else None
    return DocumentResult(ref=ref, status=status, extraction=extraction)


@pytest.mark.parametrize("files, extracted, expected", [
    # checklist order, whatever the submitted order and names
    ([("张三毕业证.jpg", "education_certificate"), ("ce.png", "ce_card"), ("IMG_2031.jpg", "title_certificate")],
     ["education_certificate", "ce_card", "title_certificate"],
     {"张三毕业证.jpg": "01_education_certificate", "IMG_2031.jpg": "02_title_certificate", "ce.png": "03_ce_card"}),
    # the extracted type wins over the declared one; "other" falls back to the declared type
    ([("a.jpg", "title_certificate"), ("b.jpg", "degree_certificate")], ["degree_certificate", "other"],
     {"a.jpg": "01_degree_certificate", "b.jpg": "02_degree_certificate"}),
    # a failed file (no extraction) keeps its declared type; an unknown declared type is "other"
    ([("150102198503152310身份证.jpg", "id_card"), ("x.pdf", "pledge")], [None, None],
     {"x.pdf": "01_pledge", "150102198503152310身份证.jpg": "02_other"}),
])
def test_release_names(files, extracted, expected):
    manifest = manifest_for(files)
    results = [result_for(file, kind) for (file, _), kind in zip(files, extracted)]
    names = release_names(manifest, results)
    assert {n.file: n.stem for n in names} == expected
    assert [n.order for n in names] == list(range(1, len(files) + 1))
    mapping = renames(names)
    assert all(mapping[f"docs/{file}"] == f"docs/{stem}" for file, stem in expected.items())


def masked_page_png(text: str = "学历证书 2019年7月1日") -> bytes:
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.text((120, 200), text, font=ImageFont.truetype(FONT, 44), fill="black")
    return cv2.imencode(".png", cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))[1].tobytes()


def committee_review(message: str = "继续教育2022年度专业科目学时不足") -> Review:
    return Review(batch="2024", unit="hh", applicant_id="P-0A1B2C3D", verdict="needs_review", target_level="中级",
                  path="standard", fee_yuan=300,
                  findings=[Finding(rule="ce.hours_short", severity="block", section="§一(一)4", message=message)])


@pytest.mark.parametrize("image, colours", [
    (np.full((20, 30, 3), 200, np.uint8), 3),
    (np.full((20, 30), 200, np.uint8), 1),
    (np.full((20, 30), 200, np.uint16), None),   # 16-bit: not embedded as it is
    (np.full((20, 30, 4), 200, np.uint8), None),  # alpha channel
])
def test_png_rows(image, colours):
    png = cv2.imencode(".png", image)[1].tobytes()
    if colours is None:
        with pytest.raises(ValueError):
            png_rows(png)
    else:
        rows = png_rows(png)
        assert (rows.width, rows.height, rows.colours) == (30, 20, colours) and rows.rows


def test_png_rows_rejects_other_data():
    with pytest.raises(ValueError):
        png_rows(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes())


@pytest.fixture(scope="module")
def engine():
    from extractors.ocr import get_engine

    return get_engine()


@pytest.fixture(scope="module")
def known() -> KnownPii:
    return KnownPii.from_manifest(manifest_for([]))


def test_dossier_pages_and_outline(tmp_path):
    documents = [DossierDocument(title="学历证书", name="01_education_certificate", pages=[masked_page_png()]),
                 DossierDocument(title="继续教育审验卡", name="02_ce_card", pages=[masked_page_png(), masked_page_png()])]
    cover = DossierCover(pseudonym="P-0A1B2C3D", review=committee_review())
    pdf = build_dossier(cover, documents, Settings().dossier_font)
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 4
    assert [(item.get_title(), item.get_dest().get_index()) for item in document.get_toc()] == [
        ("封面与审核结论", 0), ("01_education_certificate 学历证书", 1), ("02_ce_card 继续教育审验卡", 2)]
    width, height = document[1].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    cover_png = tmp_path / "cover.png"
    document[0].render(scale=1.5).to_pil().save(cover_png)
    ink = np.asarray(Image.open(cover_png).convert("L")) < 128
    assert ink[: ink.shape[0] // 3].mean() > 0.002  # the cover's text block is drawn
    assert b"FontFile2" in pdf  # the CJK font is embedded


@pytest.mark.models
def test_dossier_verification_passes_clean_and_withholds_leaks(engine, known):
    documents = [DossierDocument(title="学历证书", name="01_education_certificate", pages=[masked_page_png()])]
    clean = DossierCover(pseudonym="P-0A1B2C3D", review=committee_review())
    font = Settings().dossier_font
    for mode in ("regions", "page", "full"):
        verify_dossier(build_dossier(clean, documents, font), clean, documents, known, engine, mode)
    cover_with_name = DossierCover(pseudonym="P-0A1B2C3D", review=committee_review("申报人张三学时不足"))
    with pytest.raises(MaskingFailed):
        verify_dossier(build_dossier(cover_with_name, documents, font), cover_with_name, documents, known, engine,
                       "regions")
    leaking = [DossierDocument(title="学历证书", name="01_education_certificate",
                               pages=[masked_page_png("姓名：张三 2019年7月1日")])]
    with pytest.raises(MaskingFailed):  # the PDF page is not the verified masked page
        verify_dossier(build_dossier(clean, leaking, font), clean, documents, known, engine, "regions")


def certificate_jpg() -> bytes:
    page = Image.new("RGB", (1240, 1000), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 40)
    rows = ["普通高等学校毕业证书", "学生：张三，性别男", f"身份证号：{ID_NUMBER}", "于2010年7月1日毕业",
            "校长：刘德华", "证书编号：105941201005001234"]
    for index, row in enumerate(rows):
        draw.text((120, 80 + index * 130), row, font=font, fill="black")
    return cv2.imencode(".jpg", cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))[1].tobytes()


@pytest.mark.models
def test_release_has_no_submitted_name_and_one_verified_dossier(tmp_path, engine):
    from extractors.geometry import page_image
    from masking.release import release_applicant
    from storage.local import LocalStore

    data = certificate_jpg()
    stored = Page(number=1, width=1240, height=1000)
    lines = engine.recognize(page_image(data, SUBMITTED, stored))
    manifest = manifest_for([(SUBMITTED, "education_certificate")])
    ref = DocumentRef(batch="2024", unit="hh", applicant="2024-HH-0009", file=SUBMITTED)
    result = DocumentResult(ref=ref, status=Status.done, page_count=1,
                            pages=[stored.model_copy(update={"lines": lines})],
                            extraction=Extraction(doc_type=DocType.education_certificate))
    review = Review(batch="2024", unit="hh", applicant_id="2024-HH-0009", verdict="needs_review",
                    findings=[Finding(rule="extract.low_confidence", severity="review", section="—",
                                      message=f"{SUBMITTED} 中毕业时间识别置信度低",
                                      evidence={"document": f"docs/{SUBMITTED}", "page": 1})])
    store = LocalStore(tmp_path)
    settings = Settings(pseudonym_key=SecretStr("test-key"), mask_verify_mode="regions")
    released = release_applicant(store, "2024", "hh", manifest, review, [(result, data)], settings, engine=engine)
    assert released.withheld == []
    assert [r.file for r in released.released] == ["01_education_certificate"]
    keys = list(store.list("release/"))
    prefix = f"release/2024/units/hh/{released.pseudonym}/"
    assert sorted(keys) == sorted([f"{prefix}docs/01_education_certificate_p1.png", f"{prefix}dossier.pdf",
                                   f"{prefix}review.json"])
    assert not [key for key in keys if "张三" in key or "毕业证" in key]
    assert not [p for p in tmp_path.rglob("*") if "张三" in p.name or "毕业证" in p.name]
    committee = Review.model_validate_json(store.get(released.review_key))
    assert committee.findings[0].evidence.document == "docs/01_education_certificate"
    assert "张三" not in store.get(released.review_key).decode()
    dossier = pdfium.PdfDocument(store.get(released.dossier_key))
    assert len(dossier) == 2
    assert [item.get_title() for item in dossier.get_toc()] == ["封面与审核结论", "01_education_certificate 学历证书"]
    assert released.dossier_seconds > 0 and released.seconds > released.dossier_seconds


def test_missing_font_is_a_config_error(tmp_path):
    from zcps.errors import ConfigError

    cover = DossierCover(pseudonym="P-0A1B2C3D", review=committee_review())
    with pytest.raises(ConfigError):
        build_dossier(cover, [], tmp_path / "no-such-font.ttc")


class _BrokenReader:
    def recognize(self, image):
        raise RuntimeError("OCR crashed")


# page mode reads the cover back from its text layer and needs no OCR; full mode re-OCRs it; regions mode
# reads no page of the dossier (the stream comparison alone decides)
@pytest.mark.parametrize("mode, withheld", [("page", False), ("full", True), ("regions", False)])
def test_a_re_read_that_cannot_run_withholds_the_dossier(mode, withheld, known):
    documents = [DossierDocument(title="学历证书", name="01_education_certificate", pages=[masked_page_png()])]
    cover = DossierCover(pseudonym="P-0A1B2C3D", review=committee_review())
    pdf = build_dossier(cover, documents, Settings().dossier_font)
    if withheld:
        with pytest.raises(MaskingFailed):
            verify_dossier(pdf, cover, documents, known, _BrokenReader(), mode)
    else:
        verify_dossier(pdf, cover, documents, known, _BrokenReader(), mode)


def _cover(message: str = "继续教育2022年度专业科目学时不足", findings: int = 1, withheld: tuple = ()) -> DossierCover:
    review = committee_review(message)
    review.findings = review.findings * findings
    return DossierCover(pseudonym="P-0A1B2C3D", review=review, withheld=list(withheld))


# (case, the cover the PDF is drawn from, the cover verify is told of, withheld). In page mode the cover's
# text layer is read back: it must be exactly the text drawn, with no image and none of the applicant's PII.
COVER_LAYERS = [
    ("the cover drawn", _cover(), _cover(), False),
    ("a cover long enough for a second page", _cover(findings=60), _cover(findings=60), False),
    ("a drawn text other than the one checked", _cover(withheld=("03_title_certificate",)), _cover(), True),
    ("the applicant's name drawn where the checked text has none", _cover("申报人张三学时不足"), _cover(), True),
    ("near miss: another finding's text, no PII, drawn as checked", _cover("学时登记不全"), _cover("学时登记不全"),
     False),
]


@pytest.mark.parametrize(("case", "drawn", "checked", "withheld"), COVER_LAYERS, ids=[c[0] for c in COVER_LAYERS])
def test_page_mode_reads_the_cover_back_from_its_text_layer(case, drawn, checked, withheld, known):
    documents = [DossierDocument(title="学历证书", name="01_education_certificate", pages=[masked_page_png()])]
    pdf = build_dossier(drawn, documents, Settings().dossier_font)
    if withheld:
        with pytest.raises(MaskingFailed, match="its text layer is not the text drawn"):
            verify_dossier(pdf, checked, documents, known, _BrokenReader(), "page")
    else:
        verify_dossier(pdf, checked, documents, known, _BrokenReader(), "page")


def test_a_cover_carrying_an_image_is_withheld(known):
    documents = [DossierDocument(title="学历证书", name="01_education_certificate", pages=[masked_page_png()])]
    cover = _cover()
    pdf = build_dossier(cover, documents, Settings().dossier_font)
    verify_dossier(pdf, cover, documents, known, _BrokenReader(), "page")
    # Told of no documents, verify takes the page image for a second cover page: a cover carrying an image.
    with pytest.raises(MaskingFailed, match="the cover carries an image"):
        verify_dossier(pdf, cover, [], known, _BrokenReader(), "page")
