"""Reviewer-facing Chinese labels for verdicts, severities and application paths (reports, dossier)."""

from __future__ import annotations

SEVERITY_LABELS: dict[str, str] = {"block": "不符合", "review": "需核实", "note": "提示"}
VERDICT_LABELS: dict[str, str] = {"eligible": "符合", "not_eligible": "不符合", "needs_review": "需核实"}
PATH_LABELS: dict[str, str] = {
    "standard": "常规途径",
    "rural_county_30y": "基层（旗县满30年）",
    "rural_township_20y": "基层（苏木乡镇满20年）",
    "township_institution": "乡镇事业单位",
    "rural_service_3y": "基层服务满3年提前申报",
    "non_public": "非公有制经济组织",
    "skilled_worker": "高技能人才",
    "qualification_equivalence": "职业资格对应",
    "transfer": "转系列评审",
    "transitional_2023": "2023年过渡性政策",
}


def path_label(path: str | None) -> str | None:
    if path is None:
        return None
    if path.startswith("green_channel:"):
        return f"绿色通道第{path.split(':', 1)[1]}项"
    # "standard:中级③": a path id with the notice clause it met
    base, _, clause = path.partition(":")
    if clause and base in PATH_LABELS:
        return f"{PATH_LABELS[base]}（{clause}）"
    return PATH_LABELS.get(path, path)


RECHECK_LABEL = "需重新确认"
UNDECIDED_LABEL = "未处理"
PENDING_STATUS = "待审核"


def decision_text(applied, *, with_reviewer: bool = True) -> str:
    """A finding's decision in one line: "误报：说明（张审核 2024-07-05）", or 需重新确认 with the old one."""
    if applied is None:
        return UNDECIDED_LABEL
    decision = applied.decision
    text = decision.decision + (f"：{decision.note}" if decision.note else "")
    if with_reviewer:
        text += f"（{decision.reviewer} {decision.decided_on}）"
    return f"{RECHECK_LABEL}（原意见：{text}；证据已变更）" if applied.stale else text
