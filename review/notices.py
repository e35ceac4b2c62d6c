"""一次性告知单: one printable page (HTML, A4 print CSS) per applicant listing everything to supply or correct.

Built from the applicant's open findings (不符合 / 需核实 with no decision, or 需重新确认) and the findings and
学信网 tasks marked 待补件, each item with its rule and notice section. Findings the reviewer decided
otherwise (属实, 误报, 已补正) and 提示 notes are not asked of the applicant.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import jinja2
from pydantic import BaseModel, Field

from review.decisions import TASK_RULE, current
from storage.base import ObjectStore
from storage.layout import notice_key
from zcps.models import Review

WAITING = "待补件"
_TEMPLATES = Path(__file__).with_name("templates")
_TASK_SECTION = "§一(四)1(2)"


class NoticeItem(BaseModel):
    rule: str
    section: str
    message: str
    note: str = ""  # the reviewer's 说明 on a 待补件 decision: what exactly to bring
    action: str


class Notice(BaseModel):
    batch: str
    unit: str
    unit_name: str
    applicant_id: str
    applicant_name: str | None
    target_level: str | None
    issued_on: str
    reviewers: str = ""
    items: list[NoticeItem] = Field(default_factory=list)


def notice_for(review: Review, today: dt.date | None = None) -> Notice:
    """The notice of one review with its decisions applied (``review.decisions.apply_decisions``)."""
    items, reviewers = [], []
    for finding in review.findings:
        decided = current(finding)
        if decided not in (None, WAITING) or (finding.severity == "note" and decided is None):
            continue
        note = finding.decision.decision.note if decided == WAITING else ""
        if decided == WAITING:
            reviewers.append(finding.decision.decision.reviewer)
        action = "请补交材料" if decided == WAITING else "请补充或更正相关材料，或提交说明"
        items.append(NoticeItem(rule=finding.rule, section=finding.section, message=finding.message, note=note,
                                action=action))
    for task in review.tasks:
        if current(task) == WAITING:
            reviewers.append(task.decision.decision.reviewer)
            items.append(NoticeItem(rule=TASK_RULE, section=_TASK_SECTION,
                                    message=f"学信网核验：{task.document or '学历（学位）证书'}未能核验",
                                    note=task.decision.decision.note,
                                    action="请提供学信网电子注册备案表或学历（学位）认证报告"))
    return Notice(batch=review.batch, unit=review.unit, unit_name=review.unit_name or review.unit,
                  applicant_id=review.applicant_id, applicant_name=review.applicant_name,
                  target_level=review.target_level, issued_on=(today or dt.date.today()).isoformat(),
                  reviewers="、".join(dict.fromkeys(reviewers)), items=items)


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("notice.html.j2")


def render_notice(notice: Notice) -> bytes:
    return _template().render(notice=notice).encode("utf-8")


def write_notices(store: ObjectStore, reviews: list[Review], today: dt.date | None = None) -> list[str]:
    """Write the notice of every applicant with something to supply or correct; returns the keys written."""
    written = []
    for review in reviews:
        notice = notice_for(review, today)
        if notice.items:
            key = notice_key(review.batch, review.unit, review.applicant_id)
            store.put(key, render_notice(notice))
            written.append(key)
    return written
