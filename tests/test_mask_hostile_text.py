"""Hostile text against PII detection: hidden and folded characters must not hide an ID, a phone or a
name, the mask must cover the hidden characters too, and dates/grades/hours stay visible. Near
misses: the same hostile characters around text that is no PII mask nothing."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from masking.detect import detect_text, known_pii
from masking.normalise import clean
from masking.redact_text import mask_text
from zcps.manifest import Manifest

ID = "15010219850315231" + ric.calc_check_digit("150102198503152310")
ZWSP, ZWJ, RLO, PDF, BOM, LRI, PDI = "\u200b", "\u200d", "\u202e", "\u202c", "\ufeff", "\u2066", "\u2069"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def spaced(text: str, gap: str = " ") -> str:
    return gap.join(text)


MANIFEST = Manifest.model_validate({
    "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0007", "name": "王建国", "id_number": ID,
    "phone": "13904711234", "email": None, "address": None, "unit": "呼和浩特供电分公司", "unit_location": "city",
    "sector": "public", "target_level": "中级", "education": {"level": "本科"},
})


@pytest.mark.parametrize("text, kind", [
    (f"身份证号：{ID[:6]}{ZWSP}{ID[6:]}", "id_number"),               # zero-width space inside
    (f"身份证号：{ZWJ.join(ID)}", "id_number"),                        # a joiner between every digit
    (f"身份证号：{full_width(ID)}", "id_number"),                      # full-width digits
    (f"{full_width(ID)}", "id_number"),                                 # full-width, unlabelled
    (f"身份证号：{spaced(ID)}", "id_number"),                          # one space between digits
    (f"身份证号：{spaced(ID, chr(0x3000))}", "id_number"),             # ideographic spaces
    (f"身份证号：{RLO}{ID}{PDF}", "id_number"),                        # bidi override around it
    (f"{BOM}{LRI}{ID}{PDI}", "id_number"),
    (f"联系电话：139{ZWSP}0471{ZWSP}1234", "phone"),
    (f"联系电话：{full_width('13904711234')}", "phone"),
    (f"姓名：王{ZWSP}建国", "name"),                                   # the applicant's name split
    (f"姓{ZWSP}名：张{ZWJ}晓明", "name"),                               # label and name split
    (f"审{ZWSP}核{ZWSP}人：李{ZWSP}强", "other_name"),
])
def test_hidden_characters_do_not_hide_pii(text, kind):
    found = detect_text(text, known_pii(MANIFEST))
    assert kind in {e.type.value for e in found}
    # The mask covers the original characters, hidden ones included: nothing of the value survives.
    masked = mask_text(text, known_pii(MANIFEST))
    digits = "".join(ch for ch in clean(masked).text if ch.isdigit())
    assert "0315" not in digits and "0471" not in digits
    assert "建国" not in clean(masked).text.replace(ZWSP, "") and "晓明" not in clean(masked).text


@pytest.mark.parametrize("text", [
    f"{full_width('2019')}年{full_width('7')}月{full_width('1')}日",      # a full-width date
    f"2019{ZWSP}年7月1日",
    f"学时：{full_width('90')}学时",
    f"考核等次：称{ZWSP}职",
    f"{RLO}专业技术资格证书{PDF}",
    f"编号{ZWSP}1234",                                                  # too short to be a number
])
def test_hostile_characters_around_no_pii_mask_nothing(text):
    assert detect_text(text, known_pii(MANIFEST)) == []


@pytest.mark.parametrize("text, clean_text", [
    (f"1{ZWSP}2", "12"),
    (full_width("A1："), "A1:"),
    (f"{RLO}abc{PDF}", "abc"),
    ("①", "1"),
    ("⑩", "⑩"),                      # folds to two characters: kept, so offsets stay one to one
    ("王建国", "王建国"),
])
def test_clean_view(text, clean_text):
    assert clean(text).text == clean_text


def test_clean_span_maps_back_over_hidden_characters():
    text = f"号{ZWSP}1{ZWSP}2{ZWSP}3"
    view = clean(text)
    start, end = view.span(1, 4)
    assert text[start:end] == f"1{ZWSP}2{ZWSP}3"
