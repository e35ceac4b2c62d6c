"""PII detection table: what must be tagged, what must stay visible, and the near misses between."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from masking.detect import detect_lines, detect_text, get_nlp, known_pii
from masking.entities import PiiType
from masking.protected import protected_spans
from zcps.idcard import is_valid as is_resident_id
from zcps.manifest import Manifest
from zcps.models import TextLine


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


VALID_ID = with_check_digit("15010219850315231")
BAD_CHECK_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
OTHER_VALID_ID = with_check_digit("15260119790822004")


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "2024-HH-0007", "name": "王建国", "id_number": VALID_ID,
        "phone": "13904711234", "email": "wjg1985@example.com", "address": "呼和浩特市赛罕区大学东街28号",
        "unit": "内蒙古电力（集团）有限责任公司呼和浩特供电分公司", "unit_location": "city", "sector": "public",
        "target_level": "中级", "education": {"level": "本科"},
    })


def typed(text: str, manifest: Manifest | None = None) -> list[tuple[str, str]]:
    return [(e.type.value, e.text) for e in detect_text(text, known_pii(manifest))]


@pytest.mark.parametrize("text, expected", [
    (f"身份证号：{VALID_ID}", [("id_number", VALID_ID)]),
    (f"公民身份号码 {OTHER_VALID_ID}", [("id_number", OTHER_VALID_ID)]),
    (f"身份证号：{BAD_CHECK_ID}", [("id_number", BAD_CHECK_ID)]),  # fail closed: a misread digit
    ("证书编号：201915000123456789", [("certificate_number", "201915000123456789")]),
    ("987654321098765432", [("certificate_number", "987654321098765432")]),  # fail closed: a long number
    ("身份证 150102850315231", [("id_number", "150102850315231")]),
    ("身份证 150102851315231", [("id_number", "150102851315231")]),  # month 13, labelled: fail closed
    ("学时 12 小时 3456", []),
    ("日期20240630", []),
    ("毕业时间：20230625", []),
    ("手机 139 0471 1234", [("phone", "139 0471 1234")]),
    ("电话：+86 13904711235", [("phone", "+86 13904711235")]),
    ("联系电话：0471-6217642", [("phone", "0471-6217642")]),
    ("客服 400-800-1234", []),
    ("邮箱：zhang.san@nmg-power.cn", [("email", "zhang.san@nmg-power.cn")]),
    ("2021年 公需科目30学时 专业科目60学时 合计90学时", []),
    ("考核等次：优秀 2023年12月25日", []),
    ("毕业于内蒙古工业大学电气工程及其自动化专业", []),
    ("校名：内蒙古科技大学", []),
    ("工作单位：包头供电局", [("unit", "包头供电局")]),
    ("工作单位：内蒙古工业大学", [("unit", "内蒙古工业大学")]),
    ("发证机关：内蒙古自治区人力资源和社会保障厅", []),
    ("关于变电站运行维护的研究", []),
    ("审核人：李明 2024年1月5日", [("other_name", "李明")]),
    ("审验人：张丽", [("other_name", "张丽")]),
    ("姓　　名：巴特尔", [("name", "巴特尔")]),
    ("姓名王小红性别女", [("name", "王小红")]),
    # Given-name characters that also occur in form words (优秀, 学历) must not cut a name short,
    # and a label in one table cell vouches for the name OCR read in the next.
    ("姓名\n边秀兰", [("name", "边秀兰")]),
    ("姓名：李学军", [("name", "李学军")]),
    ("考核意见：优秀", []),
    ("单位负责人（签字）：李旭", [("other_name", "李旭")]),
    ("单位负责人(签字):宋秀芳", [("other_name", "宋秀芳")]),
    ("经办人（签字）：", []),
    ("校（院）长：刘德华", [("other_name", "刘德华")]),
    ("签名：  年  月  日", []),
    ("经办人：（签字）", []),
    ("管 理 号：HD2019150001", [("certificate_number", "HD2019150001")]),
    ("批准文号：内人社职字〔2019〕12号", []),
    ("家庭住址：包头市昆都仑区钢铁大街", [("address", "包头市昆都仑区钢铁大街")]),
    ("住在鄂尔多斯市东胜区天骄路15号2单元301室", [("address", "鄂尔多斯市东胜区天骄路15号2单元301室")]),
    ("二〇一九年七月 2019.07.01", []),
])
def test_rules_without_manifest(text, expected):
    assert typed(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("姓名：王建国 2023年12月25日", [("name", "王建国")]),
    ("姓名：王建囯", [("name", "王建囯")]),            # one OCR-wrong character, with a label
    ("姓名：王 建 国", [("name", "王 建 国")]),
    ("王建国 同志：", [("name", "王建国")]),
    ("王建囯同志", [("name", "王建囯")]),                 # fuzzy, but 同志 says it is a person
    ("王建囯工作", []),                                  # fuzzy 3-char name without person context
    ("王j建国", [("name", "王j建国")]),                   # one stray OCR character inside
    ("王j建军", []),                                     # near miss: stray character and a wrong one
    ("建国以来", []),
    (f"身份证号：{VALID_ID[:-1]}7", [("id_number", VALID_ID[:-1] + "7")]),  # OCR-wrong check digit
    (f"1501 0219 8503 1523 1{VALID_ID[-1]}", [("id_number", f"1501 0219 8503 1523 1{VALID_ID[-1]}")]),
    ("手机：l39O4711234", [("phone", "l39O4711234")]),   # OCR look-alikes l→1, O→0
    ("手机：13904711243", [("phone", "13904711243")]),   # phonenumbers also finds it: still masked
    ("电话号 1390471", []),
    ("邮箱 WJG1985@example.com", [("email", "WJG1985@example.com")]),
    ("呼和浩特供电分公司", [("unit", "呼和浩特供电分公司")]),
    ("内蒙古电力（集团）有限责任公司呼和浩特供电分公司", [("unit", "内蒙古电力（集团）有限责任公司呼和浩特供电分公司")]),
    ("赛罕区大学东街28号", [("address", "赛罕区大学东街28号")]),
    ("毕业院校：内蒙古大学", []),
])
def test_known_applicant_values(text, expected, manifest):
    assert typed(text, manifest) == expected


def test_resident_id_checks_digit_and_birth_date():
    assert is_resident_id(VALID_ID)
    assert not is_resident_id(BAD_CHECK_ID)
    assert not is_resident_id(with_check_digit("99010219850315231"))  # no such province
    assert not is_resident_id(with_check_digit("15010230000315231"))  # born in the future


def test_dates_hours_and_grades_are_protected():
    text = "2019年7月1日 20230625 二〇一九年七月 90学时 基本称职"
    covered = "".join(text[s:e] for s, e in sorted(protected_spans(text)))
    for piece in ("2019年7月1日", "20230625", "二〇一九年七月", "90学时", "基本称职"):
        assert piece in covered


def test_spacy_pipeline_publishes_span_group(manifest):
    nlp = get_nlp()
    assert nlp.meta["lang"] == "zh" and nlp.tokenizer.segmenter == "jieba"
    assert nlp is get_nlp()
    doc = nlp.make_doc("姓名：王建国 手机13904711234")
    doc._.zcps_known = known_pii(manifest)
    for _, component in nlp.pipeline:
        doc = component(doc)
    assert sorted(span.label_ for span in doc.spans["pii"]) == ["name", "phone"]
    assert all(span._.pii_score > 0.5 for span in doc.spans["pii"])


def test_line_hits_stay_inside_their_line(manifest):
    lines = [TextLine(text="姓名", bbox=(0, 0, 40, 20)), TextLine(text="王建国", bbox=(50, 0, 110, 20)),
             TextLine(text="2023年12月25日", bbox=(0, 30, 150, 50))]
    hits = detect_lines(lines, known_pii(manifest))
    assert [(h.line, h.start, h.end, h.type) for h in hits] == [(1, 0, 3, PiiType.name)]


def _manifest_named(manifest: Manifest, name: str) -> Manifest:
    return manifest.model_copy(update={"name": name})


@pytest.mark.parametrize("name, text, expected", [
    # OCR dropped a character of the labelled holder's name (马洋 read as 洋): the part is masked
    ("马洋", "姓名：洋", [("name", "洋")]),
    ("马洋", "姓名：马", [("name", "马")]),
    ("马洋", "姓 名：洋 性别：男", [("name", "洋")]),
    ("马洋", "姓名洋性别男", [("name", "洋")]),
    ("马洋", "姓名\n洋\n性别\n男", [("name", "洋")]),      # the value in the next cell, read as the next line
    ("马洋", "持证人：洋", [("name", "洋")]),
    ("马晓洋", "姓名：洋", [("name", "洋")]),
    ("马晓洋", "姓名：晓洋", [("name", "晓洋")]),
    ("马洋", "经研究、兹决定聘任洋同志为助理工程师", [("name", "洋")]),  # the layout family's 聘任 letter
    ("马晓洋", "兹聘任晓洋同志为工程师", [("name", "晓洋")]),
    # near misses: the same character elsewhere is an ordinary word
    ("马洋", "从事海洋工程研究", []),
    ("马洋", "姓名：洋\n从事海洋工程研究", [("name", "洋")]),  # only the labelled value
    ("马洋", "洋", []),                                      # alone, without a label
    ("马洋", "海洋工程师", []),
    ("马洋", "聘任王刚同志为助理工程师", []),                # another person before 同志
    ("马洋", "同志们", []),
    ("马洋", "审核人：洋", []),                              # not a holder label: not the applicant
    ("王建国", "姓名：洋", []),                              # not part of the declared name
])
def test_holder_name_with_dropped_characters(name, text, expected, manifest):
    assert typed(text, _manifest_named(manifest, name)) == expected
