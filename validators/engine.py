"""Turns a rule id plus the facts of one case into a ``Finding``, using the year's rules data."""

from __future__ import annotations

from dataclasses import dataclass

from validators.periods import chinese_date
from validators.schema import RuleSet
from zcps.models import Evidence, Finding

DOC_NAMES = {
    "education_certificate": "学历证书", "degree_certificate": "学位证书", "title_certificate": "专业技术资格证书",
    "appointment_letter": "聘书", "ce_card": "继续教育审验卡", "annual_assessment": "年度考核表",
    "vocational_qualification": "职业资格（技能等级）证书", "achievement": "业绩成果材料",
    "pledge": "《职称申报诚信承诺书》", "unit_evaluation": "《所在单位评价意见表》",
    "green_channel_form": "《职称评审绿色通道申请表》", "other": "其他材料",
}



def doc_name(doc_type: str) -> str:
    return DOC_NAMES.get(doc_type, doc_type)


@dataclass(frozen=True)
class FindingMaker:
    """Formats the rule's Chinese template; ``section`` overrides the rule's own, more general one."""

    rules: RuleSet

    @property
    def cutoff_text(self) -> str:
        return chinese_date(self.rules.cutoff)

    def make(self, rule: str, *, section: str | None = None, declared: object = None, extracted: object = None,
             evidence: Evidence | None = None, **fields: object) -> Finding:
        spec = self.rules.rules[rule]
        section = section or spec.section
        message = spec.message.format(section=section, cutoff=self.cutoff_text, declared=declared,
                                      extracted=extracted, **fields)
        return Finding(rule=rule, severity=spec.severity, section=section, message=message,
                       declared=None if declared is None else str(declared),
                       extracted=None if extracted is None else str(extracted), evidence=evidence)

