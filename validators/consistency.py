"""Consistency checks a careful reader makes before applying the rules (rules file ``consistency``).

Each check that fails adds a reviewer-facing doubt to the value it concerns; a doubtful value can
no longer carry a block (see ``validators.certainty``). The checks never add findings themselves.
"""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from validators.evidence import CEYear, Fact, Facts
from validators.periods import is_date, parse_partial
from validators.schema import RuleSet
from zcps.manifest import Manifest


def _doubt(doubts: list[str], text: str) -> None:
    if text not in doubts:
        doubts.append(text)


def ce_sum_doubt(record: CEYear, rules: RuleSet) -> str | None:
    """public + professional = total, within the card's rounding; None when consistent or unknowable."""
    spec = rules.consistency.ce_sum
    if None in (record.public_hours, record.professional_hours, record.total_hours):
        return None
    if abs(record.parts - record.total_hours) <= spec.rounding_hours:
        return None
    return spec.doubt.format(public=record.public_hours, professional=record.professional_hours,
                             total=record.total_hours)


def ce_hours_doubts(record: CEYear, rules: RuleSet) -> list[str]:
    """The checks on a CE year's hours: parts add up, the professional hours were read, a plausible range."""
    spec = rules.consistency
    doubts = [d for d in [ce_sum_doubt(record, rules)] if d]
    if record.professional_hours is None:
        doubts.append(spec.ce_parts_missing.doubt.format(year=record.year))
    limit = spec.ce_hours_range.max_hours
    for hours in (record.public_hours, record.professional_hours, record.total_hours):
        if hours is not None and not 0 <= hours <= limit:
            doubts.append(spec.ce_hours_range.doubt.format(year=record.year, hours=hours, max=limit))
            break
    return doubts


def ce_verified_doubts(record: CEYear, rules: RuleSet) -> list[str]:
    """A year verified before it starts: the row or its date was misread (or belongs to another year)."""
    if is_date(record.verified_on) and parse_partial(record.verified_on) < date(record.year, 1, 1):
        return [rules.consistency.ce_verified_in_year.doubt.format(year=record.year, date=record.verified_on)]
    return []


def birth_date(manifest: Manifest) -> str | None:
    """From the declared resident ID number (GB 11643); None when it does not validate."""
    try:
        return ric.get_birth_date(ric.validate(manifest.id_number)).isoformat()
    except (ValidationError, ValueError):
        return None


def date_order_doubts(dates: dict[str, str | None], rules: RuleSet) -> dict[str, list[str]]:
    """For each named date, the doubts from pairs out of order (birth < graduation < title < cutoff).
    Dates of different precision compare on their first day; equal counts as out of order."""
    spec = rules.consistency.date_order
    known = [(o.fact, o.label, dates.get(o.fact)) for o in spec.order]
    known = [(fact, label, value) for fact, label, value in known if is_date(value)]
    doubts: dict[str, list[str]] = {}
    for i, (early_fact, early_label, early) in enumerate(known):
        for late_fact, late_label, late in known[i + 1:]:
            if parse_partial(late) > parse_partial(early):
                continue
            text = spec.doubt.format(later_label=late_label, later=late, earlier_label=early_label, earlier=early)
            for fact in (early_fact, late_fact):
                doubts.setdefault(fact, []).append(text)
    return doubts


def dates_of(facts: Facts, manifest: Manifest, rules: RuleSet) -> dict[str, str | None]:
    return {"birth": birth_date(manifest), "cutoff": rules.cutoff.isoformat(),
            "graduated_on": facts.graduated_on and str(facts.graduated_on.value),
            "title_on": facts.title_on and str(facts.title_on.value)}


def fits_date_order(slot: str, value: str, facts: Facts, manifest: Manifest, rules: RuleSet) -> bool:
    """Whether an alternative reading of ``slot`` keeps the dates in order (implausible ones are no
    real alternative: a birth date misread as a qualification date must not unblock anyone)."""
    dates = {**dates_of(facts, manifest, rules), slot: value}
    return slot not in date_order_doubts(dates, rules)


def assessment_doubts(year: int, printed: Fact | None, signed: Fact | None, rules: RuleSet) -> list[str]:
    spec = rules.consistency.assessment_year
    doubts = []
    if printed is not None:
        for other in printed.alternatives:
            if str(other.value).isdigit() and int(other.value) != year:
                doubts.append(spec.doubt.format(printed=year, other=spec.other_year.format(year=other.value)))
    if signed is not None and is_date(signed.value):
        signed_year = parse_partial(str(signed.value)).year
        if not year <= signed_year <= year + spec.signed_within_years:
            doubts.append(spec.doubt.format(printed=year, other=spec.signed.format(date=signed.value)))
    return doubts


def check_consistency(facts: Facts, manifest: Manifest, rules: RuleSet) -> None:
    """Adds the doubts of every failed check to the values read from documents (declared values are
    the applicant's own statement and are compared elsewhere)."""
    for records in (facts.ce_years, facts.ce_verified_after):
        for record in records.values():
            if record.from_document:
                for text in ce_hours_doubts(record, rules):
                    _doubt(record.hours_doubts, text)
                for text in ce_verified_doubts(record, rules):
                    _doubt(record.doubts, text)
    for slot, texts in date_order_doubts(dates_of(facts, manifest, rules), rules).items():
        fact = getattr(facts, slot, None)
        if isinstance(fact, Fact) and fact.from_document:
            for text in texts:
                _doubt(fact.doubts, text)
    for year, grade in facts.assessments.items():
        if grade.from_document:
            for text in assessment_doubts(year, facts.assessment_years.get(year),
                                          facts.assessment_signed.get(year), rules):
                _doubt(grade.doubts, text)
