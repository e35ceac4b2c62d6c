"""Per-document-type field extractors; field names are those of docs/contracts.md.

Dates are chosen by the label printed next to them where there is one (毕业时间, 授予日期 …);
otherwise a certificate's own date is its last non-birth date, the date it was issued or signed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.dates import DateMatch, find_dates_in_text
from extractors.fields import Match, PageLine, field_from, make_field
from extractors.grades import BOXES, GRADES, TICKS, find_grade
from extractors.levels import (TITLE_LEVELS, find_approval_number, find_certificate_number, find_degree,
                               find_education_level, find_skill_level, find_title, find_title_level)
from zcps.models import Candidate, DocType, Field

_BIRTH_AFTER = re.compile(r"^\s*(?:出?生|生人)")
_BIRTH_BEFORE = re.compile(r"出\s*生\s*(?:日\s*期|年\s*月|时\s*间)?\s*[:：]?\s*$")
# Certificate titles name a kind of school (普通高等学校), not the school itself.
_SCHOOL = re.compile(r"(?:^|(?<=[在于:：\s]))(?!普通高等|中等专业|中等职业|本校)[\u4e00-\u9fa5]{2,20}?(?:大学|学院|学校)")
_SPECIALTY = re.compile(r"^专\s*业\s*[:：]?\s*(?P<s>[\u4e00-\u9fa5（）()]{2,20})|"
                        r"(?:^|在本校|本校|在)\s*(?P<t>[\u4e00-\u9fa5（）()]{2,20}?)专业")
_SERIES = re.compile(r"(?:专业名称|专业|系列)\s*[:：]\s*(?P<s>[\u4e00-\u9fa5]{2,12})")
_YEAR_OF_ASSESSMENT = re.compile(r"(?<!\d)(20\d\d)\s*年\s*度")
_TITLE_QUOTED = re.compile(r"《(?P<t>[^》]{2,60})》")
_TITLE_LABEL = re.compile(r"(?:论文题目|题目|论文名称|项目名称|成果名称|获奖项目|荣誉称号)\s*[:：]\s*(?P<t>\S.{1,60})")
_ITEM_STATED = re.compile(r"第\s*(?P<n>[1-8一二三四五六七八])\s*[项条款]")
_ITEM_OPTION = re.compile(r"\s*[（(]?\s*(?P<n>[1-8])\s*[)）]")
_CN_ITEM = {c: i for i, c in enumerate("一二三四五六七八", start=1)}

Extractor = Callable[[list[PageLine]], dict[str, Field]]


def _regex_finder(pattern: re.Pattern, *groups: str | int) -> Callable[[str], Match | None]:
    """A finder returning the first of ``groups`` that took part in the match."""
    def find(text: str) -> Match | None:
        match = pattern.search(text)
        if match is None:
            return None
        group = next(g for g in groups if match.group(g) is not None)
        value = match.group(group).strip()
        return Match(value, value, match.span(group), 1.0)
    return find


def _dates_not_birth(text: str) -> list[DateMatch]:
    return [d for d in find_dates_in_text(text)
            if not _BIRTH_AFTER.match(text[d.span[1]:]) and not _BIRTH_BEFORE.search(text[:d.span[0]])]


def _date(lines: list[PageLine], label: str | None) -> Field | None:
    """The first date after a label (聘期自2019年7月1日起至… names the start); without a labelled
    date, the document's last date that is not a birth date: the day it was issued or signed."""
    if label is not None:
        for where in lines:
            labels = list(re.finditer(label, where.text))
            if not labels:
                continue
            dates = _dates_not_birth(where.text)
            after = [d for d in dates if d.span[0] >= labels[0].start()]
            if after or dates:
                found = (after or dates)[0]
                return make_field(found.value, found, where).model_copy(
                    update={"label": labels[0].group(), "method": "same_line"})
    return field_from(lines, lambda t: (_dates_not_birth(t) or [None])[-1], last=True)


_DATE_LABEL = re.compile(r"(?P<l>[\u4e00-\u9fa5]{2,8}?(?:日期|时间))\s*[:：]?\s*$")


def _other_dates(lines: list[PageLine], chosen: Field) -> list[Candidate]:
    """Every other non-birth date on the document, with the label printed before it: a certificate
    holding two dates keeps both, so the rules can see that the choice was a choice."""
    others: dict[str, Candidate] = {}
    for where in lines:
        for found in _dates_not_birth(where.text):
            if found.value == chosen.value or found.value in others:
                continue
            field = make_field(found.value, found, where)
            label = _DATE_LABEL.search(where.text[:found.span[0]])
            others[found.value] = Candidate(value=found.value, raw=found.raw, confidence=field.confidence,
                                            page=field.page, bbox=field.bbox, label=label and label.group("l"),
                                            why_set_aside="not the qualification-date label")
    return list(others.values())


def _put(fields: dict[str, Field], name: str, found: Field | None) -> None:
    if found is not None:
        fields[name] = found


def education(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    _put(fields, "education_level", field_from(lines, find_education_level, label="学习|学制|年制|层次"))
    _put(fields, "graduated_on", _date(lines, r"毕\s*业\s*(?:时\s*间|日\s*期)"))
    _put(fields, "school", field_from(lines, _regex_finder(_SCHOOL, 0), label="校名|学校名称|院校"))
    _put(fields, "specialty", field_from(lines, _regex_finder(_SPECIALTY, "s", "t")))
    _put(fields, "certificate_number", field_from(lines, find_certificate_number))
    return fields


def degree(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    _put(fields, "degree", field_from(lines, find_degree, label="授予"))
    _put(fields, "conferred_on", _date(lines, "授予日期|授予时间|授位日期"))
    _put(fields, "school", field_from(lines, _regex_finder(_SCHOOL, 0), label="学位评定委员会|学校|校名"))
    _put(fields, "certificate_number", field_from(lines, find_certificate_number))
    return fields


def _title_fields(lines: list[PageLine], label: str) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    name = field_from(lines, find_title, label=label)
    if name is not None:
        fields["title_name"] = name
        fields["title_level"] = name.model_copy(update={"value": TITLE_LEVELS[name.value]})
    else:
        _put(fields, "title_level", field_from(lines, find_title_level, label=label))
    return fields


def title(lines: list[PageLine]) -> dict[str, Field]:
    fields = _title_fields(lines, "资格名称|职称名称|任职资格|具备|资格级别")
    _put(fields, "series", field_from(lines, _regex_finder(_SERIES, "s")))
    qualified = _date(lines, "取得资格时间|取得时间|评审通过时间|通过时间|批准时间|资格取得")
    if qualified is not None:
        qualified.alternatives = _other_dates(lines, qualified)
    _put(fields, "qualified_on", qualified)
    _put(fields, "certificate_number", field_from(lines, find_certificate_number))
    _put(fields, "approval_number", field_from(lines, find_approval_number))
    return fields


def appointment(lines: list[PageLine]) -> dict[str, Field]:
    fields = _title_fields(lines, "聘任|聘为|聘请|兹聘")
    _put(fields, "appointed_on", _date(lines, "聘期|聘任时间|自|起"))
    return fields


def _grade_finder(text: str) -> Match | None:
    if not any(g in text for g in GRADES):
        return None
    return find_grade(text)


def assessment(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    _put(fields, "year", field_from(lines, _regex_finder(_YEAR_OF_ASSESSMENT, 1), convert=int))
    _put(fields, "grade", field_from(lines, _grade_finder, label="考核等次|考核结果|等次|考核意见"))
    _put(fields, "signed_on", _date(lines, None))
    return fields


def vocational(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    _put(fields, "skill_level", field_from(lines, find_skill_level, label="等级|级别"))
    _put(fields, "obtained_on", _date(lines, "发证日期|颁发日期|发证时间|取证时间|评定时间|核发日期"))
    _put(fields, "certificate_number", field_from(lines, find_certificate_number))
    return fields


def _paper_title(lines: list[PageLine]) -> Field | None:
    """A paper prints its title in the largest type on its first page."""
    first_page = [pl for pl in lines if pl.page == lines[0].page and len(re.findall(r"[\u4e00-\u9fa5]", pl.text)) >= 6
                  and not find_dates_in_text(pl.text) and not re.search(r"摘要|关键词|[:：]", pl.text)]
    if not first_page:
        return None
    tallest = max(first_page, key=lambda pl: pl.line.bbox[3] - pl.line.bbox[1])
    value = tallest.text.strip()
    return make_field(value, Match(value, value, (0, len(tallest.text)), 0.8), tallest)


def achievement(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    quoted = field_from(lines, _regex_finder(_TITLE_QUOTED, "t")) or field_from(lines, _regex_finder(_TITLE_LABEL, "t"))
    _put(fields, "title", quoted or _paper_title(lines))
    # A journal prints its issue (2021年5月 第3期) in the running head; 收稿日期 is not publication.
    dated_lines = [pl for pl in lines if not re.search(r"收\s*稿|修\s*回|录\s*用", pl.text)]
    issue = [pl for pl in dated_lines if re.search(r"第\s*\d+\s*期", pl.text)]
    _put(fields, "issued_on", _date(issue, None) if issue else None)
    if "issued_on" not in fields:
        _put(fields, "issued_on", _date(dated_lines, "发表时间|出版时间|获奖时间|颁发时间"))
    return fields


def signed(lines: list[PageLine]) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    _put(fields, "signed_on", _date(lines, "签字日期|日期|签名"))
    return fields


def _ticked_item(lines: list[PageLine]) -> Field | None:
    """The option (（7）…) whose line ends in a tick; failing that, the one not ending in an empty box."""
    options = [(pl, m) for pl in lines if (m := _ITEM_OPTION.match(pl.text))]
    for marks, certainty in ((TICKS, 1.0), (None, 0.9)):
        if marks is not None:
            chosen = [(pl, m) for pl, m in options if pl.text.rstrip()[-1:] in marks]
        else:
            chosen = [(pl, m) for pl, m in options if pl.text.rstrip()[-1:] not in BOXES]
        if len(chosen) == 1 and len(options) >= 3:
            where, match = chosen[0]
            return make_field(int(match.group("n")), Match(match.group("n"), match.group(), match.span(), certainty), where)
    return None


def _stated_item(text: str) -> Match | None:
    match = _ITEM_STATED.search(text)
    if match is None:
        return None
    raw = match.group("n")
    return Match(str(_CN_ITEM.get(raw) or int(raw)), match.group(), match.span(), 1.0)


def green_channel(lines: list[PageLine]) -> dict[str, Field]:
    fields = signed(lines)
    _put(fields, "green_channel_item", _ticked_item(lines) or field_from(lines, _stated_item, convert=int))
    return fields


EXTRACTORS: dict[DocType, Extractor] = {
    DocType.education_certificate: education,
    DocType.degree_certificate: degree,
    DocType.title_certificate: title,
    DocType.appointment_letter: appointment,
    DocType.annual_assessment: assessment,
    DocType.vocational_qualification: vocational,
    DocType.achievement: achievement,
    DocType.pledge: signed,
    DocType.unit_evaluation: signed,
    DocType.green_channel_form: green_channel,
}
