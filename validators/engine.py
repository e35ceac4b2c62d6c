"""Turns a rule id plus the facts of one case into a ``Finding``, using the year's rules data."""

from __future__ import annotations

from dataclasses import dataclass

from validators.periods import chinese_date
from validators.schema import RuleSet
from zcps.doctypes import default_catalogue
from zcps.models import Evidence, Finding



def doc_name(doc_type: str) -> str:
    """The type's Chinese name, from its spec file (zcps/doctypes.py)."""
    return default_catalogue().name(doc_type)


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

