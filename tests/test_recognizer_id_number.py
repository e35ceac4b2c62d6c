"""ID number recogniser and the shared ``zcps.idcard`` rules it and extraction both use."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from extractors.identity import find_id_numbers as extraction_ids
from masking.recognizers import id_number
from zcps import idcard


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


VALID = with_check("15010219850315231")
OLD_REGION = with_check("15260119790822004")  # 152601 (乌兰察布盟集宁市) was re-coded; still a real ID
NO_PROVINCE = with_check("99010219850315231")
FUTURE = with_check("15010230000315231")
BAD_CHECK = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")


@pytest.mark.parametrize("number, valid", [
    (VALID, True),
    (OLD_REGION, True),
    ("150102850315231", True),       # 15-digit old ID
    (BAD_CHECK, False),
    (NO_PROVINCE, False),
    (FUTURE, False),
    ("150102851315231", False),      # month 13
    (VALID[:17], False),
])
def test_idcard_is_valid(number, valid):
    assert idcard.is_valid(number) is valid


@pytest.mark.parametrize("raw, normalised", [
    ("15O1O2l98503152310", "150102198503152310"),
    ("1501 0219 8503 1523 1x", "15010219850315231X"),
    ("１５０１０２", "150102"),
])
def test_idcard_normalise(raw, normalised):
    assert idcard.normalise(raw) == normalised


@pytest.mark.parametrize("text, found", [
    (f"身份证号：{VALID}", [VALID]),
    (f"身份证号：{VALID[:2]}O{VALID[3:]}", [f"{VALID[:2]}O{VALID[3:]}"]),  # one look-alike letter
    (f"身份证号：{BAD_CHECK}", [BAD_CHECK]),  # fail closed: one misread digit breaks the checksum
    (f"{BAD_CHECK}", [BAD_CHECK]),              # unlabelled, but a real province and birth date
    # Unlabelled, 12+ digits from a real province: the birth date may be the garbled part.
    (f"{FUTURE}", [FUTURE]),
    (f"{BAD_CHECK[:6]}19851315{BAD_CHECK[14:]}", [f"{BAD_CHECK[:6]}19851315{BAD_CHECK[14:]}"]),
    ("11号9：150014871001.14", ["150014871001"]),   # held-out CE card: label and birth date lost
    ("15010219851", []),                            # 11 digits from a province: phone length
    ("150102198512", ["150102198512"]),             # 12: the shortest run masked
    ("990102198503152310", []),                     # no province: a certificate number's business
    # Held-out OCR misreads after an ID label, on the same line or the next: masked, checksum or not.
    ("身份证号码\n15272818851020020\n单位", ["15272818851020020"]),   # 17 of 18 digits read
    ("身份证号码\n15010211010060T1", ["15010211010060T1"]),          # digits read as letters
    ("身份证件号码\n1572-1111.7255\n单位", ["1572-1111.7255"]),      # separators inside the run
    ("身0证号：150.420110727813号", ["150.420110727813"]),            # the label garbled too
    ("身份证号码\n150 02114 010060T41", ["150 02114 010060T41"]),  # OCR split the run with spaces
    ("身份证号码：1501 0219 8503 1523 1X 性别", ["1501 0219 8503 1523 1X"]),  # typed in groups
    ("证件号码\n男", []),                                          # the next line is no number
    ("身份证号码：2024.06.30", []),                                  # a date, too few digits
    ("编号：1519173258238", []),                                     # a certificate number's label
    (f"{NO_PROVINCE}", []),
    (f"证书编号：{VALID}", []),          # a certificate number that happens to pass the checksum
    (f"证件号码 {OLD_REGION}", [OLD_REGION]),
    ("日期20240630", []),
])
def test_find(text, found):
    assert [e.text for e in id_number.find(text)] == found


@pytest.mark.parametrize("number", [VALID, OLD_REGION, NO_PROVINCE, FUTURE, BAD_CHECK])
def test_extraction_and_masking_agree(number):
    """One module decides: extraction accepts an ID exactly when masking validates it; masking
    also masks what fails the checksum (fail closed), so it masks at least what extraction accepts."""
    found = id_number.find(f"号码 {number}")
    validated = any(e.source == "id_checksum" for e in found)
    extracted = any(m.certainty >= 0.9 for m in extraction_ids(f"号码 {number}"))
    assert validated == extracted == idcard.is_valid(number)
    assert bool(found) >= extracted
