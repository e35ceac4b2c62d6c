"""Reviewer-facing Chinese labels for verdicts and severities (reports, dossier).

``SEVERITY_LABELS`` is keyed in ``zcps.models.SEVERITY_ORDER``, most serious first. Path names are
policy and live in the rules file (``paths``, read through ``RuleSet.path_name``).
"""

from __future__ import annotations

SEVERITY_LABELS: dict[str, str] = {"block": "不符合", "review": "需核实", "note": "提示"}
VERDICT_LABELS: dict[str, str] = {"eligible": "符合", "not_eligible": "不符合", "needs_review": "需核实"}
