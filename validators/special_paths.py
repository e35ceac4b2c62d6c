"""The special paths: green channel §6, rural §7, non-public §8, skilled workers §9, qualification
correspondence §10, transfer §11 and the 2023 transitional rules (attachment 2)."""

from __future__ import annotations

from validators.paths import PathContext, PathOutcome, standard_path
from validators.schema import EducationYears


def green_channel(ctx: PathContext, path: str) -> PathOutcome:
    rules, item = ctx.rules.green_channel, int(path.split(":")[1])
    if item in rules.other_committee_items:
        finding = ctx.maker.make("green_channel.other_committee", section=rules.section, declared=path, item=item)
        return PathOutcome(path=path, qualifies=False, findings=[finding], explanation=finding.message)
    findings = [ctx.maker.make("green_channel.manual", section=rules.section, declared=path, item=item)]
    form_failed = "green_channel_form" in ctx.facts.failed_types
    if not ctx.facts.has_document("green_channel_form") and not form_failed:
        findings.append(ctx.maker.make("green_channel.form_missing", section=rules.section))
    return PathOutcome(path=path, qualifies=True, findings=findings)


def _next_level_only(ctx: PathContext, path: str, section: str) -> PathOutcome | None:
    """破格 and the §7(1) route lead one level above the title held, never further."""
    held = ctx.title_level()
    expected = ctx.rules.levels[0] if held is None else (
        ctx.rules.levels[ctx.rules.level_rank(held) + 1] if ctx.rules.level_rank(held) + 1 < len(ctx.rules.levels)
        else None)
    if ctx.target == expected:
        return None
    return ctx.not_applicable(path, f"只能申报高一级职称（现有职称：{held or '无'}，申报：{ctx.target}）", section)


def rural(ctx: PathContext, path: str) -> PathOutcome:
    rules = ctx.rules.rural
    area, place = (rules.county, "旗县（市、区）") if path == "rural_county_30y" else (rules.township, "苏木乡镇")
    if ctx.manifest.unit_location not in area.locations:
        return ctx.not_applicable(path, f"所在单位不在{place}", rules.section)
    wrong_level = _next_level_only(ctx, path, rules.section)
    if wrong_level is not None:
        return wrong_level
    finding, short = ctx.years_finding("rural.years_short", start=ctx.facts.work_start, years=area.years,
                                       requirement=f"在{place}从事专业工作满{area.years}年", section=rules.section)
    return PathOutcome(path=path, qualifies=finding is None, findings=[finding] if finding else [],
                       needs_title=ctx.title_level() is not None, shortfall_months=short,
                       explanation=finding.message if finding else "")


def _best_option(ctx: PathContext, options: list[EducationYears]) -> list[EducationYears]:
    rank = ctx.education_rank()
    return [o for o in options if rank is not None and rank >= ctx.rules.education_rank(o.education)]


def _education_block(ctx: PathContext, path: str, section: str) -> PathOutcome:
    finding = ctx.maker.make("qualification.education", section=section, declared=ctx.manifest.education.level,
                             extracted=ctx.education_text(), education=ctx.education_text(), target=ctx.target)
    return PathOutcome(path=path, qualifies=False, findings=[finding], explanation=finding.message)


def _years_options(ctx: PathContext, path: str, rule: str, options: list[EducationYears], section: str,
                   place: str) -> PathOutcome:
    outcomes = []
    for option in sorted(options, key=lambda o: o.years):
        requirement = f"{option.education}毕业{place}从事专业技术工作满{option.years}年"
        finding, short = ctx.years_finding(rule, start=ctx.facts.work_start, years=option.years,
                                           requirement=requirement, section=section)
        if finding is None:
            return PathOutcome(path=path, qualifies=True)
        outcomes.append(PathOutcome(path=path, qualifies=False, findings=[finding], shortfall_months=short,
                                    explanation=finding.message))
    return min(outcomes, key=lambda o: o.shortfall_months)


def township_institution(ctx: PathContext, path: str) -> PathOutcome:
    rules = ctx.rules.township_institution
    if ctx.manifest.unit_location not in rules.locations:
        return ctx.not_applicable(path, "所在单位不是苏木乡镇事业单位", rules.section)
    if ctx.target != rules.target:
        return ctx.not_applicable(path, f"该政策只适用于直接参加{rules.target}评审", rules.section)
    options = _best_option(ctx, [EducationYears(education=e, years=y) for e, y in rules.years_by_education.items()])
    if not options:
        return _education_block(ctx, path, rules.section)
    return _years_options(ctx, path, "township_institution.years_short", options, rules.section,
                          "后在苏木乡镇事业单位专业技术岗位")


def non_public(ctx: PathContext, path: str) -> PathOutcome:
    rules = ctx.rules.non_public
    if ctx.manifest.sector != "non_public":
        return ctx.not_applicable(path, "申报人不在非公有制领域", rules.section)
    if ctx.target not in rules.options:
        return ctx.not_applicable(path, f"非公有制直接申报未规定{ctx.target}的条件", rules.section)
    options = _best_option(ctx, rules.options[ctx.target])
    if not options:
        return _education_block(ctx, path, rules.section)
    return _years_options(ctx, path, "non_public.years_short", options, rules.section, "后")


def skilled_worker(ctx: PathContext, path: str) -> PathOutcome:
    rules = ctx.rules.skilled_worker
    skills = list(rules.levels)
    held = None if ctx.facts.skill_level is None else str(ctx.facts.skill_level.value)
    step_skill = next((skill for skill, step in rules.levels.items() if step.target == ctx.target), None)
    if step_skill is None:
        return ctx.not_applicable(path, f"高技能人才贯通未规定{ctx.target}的条件", rules.section)
    if held not in skills or skills.index(held) < skills.index(step_skill):
        return ctx.not_applicable(path, f"申报{ctx.target}须取得{step_skill}及以上职业资格（现为{held or '无'}）",
                                  rules.section)
    years = rules.levels[step_skill].years
    finding, short = ctx.years_finding(
        "skilled.years_short", start=None if ctx.facts.skill_on is None else str(ctx.facts.skill_on.value),
        years=years, requirement=f"取得{step_skill}职业资格后从事技术技能工作满{years}年", section=rules.section,
        evidence=None if ctx.facts.skill_on is None else ctx.facts.skill_on.evidence)
    return PathOutcome(path=path, qualifies=finding is None, findings=[finding] if finding else [],
                       needs_skill=True, shortfall_months=short, explanation=finding.message if finding else "")


def qualification_equivalence(ctx: PathContext, path: str) -> PathOutcome:
    finding = ctx.maker.make("qualification_equivalence.manual", section="§一(一)10")
    return PathOutcome(path=path, qualifies=True, findings=[finding])


def transfer(ctx: PathContext, path: str) -> PathOutcome:
    """§11. The manifest has no separate date for the current post, so technical_work_start stands in."""
    rules = ctx.rules.transfer
    held, title = ctx.title_level(), ctx.manifest.current_title
    if held is None or title is None:
        return ctx.not_applicable(path, "转系列评审须已具备原系列职称", rules.section)
    if held == ctx.target:
        if title.series == ctx.manifest.series:
            return ctx.not_applicable(path, f"现有职称已属{ctx.manifest.series}系列，无需转评", rules.section)
        finding, short = ctx.years_finding("transfer.years_short", start=ctx.facts.work_start,
                                           years=rules.min_years_in_post,
                                           requirement=f"在现岗位从事专业技术工作满{rules.min_years_in_post}年",
                                           section=rules.section)
    elif ctx.rules.level_rank(ctx.target) == ctx.rules.level_rank(held) + 1 and title.series == ctx.manifest.series:
        finding, short = ctx.years_finding(
            "transfer.years_short", start=str(ctx.facts.title_on.value) if ctx.facts.title_on else None,
            years=rules.min_years_with_new_title, section=rules.section,
            requirement=f"取得新系列职称后从事相应专业技术工作满{rules.min_years_with_new_title}年")
        if finding is None:
            standard = standard_path(ctx)
            return standard.model_copy(update={"path": path, "needs_title": True})
    else:
        return ctx.not_applicable(path, f"转系列只能申报同级或取得新系列职称后的高一级职称（现有：{held}）",
                                  rules.section)
    return PathOutcome(path=path, qualifies=finding is None, findings=[finding] if finding else [], needs_title=True,
                       shortfall_months=short, explanation=finding.message if finding else "")


def transitional(ctx: PathContext, path: str) -> PathOutcome:
    rules = ctx.rules.transitional_2023
    if ctx.manifest.unit_location in rules.recognition_locations:
        finding = ctx.maker.make("transitional.township_recognition", section=rules.recognition_section,
                                 declared=ctx.manifest.unit_location)
        return PathOutcome(path=path, qualifies=False, findings=[finding], explanation=finding.message)
    for_target = [o for o in rules.options if o.target == ctx.target]
    if not for_target:
        return ctx.not_applicable(path, f"过渡性政策未规定{ctx.target}的条件", rules.section)
    options = _best_option(ctx, [EducationYears(education=o.education, years=o.years) for o in for_target])
    if not options:
        return _education_block(ctx, path, rules.section)
    earlier = rules.county_years_earlier if ctx.manifest.unit_location in rules.county_locations else 0
    shortened = [o.model_copy(update={"years": max(0, o.years - earlier)}) for o in options]
    place = f"后在旗县（市、区）单位（提前{earlier}年）" if earlier else "后在旗县（市、区）及以上单位"
    return _years_options(ctx, path, "transitional.years_short", shortened, rules.section, place)


SPECIAL_PATHS = {
    "rural_county_30y": rural, "rural_township_20y": rural, "township_institution": township_institution,
    "non_public": non_public, "skilled_worker": skilled_worker,
    "qualification_equivalence": qualification_equivalence, "transfer": transfer, "transitional_2023": transitional,
}


def evaluate_path(ctx: PathContext, path: str) -> PathOutcome:
    if path.startswith("green_channel:"):
        return green_channel(ctx, path)
    if path in SPECIAL_PATHS:
        return SPECIAL_PATHS[path](ctx, path)
    return standard_path(ctx)
