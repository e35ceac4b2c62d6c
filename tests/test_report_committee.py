"""The committee report carries no personal data in any format; the unit report is the control."""

from __future__ import annotations

import base64
import re
import zipfile
from io import BytesIO

import cv2
import numpy as np
import pytest

from masking import redact_text
from reports.build import FORMATS, build_reports
from reports.model import FailedFile
from storage.ledger import LedgerEntry
from zcps.manifest import Manifest
from zcps.models import DocumentRef
from support.report_samples import BATCH, build_sample, pseudonyms


def _text(fmt: str, data: bytes) -> str:
    """Everything a reader of the file could see as text (XLSX is a zip of XML parts)."""
    if fmt == "xlsx":
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return data.decode("utf-8-sig")


def _build(kind: str, *, masked: bool):
    sample = build_sample(masked=masked)
    out = build_reports(BATCH, sample.reviews, sample.failed_files, kind=kind, page_image=sample.page_image,
                        pseudonyms=pseudonyms(sample))
    return sample, out


@pytest.fixture(scope="module")
def committee():
    return _build("committee", masked=True)


@pytest.fixture(scope="module")
def unit_report():
    return _build("unit", masked=False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_committee_report_has_no_personal_data(committee, fmt):
    sample, out = committee
    text = _text(fmt, out[fmt])
    leaked = [kind for person in sample.people
              for kind, value in (("name", person.name), ("id_number", person.id_number), ("phone", person.phone),
                                  ("applicant_id", person.applicant_id)) if value in text]
    assert leaked == []
    assert not any(failed.key in text or failed.file in text for failed in sample.failed_files)
    assert all(person.pseudonym in text for person in sample.people)


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_unit_report_shows_what_the_committee_must_not(unit_report, fmt):
    sample, out = unit_report
    text = _text(fmt, out[fmt])
    first = sample.people[0]
    assert first.name in text  # the name-mismatch finding quotes it
    assert first.applicant_id in text
    assert not any(person.pseudonym in text for person in sample.people)


@pytest.mark.parametrize("fmt", FORMATS)
def test_committee_kind_hides_ids_and_keys_even_from_unmasked_reviews(fmt):
    # Masking names is the masking stage's job; ids, keys and operator messages are the builder's.
    sample, out = _build("committee", masked=False)
    text = _text(fmt, out[fmt])
    assert not any(person.applicant_id in text for person in sample.people)
    assert "zcps rerun" not in text
    assert not any(failed.message in text for failed in sample.failed_files)


def _crop_of(html: bytes, finding_id: str) -> np.ndarray:
    row = re.search(rf'<tr id="{finding_id}".*?</tr>', html.decode(), flags=re.S).group(0)
    encoded = re.search(r'src="data:image/jpeg;base64,([^"]+)"', row).group(1)
    return cv2.imdecode(np.frombuffer(base64.b64decode(encoded), np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize(("kind", "masked", "black_box"), [("committee", True, True), ("unit", False, False)])
def test_name_crop_comes_from_the_page_image_given(kind, masked, black_box):
    sample, out = _build(kind, masked=masked)
    html = out["html"]
    finding_id = re.search(r'<tr id="(F\d{4})" class="finding" data-severity="review" '
                           r'data-rule="identity.name_mismatch"', html.decode()).group(1)
    crop = _crop_of(html, finding_id)
    assert ((crop < 40).mean() > 0.15) == black_box  # a solid redaction box versus thin strokes of text


def _manifest(person):
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": person.applicant_id, "name": person.name,
        "id_number": person.id_number, "phone": person.phone, "unit": "内蒙古电力（集团）有限责任公司",
        "unit_location": "city", "sector": "public", "target_level": "中级", "education": {"level": "本科"},
    })


def test_committee_report_from_real_masking_and_ledger():
    sample = build_sample()
    by_id = {person.applicant_id: person for person in sample.people}
    masked = [redact_text.mask_review(r, _manifest(by_id[r.applicant_id]), by_id[r.applicant_id].pseudonym)
              for r in sample.reviews]
    failed = [FailedFile.from_ledger(LedgerEntry.new(
        _ref(f), status="failed", attempts=2, error_code=f.error_code, error_message=f.message))
        for f in sample.failed_files]
    out = build_reports(BATCH, masked, failed, kind="committee", page_image=sample.page_image,
                        pseudonyms=pseudonyms(sample))
    for fmt in FORMATS:
        text = _text(fmt, out[fmt])
        assert not [value for value in sample.pii if value in text], fmt
    # Crops are asked for under the pseudonym, which is how release/{batch}/{unit}/{pseudonym}/ is laid out.
    assert sample.calls and all(source.split("/")[1] in {p.pseudonym for p in sample.people}
                                for source, _ in sample.calls)


def _ref(failed):
    return DocumentRef(batch=BATCH, unit=failed.unit, applicant=failed.applicant_id, file=failed.file)
