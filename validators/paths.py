"""The standard qualification paths of §一(一)2 and the shared pieces every path evaluation uses."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field as PydField

from validators.engine import FindingMaker
from validators.evidence import Facts
from validators.periods import describe_months, full_months_between, has_full_years, parse_partial
from validators.schema import RuleSet, StandardPath
from zcps.manifest import Manifest
from zcps.models import Evidence, Finding


class PathOutcome(BaseModel):
    """How one declared path fares: ``qualifies`` means no blocking finding of its own."""

    path: str
    qualifies: bool
    findings: list[Finding] = PydField(default_factory=list)
    explanation: str = ""
    needs_title: bool = False
    needs_skill: bool = False
    shortfall_months: int = 0
    # the wait the path asks for (validators/explain.py shows its arithmetic): "取得…后从事技术工作满N年"
    requirement: str | None = None
    years: int | None = None
    start: str | None = None  # the date the wait runs from


@dataclass
class PathContext:
    manifest: Manifest
    facts: Facts
    rules: RuleSet
    maker: FindingMaker
    years_earlier: int = 0  # §一(一)7(3): granted by rural service, applied to title-based waits

    @property
    def target(self) -> str:
        return self.manifest.target_level

    def education_rank(self) -> int | None:
        """Highest of the education certificate, the degree and a 技工院校 class (§一(一)9)."""
        rules, ranks = self.rules, []
        if self.facts.education_level and str(self.facts.education_level.value) in rules.education_order:
            ranks.append(rules.education_rank(str(self.facts.education_level.value)))
        if self.facts.degree and str(self.facts.degree.value) in rules.degree_equivalence:
            ranks.append(rules.education_rank(rules.degree_equivalence[str(self.facts.degree.value)]))
        school_class = self.manifest.skill.school_class if self.manifest.skill else None
        if school_class in rules.skilled_worker.school_class_equivalence:
            ranks.append(rules.education_rank(rules.skilled_worker.school_class_equivalence[school_class]))
        return max(ranks) if ranks else None

    def education_text(self) -> str:
        parts = [str(f.value) for f in (self.facts.education_level, self.facts.degree) if f is not None]
        return "、".join(parts) or "未提供"

    def earned_degrees(self) -> set[str]:
        """Degrees that count as 本专业 for the one-year reductions (declared specialty_related)."""
        if not self.manifest.education.specialty_related:
            return set()
        return {str(f.value) for f in (self.facts.education_level, self.facts.degree) if f is not None}

    def title_level(self) -> str | None:
        return None if self.facts.title_level is None else str(self.facts.title_level.value)

    def years_finding(self, rule: str, *, start: str | None, years: int, requirement: str, section: str,
                      evidence: Evidence | None = None) -> tuple[Finding | None, int]:
        """(finding or None, months short). A missing start date fails: the wait cannot be shown."""
        cutoff = self.rules.cutoff
        if start is not None and has_full_years(parse_partial(start), years, cutoff):
            return None, 0
        elapsed = 0 if start is None else full_months_between(parse_partial(start), cutoff)
        elapsed_text = describe_months(elapsed) + ("" if start is not None else "（未提供起算日期）")
        finding = self.maker.make(rule, section=section, declared=f"满{years}年", extracted=start,
                                  evidence=evidence, requirement=requirement, elapsed=elapsed_text)
        return finding, max(1, years * 12 - elapsed)

    def not_applicable(self, path: str, reason: str, section: str) -> PathOutcome:
        finding = self.maker.make("path.not_applicable", section=section, declared=path,
                                  path=self.rules.path_name(path), reason=reason)
        return PathOutcome(path=path, qualifies=False, findings=[finding], explanation=reason)


def _requirement(step: StandardPath, years: int, early: str) -> str:
    if step.prerequisite_title is None:
        base = f"从事技术工作满{years}年"
    else:
        base = f"取得{step.prerequisite_title}职称后从事技术工作满{years}年"
    return base + early


def _standard_step(ctx: PathContext, step: StandardPath) -> PathOutcome:
    path = f"standard:{step.id}"
    years, early = step.years, ""
    earned = ctx.earned_degrees() & set(step.early_degrees)
    if earned and step.early_years:
        years = max(0, years - step.early_years)
        early = f"（本专业{'、'.join(sorted(earned))}提前{step.early_years}年）"
    if step.prerequisite_title is not None and ctx.years_earlier:
        years = max(0, years - ctx.years_earlier)
        early += f"（服务基层提前{ctx.years_earlier}年）"
    if step.prerequisite_title is not None:
        held = ctx.title_level()
        if held != step.prerequisite_title or ctx.facts.title_on is None:
            held_text = f"现有职称为{held}" if held else "未取得相应职称"
            finding = ctx.maker.make("qualification.prerequisite_title", section=step.section,
                                     declared=ctx.manifest.current_title.level if ctx.manifest.current_title else None,
                                     extracted=held, requirement=f"须取得本专业{step.prerequisite_title}职称",
                                     held=held_text,
                                     evidence=ctx.facts.title_level.evidence if ctx.facts.title_level else None)
            return PathOutcome(path=path, qualifies=False, findings=[finding], needs_title=True,
                               explanation=finding.message, shortfall_months=10_000)
        start, evidence = str(ctx.facts.title_on.value), ctx.facts.title_on.evidence
    else:
        start, evidence = ctx.facts.work_start, None
    wait = {"requirement": _requirement(step, years, early), "years": years, "start": start}
    if years == 0:
        return PathOutcome(path=path, qualifies=True, needs_title=step.prerequisite_title is not None, **wait)
    finding, short = ctx.years_finding("qualification.years_short", start=start, years=years,
                                       requirement=wait["requirement"], section=step.section, evidence=evidence)
    return PathOutcome(path=path, qualifies=finding is None, findings=[finding] if finding else [],
                       needs_title=step.prerequisite_title is not None, shortfall_months=short,
                       explanation=finding.message if finding else "", **wait)


def standard_path(ctx: PathContext) -> PathOutcome:
    """§一(一)2: any step the education allows may qualify; otherwise report the nearest miss."""
    steps = ctx.rules.standard_paths[ctx.target]
    rank = ctx.education_rank()
    allowed = [s for s in steps if rank is not None and rank >= ctx.rules.education_rank(s.education)]
    if not allowed:
        section = steps[0].section.rsplit(")", 1)[0] + ")"
        finding = ctx.maker.make("qualification.education", section=section, declared=ctx.manifest.education.level,
                                 extracted=ctx.education_text(), education=ctx.education_text(), target=ctx.target,
                                 evidence=ctx.facts.education_level.evidence if ctx.facts.education_level else None)
        return PathOutcome(path="standard", qualifies=False, findings=[finding], explanation=finding.message)
    outcomes = [_standard_step(ctx, step) for step in allowed]
    passing = next((o for o in outcomes if o.qualifies), None)
    if passing is not None:
        return passing
    nearest = min(outcomes, key=lambda o: o.shortfall_months)
    return nearest.model_copy(update={"path": "standard"})
