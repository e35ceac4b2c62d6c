"""Severity follows certainty: a block must rest on confident, consistent evidence.

A failing rule's finding carries the very ``Evidence`` object of the value it rests on (the rule
code passes ``fact.evidence`` through, pydantic keeps the instance), so the value it used is found
by identity, never confused with another value that happens to share a crop. The block stands only when
each of them was read at or above ``certainty.block_confidence``, passed every consistency check
and has no alternative reading under which the rule would pass. Otherwise the finding becomes a
``review`` whose message names the doubt and shows the values both ways.
"""

from __future__ import annotations

from collections.abc import Callable

import cn2an

from validators.consistency import ce_sum_doubt, fits_date_order
from validators.engine import doc_name
from validators.evidence import DATE_FIELDS, CEYear, Fact, Facts
from validators.schema import RuleSet
from zcps.manifest import Manifest
from zcps.models import Finding

Recheck = Callable[[Facts], list[Finding]]
Value = Fact | CEYear
DATE_SLOTS = {"graduated_on": "graduated_on", "title_on": "qualified_on", "skill_on": "obtained_on"}


def count_text(count: int) -> str:
    """Chinese count before a measure word: 两个, 三个 (两, not 二, before 个)."""
    return "两" if count == 2 else cn2an.an2cn(count)


def reading_doubts(value: Value, rules: RuleSet, rule: str) -> list[str]:
    """What is uncertain about one reading for ``rule``: its confidence and every failed consistency
    check that bears on it (a CE year's hours do not bear on the rules listed as not using them)."""
    spec = rules.certainty
    doubts = []
    if value.confidence < spec.block_confidence:
        doubts.append(spec.doubts.low_confidence.format(confidence=f"{value.confidence:.2f}"))
    doubts += value.doubts
    if isinstance(value, CEYear) and rule not in spec.rules_without_hours:
        doubts += value.hours_doubts
    return list(dict.fromkeys(doubts))


def read_text(value: Value, rules: RuleSet) -> str:
    if isinstance(value, CEYear):
        spec = rules.consistency.ce_sum
        if value.total_hours is None:
            return spec.other.format(sum=value.parts)
        return spec.read.format(total=value.total_hours)
    return str(value.value)


def alternatives(slot: str, value: Value, facts: Facts, manifest: Manifest, rules: RuleSet) -> list[Value]:
    """Other readings of the same value: the document's other candidates (only those that keep the
    dates in order) and, for a CE year whose total disagrees with its parts, the sum of the parts."""
    if isinstance(value, CEYear):
        if ce_sum_doubt(value, rules) is None:
            return []
        return [value.model_copy(update={"total_hours": None, "hours_doubts": []})]
    if slot in DATE_SLOTS:
        return [a for a in value.alternatives if fits_date_order(slot, str(a.value), facts, manifest, rules)]
    return list(value.alternatives)


def _alternative_doubt(value: Fact, rules: RuleSet) -> str:
    values = " / ".join(sorted({str(value.value), *(str(a.value) for a in value.alternatives)}))
    count = count_text(1 + len({str(a.value) for a in value.alternatives}))
    template = rules.certainty.doubts.alternative if value.field in DATE_FIELDS \
        else rules.certainty.doubts.alternative_values
    return template.format(doc_name=doc_name(value.doc_type or "other"), count=count, values=values)


def _still_blocked(findings: list[Finding], rule: str, other: Value) -> bool:
    """Whether ``rule`` still blocks on the other reading itself (another year's shortfall is not this one)."""
    return any(f.rule == rule and f.severity == "block" and f.evidence is other.evidence for f in findings)


def settle_block(finding: Finding, facts: Facts, manifest: Manifest, rules: RuleSet, recheck: Recheck) -> Finding:
    """The finding itself when its evidence is certain; otherwise the same rule as a doubtful review."""
    if finding.evidence is None:
        return finding
    used = [(slot, value) for slot, value in facts.document_values() if value.evidence is finding.evidence]
    doubts: list[str] = []
    both_ways: tuple[Value, Value] | None = None
    for slot, value in used:
        doubts += reading_doubts(value, rules, finding.rule)
        for other in alternatives(slot, value, facts, manifest, rules):
            if not _still_blocked(recheck(facts.replaced(slot, other)), finding.rule, other):
                both_ways = both_ways or (value, other)
                if isinstance(value, Fact):
                    doubts.append(_alternative_doubt(value, rules))
                break
    doubts = list(dict.fromkeys(doubts))
    if not doubts:
        return finding
    spec = rules.certainty
    if both_ways is not None:
        shown = spec.both_ways.format(read=read_text(both_ways[0], rules), other=read_text(both_ways[1], rules))
    else:
        shown = spec.read_only.format(read="、".join(read_text(value, rules) for _, value in used))
    message = spec.doubtful.format(doubts="；".join(doubts), message=finding.message, both_ways=shown)
    return finding.model_copy(update={"severity": "review", "message": message})


def settle(findings: list[Finding], facts: Facts, manifest: Manifest, rules: RuleSet,
           recheck: Recheck) -> list[Finding]:
    return [settle_block(f, facts, manifest, rules, recheck) if f.severity == "block" else f for f in findings]


def declared_candidate_note(declared: str, fact: Fact, rules: RuleSet, agree: Callable[[str, str], bool]) -> str:
    """Said in a declared-vs-extracted finding when the declared value is another reading on the document."""
    for other in fact.alternatives:
        if agree(declared, str(other.value)):
            return rules.certainty.declared_is_candidate.format(label=other.label or "", value=other.value)
    return ""

