"""Reviewer-facing Chinese labels for verdicts and severities (reports, dossier).

``SEVERITY_LABELS`` is keyed in ``zcps.models.SEVERITY_ORDER``, most serious first. Path names are
policy and live in the rules file (``paths``, read through ``RuleSet.path_name``).
"""

from __future__ import annotations

SEVERITY_LABELS: dict[str, str] = {"block": "不符合", "review": "需核实", "note": "提示"}
VERDICT_LABELS: dict[str, str] = {"eligible": "符合", "not_eligible": "不符合", "needs_review": "需核实"}

# Reviewers' decisions (review/decisions.py) as reports and the dossier show them.
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
