"""Structure of 学信网 certificate numbers against the document's own level and year (validators/certificates.py)."""

from __future__ import annotations

import pytest

from validators.certificates import MISMATCH_RULE, degree_number, graduation_number, inconsistencies, verification_tasks
from validators.engine import FindingMaker
from validators.schema import load_rules
from zcps.models import DocType, DocumentRef, DocumentResult, Extraction, Field, Status

RULES = load_rules("2024")
SPEC = RULES.certificate_numbers


@pytest.mark.parametrize(("number", "level", "year", "problem", "disagreements"), [
    ("101261201205001234", "本科", 2012, None, []),  # 10126 · 1 普通 · 2012 · 05 本科 · 001234
    ("1012 6120 1205 0012 34", "本科", 2012, None, []),  # printed in groups
    ("101261201206001234", "大专", 2012, None, []),
    ("101261201202001234", "硕士", 2012, None, []),
    ("101265201205001234", "本科", 2012, None, []),  # 5 成人高等教育
    ("101261201206001234", "本科", 2012, None, ["编号中的层次为大专，证书所载为本科"]),  # near miss: level 06
    ("101261201305001234", "本科", 2012, None, ["编号中的年份为2013，证书所载为2012"]),  # near miss: year + 1
    ("101261201306001234", "本科", 2012, None, ["编号中的层次为大专，证书所载为本科", "编号中的年份为2013，证书所载为2012"]),
    ("10126120120500123", "本科", 2012, "应为18位数字，实为17位", []),  # near miss: one digit short
    ("1012612012050012345", "本科", 2012, "应为18位数字，实为19位", []),
    ("10126120020500123", "本科", 2002, None, []),  # 17 digits were still printed in 2001–2002
    ("101263201205001234", "本科", 2012, "第6位办学类型代码“3”不在规定代码之内", []),
    ("101261201203001234", "本科", 2012, "第11—12位培养层次代码“03”不在规定代码之内", []),
    ("101261012405001234", "本科", 2012, "第7—10位年份“0124”不是有效年份", []),
    ("101261201205001234", None, None, None, []),  # the document printed no level or year: nothing to compare
], ids=lambda v: str(v))
def test_graduation_certificate_numbers(number, level, year, problem, disagreements):
    structure = graduation_number(number, SPEC)
    assert structure.registered and structure.problem == problem
    assert inconsistencies(structure, level, year) == disagreements


@pytest.mark.parametrize(("number", "level", "year", "problem", "disagreements"), [
    ("1012642012001234", "学士", 2012, None, []),  # 10126 · 4 学士 · 2012 · 001234
    ("1012632015001234", "硕士", 2015, None, []),
    ("1012622019001234", "博士", 2019, None, []),
    ("1012632012001234", "学士", 2012, None, ["编号中的层次为硕士，证书所载为学士"]),  # near miss: level 3
    ("1012642011001234", "学士", 2012, None, ["编号中的年份为2011，证书所载为2012"]),  # near miss: year − 1
    ("101264201200123", "学士", 2012, "应为16位数字，实为15位", []),
    ("101261201205001234", "学士", 2012, "应为16位数字，实为18位", []),  # a graduation number on a degree
    ("1012652012001234", "学士", 2012, "第6位学位级别代码“5”不在规定代码之内", []),
], ids=lambda v: str(v))
def test_degree_certificate_numbers(number, level, year, problem, disagreements):
    structure = degree_number(number, SPEC)
    assert structure.problem == problem
    assert inconsistencies(structure, level, year) == disagreements


@pytest.mark.parametrize("number", ["EDU-1", "No.2012-88", "1234567890", "ABCD12345678901234"])
def test_numbers_not_shaped_like_a_registration_number_are_not_checked(number):
    structure = graduation_number(number, SPEC)
    assert not structure.registered and inconsistencies(structure, "本科", 2012) == []


def _document(doc_type: DocType, **values) -> DocumentResult:
    fields = {name: Field(value=value, raw=str(value), confidence=0.99, page=1, bbox=(10, 10, 200, 40))
              for name, value in values.items()}
    return DocumentResult(ref=DocumentRef(batch="2024", unit="u", applicant="A", file=f"{doc_type.value}.png"),
                          status=Status.done, extraction=Extraction(doc_type=doc_type, fields=fields))


@pytest.mark.parametrize(("document", "findings", "structure"), [
    (_document(DocType.education_certificate, education_level="本科", graduated_on="2012-07-01",
               certificate_number="101261201205001234", verification_code="A1B2C3D4E5F6G7H8"), 0, "结构与证书一致"),
    (_document(DocType.education_certificate, education_level="本科", graduated_on="2012-07-01",
               certificate_number="101261201206001234"), 1, "编号中的层次为大专"),
    (_document(DocType.degree_certificate, degree="学士", conferred_on="2012-07-01",
               certificate_number="1012642013001234"), 1, "编号中的年份为2013"),
    (_document(DocType.education_certificate, education_level="本科", graduated_on="2012-07-01"), 0,
     "未识别到证书编号"),
    (_document(DocType.education_certificate, education_level="本科", certificate_number="10126120120500123"), 0,
     "结构异常"),
], ids=["consistent", "level-differs", "degree-year-differs", "no-number", "malformed"])
def test_every_education_document_becomes_a_task_and_a_contradiction_a_finding(document, findings, structure):
    tasks, found = verification_tasks([document], RULES, FindingMaker(RULES))
    assert len(tasks) == 1 and structure in tasks[0].structure
    assert tasks[0].certificate_number == document.extraction.fields.get("certificate_number", Field(
        value=None, raw="", confidence=0, page=1, bbox=(0, 0, 0, 0))).value
    assert [f.rule for f in found] == [MISMATCH_RULE] * findings
    assert all(f.evidence.document == f"docs/{document.ref.file}" for f in found)


def test_the_verification_code_of_a_registration_record_is_kept_and_other_documents_give_no_task():
    record = _document(DocType.education_certificate, education_level="本科", graduated_on="2012-07-01",
                       certificate_number="101261201205001234", verification_code="A1B2C3D4E5F6G7H8")
    tasks, _ = verification_tasks([record, _document(DocType.title_certificate, certificate_number="123")], RULES,
                                  FindingMaker(RULES))
    assert [t.verification_code for t in tasks] == ["A1B2C3D4E5F6G7H8"]
