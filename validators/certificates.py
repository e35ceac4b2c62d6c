"""学信网 online-verification tasks and the structure of the certificate numbers they rest on.

zcps is offline: it reads the certificate number (and a 学信网 电子注册备案表's 在线验证码), checks that
the number's structure agrees with the document's own level and year, and lists a task the reviewer
completes at 学信网 by hand. It never claims to have verified anything online.

Structures (rules file ``certificate_numbers``):
- 毕业证书编号, 18 digits: school code (5), 办学类型 (1), graduation year (4), 培养层次 (2), serial (6);
- 学位证书编号, 16 digits: degree-awarding unit code (5), 学位级别 (1), year (4), serial (6).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from validators.engine import FindingMaker, doc_name
from validators.evidence import field_evidence
from validators.schema import CertificateNumberRules, RuleSet
from zcps.models import DocType, DocumentResult, Finding, Status, VerificationTask

MISMATCH_RULE = "xuexin.number_mismatch"
# Printed in groups or with spaces; anything else (letters, dashes) is not an electronic registration number:
# certificates before 2001 carry none, and then the task asks for a search by name instead.
_REGISTRATION = re.compile(r"^\d[\d\s]{13,22}\d$")
_PLAUSIBLE_YEARS = (1977, 2100)  # electronic registration began in 2001; older numbers may be re-registered
_LEGACY_FIRST_YEAR, _LEGACY_LAST_YEAR = 2001, 2002  # then some schools still printed 17 digits


class NumberStructure(BaseModel):
    """What a certificate number says about itself; ``problem`` is None when it is well formed."""

    kind: str  # 毕业证书编号 | 学位证书编号
    number: str
    registered: bool = True  # False: not shaped like an electronic registration number (nothing to check)
    unit_code: str | None = None
    school_type: str | None = None
    year: int | None = None
    level: str | None = None  # the manifest's vocabulary: 本科, 学士, …
    problem: str | None = None


def _digits(number: str) -> str | None:
    text = number.strip()
    return "".join(text.split()) if _REGISTRATION.match(text) else None


def graduation_number(number: str, spec: CertificateNumberRules) -> NumberStructure:
    digits, kind = _digits(number), "毕业证书编号"
    if digits is None:
        return NumberStructure(kind=kind, number=number, registered=False)
    if len(digits) == 17 and _LEGACY_FIRST_YEAR <= int(digits[6:10]) <= _LEGACY_LAST_YEAR:
        return NumberStructure(kind=kind, number=digits, unit_code=digits[:5], school_type=digits[5],
                               year=int(digits[6:10]), level=spec.education_levels.get(digits[10:12]))
    if len(digits) != 18:
        return NumberStructure(kind=kind, number=number, problem=f"应为18位数字，实为{len(digits)}位")
    school_type, level_code = digits[5], digits[10:12]
    found = NumberStructure(kind=kind, number=digits, unit_code=digits[:5], school_type=school_type,
                            year=int(digits[6:10]), level=spec.education_levels.get(level_code))
    if not _PLAUSIBLE_YEARS[0] <= found.year <= _PLAUSIBLE_YEARS[1]:
        return found.model_copy(update={"problem": f"第7—10位年份“{digits[6:10]}”不是有效年份"})
    if school_type not in spec.school_types:
        return found.model_copy(update={"problem": f"第6位办学类型代码“{school_type}”不在规定代码之内"})
    if found.level is None:
        return found.model_copy(update={"problem": f"第11—12位培养层次代码“{level_code}”不在规定代码之内"})
    return found


def degree_number(number: str, spec: CertificateNumberRules) -> NumberStructure:
    digits, kind = _digits(number), "学位证书编号"
    if digits is None:
        return NumberStructure(kind=kind, number=number, registered=False)
    if len(digits) != 16:
        return NumberStructure(kind=kind, number=number, problem=f"应为16位数字，实为{len(digits)}位")
    found = NumberStructure(kind=kind, number=digits, unit_code=digits[:5], year=int(digits[6:10]),
                            level=spec.degree_levels.get(digits[5]))
    if not _PLAUSIBLE_YEARS[0] <= found.year <= _PLAUSIBLE_YEARS[1]:
        return found.model_copy(update={"problem": f"第7—10位年份“{digits[6:10]}”不是有效年份"})
    if found.level is None:
        return found.model_copy(update={"problem": f"第6位学位级别代码“{digits[5]}”不在规定代码之内"})
    return found


def inconsistencies(structure: NumberStructure, level: str | None, year: int | None) -> list[str]:
    """How a well-formed number disagrees with the level and year printed on the same document (Chinese).

    A malformed number is only noted on the task: a misread digit is likelier than a forgery, and the
    reviewer checks it online anyway."""
    if not structure.registered or structure.problem is not None:
        return []
    found = []
    if level is not None and structure.level != level:
        found.append(f"编号中的层次为{structure.level}，证书所载为{level}")
    if year is not None and structure.year != year:
        found.append(f"编号中的年份为{structure.year}，证书所载为{year}")
    return found


_KINDS = {DocType.education_certificate: ("education_level", "graduated_on", graduation_number),
          DocType.degree_certificate: ("degree", "conferred_on", degree_number)}


def _value(result: DocumentResult, name: str) -> str | None:
    field = result.extraction.fields.get(name)
    return None if field is None or field.value in (None, "") else str(field.value)


def verification_tasks(documents: list[DocumentResult], rules: RuleSet,
                       maker: FindingMaker) -> tuple[list[VerificationTask], list[Finding]]:
    """One task per readable education or degree document; a finding per number that contradicts its document."""
    spec, tasks, findings = rules.certificate_numbers, [], []
    for result in documents:
        if result.status is Status.failed or result.extraction is None or result.extraction.doc_type not in _KINDS:
            continue
        level_field, date_field, parse = _KINDS[result.extraction.doc_type]
        document = f"docs/{result.ref.file}"
        number_field = result.extraction.fields.get("certificate_number")
        number = _value(result, "certificate_number")
        evidence = field_evidence(result, number_field) if number else None
        structure = ""
        if number:
            parsed = parse(number, spec)
            date = _value(result, date_field)
            problems = inconsistencies(parsed, _value(result, level_field), int(date[:4]) if date else None)
            if problems:
                structure = "；".join(problems)
            elif parsed.problem is not None:
                structure = f"{parsed.kind}结构异常：{parsed.problem}，请在学信网重点核验"
            elif parsed.registered:
                structure = f"结构与证书一致：单位代码{parsed.unit_code}、{parsed.year}年、{parsed.level}"
            else:
                structure = "编号不是电子注册编号格式（2001年前的证书无电子注册），请在学信网按姓名查询或申请学历认证"
            if problems:
                findings.append(maker.make(MISMATCH_RULE, extracted=number, evidence=evidence,
                                           doc_name=doc_name(result.extraction.doc_type.value), file=document,
                                           kind=parsed.kind, problem="；".join(problems)))
        tasks.append(VerificationTask(doc_type=result.extraction.doc_type.value, document=document,
                                      evidence=evidence, certificate_number=number,
                                      verification_code=_value(result, "verification_code"),
                                      structure=structure or "未识别到证书编号，请在学信网按姓名、证书信息查询"))
    return tasks, findings
