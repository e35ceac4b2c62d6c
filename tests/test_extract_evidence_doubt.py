"""Extraction keeps what a reviewer needs to judge a reading: whose name it is (holder or signer)
and the other dates a title certificate holds."""

from __future__ import annotations

import pytest

from extractors.extract import extract_document
from zcps.models import DocType, DocumentText, Page, TextLine


def _text(*lines: str) -> DocumentText:
    page = Page(number=1, width=1000, height=100 * (len(lines) + 1),
                lines=[TextLine(text=t, bbox=(50, 100 * i + 50, 900, 100 * i + 90), score=0.98)
                       for i, t in enumerate(lines)])
    return DocumentText(sha256="x", source="ocr", engine="test", pages=[page])


@pytest.mark.parametrize(("lines", "name", "signer"), [
    (("姓名：王建国", "审核人：李四"), "王建国", "李四"),
    (("审核人：李四", "姓名：王建国"), "王建国", "李四"),   # the signer printed first
    (("单位负责人（签字）：刘强",), None, "刘强"),              # no holder name at all
    (("姓名：王建国",), "王建国", None),
    (("审验意见：合格",), None, None),
])
def test_name_role(lines, name, signer):
    """Only a holder label gives the name (role holder); a signatory is a field of its own (role signer)."""
    fields = extract_document(_text(*lines), DocType.annual_assessment).fields
    got, signed = fields.get("name"), fields.get("signer")
    assert (got and got.value, got and got.role) == (name, name and "holder")
    assert (signed and signed.value, signed and signed.role) == (signer, signer and "signer")


@pytest.mark.parametrize(("lines", "chosen", "others"), [
    (("取得资格时间：2020年8月18日", "发证日期：2020年5月20日"), "2020-08-18", ["2020-05-20"]),
    (("发证日期：2020年5月20日", "取得资格时间：2020年8月18日"), "2020-08-18", ["2020-05-20"]),
    (("出生日期：1985年3月", "取得资格时间：2020年8月18日"), "2020-08-18", []),  # a birth date is no candidate
    (("取得资格时间：2020年8月18日",), "2020-08-18", []),
])
def test_title_certificate_keeps_its_other_dates(lines, chosen, others):
    qualified = extract_document(_text("专业技术资格证书", *lines), DocType.title_certificate).fields["qualified_on"]
    assert qualified.value == chosen
    assert [a.value for a in qualified.alternatives] == others


@pytest.mark.parametrize(("lines", "label", "method"), [
    (("取得资格时间：2020年8月18日",), "取得资格时间", "same_line"),
    (("2020年8月18日",), None, "pattern"),  # no label: the certificate's last date
])
def test_title_date_says_how_it_was_chosen(lines, label, method):
    qualified = extract_document(_text("专业技术资格证书", *lines), DocType.title_certificate).fields["qualified_on"]
    assert (qualified.label, qualified.method) == (label, method)


@pytest.mark.parametrize(("doc_type", "lines", "field", "value", "doubted"), [
    # a seal over the day of the form's own date: 2022.01 of 2022.01.06
    (DocType.annual_assessment, ("2021年度考核登记表", "考核等次：称职", "（盖章）", "2022.01"), "signed_on", "2022-01", True),
    (DocType.annual_assessment, ("2021年度考核登记表", "考核等次：称职", "（盖章）", "2022年1月"), "signed_on", "2022-01", True),
    (DocType.annual_assessment, ("2021年度考核登记表", "考核等次：称职", "（盖章）", "2022.01.06"), "signed_on", "2022-01-06", False),
    (DocType.annual_assessment, ("2021年度考核登记表", "考核等次：称职", "（盖章）", "2022年1月6日"), "signed_on", "2022-01-06", False),
    (DocType.unit_evaluation, ("单位评价意见表", "（公章）", "2024.05"), "signed_on", "2024-05", True),
    (DocType.pledge, ("诚信承诺书", "签字日期：2024年5月"), "signed_on", "2024-05", True),
    (DocType.pledge, ("诚信承诺书", "签字日期：2024年5月20日"), "signed_on", "2024-05-20", False),
    # near misses: fields a document may print to the month only stay undoubted
    (DocType.appointment_letter, ("聘任书", "聘任时间：2019年7月"), "appointed_on", "2019-07", False),
    (DocType.education_certificate, ("毕业证书", "毕业时间：2019年7月"), "graduated_on", "2019-07", False),
    (DocType.title_certificate, ("专业技术资格证书", "取得资格时间：2019年11月"), "qualified_on", "2019-11", False),
    (DocType.vocational_qualification, ("职业资格证书", "发证日期：2021/06"), "obtained_on", "2021-06", False),
])
def test_a_full_date_read_without_its_day_is_doubtful(doc_type, lines, field, value, doubted):
    """A date the form prints to the day (``full_date`` in its spec), read as year and month, lost its day."""
    read = extract_document(_text(*lines), doc_type).fields[field]
    assert read.value == value
    assert any("只识别到年月" in doubt for doubt in read.doubts) is doubted
