"""CE records from any layout of a 继续教育审验卡 or 学时登记表.

Four readers, each returning the years it could read; the one that reads the most years wins
(then the most years with both kinds of hours, then the most confident; ties go to the earlier reader):

- a table with one row per year, or one sentence per year (``extractors.ce_table``);
- a table with one column per year (header ``2021年度 2022年度 2023年度``, one row per item);
- one labelled block per year (``2022年度`` / ``公需科目：30 学时`` / ``专业科目：60 学时`` / ``审验日期：…``),
  the blocks under one another or side by side;
- a registration sheet: course rows (category 公需/专业 and hours) with a yearly 小计 line.

A year with hours but neither a verification date nor a seal is recorded ``verified=False``.
"""

from __future__ import annotations

import re
from collections import Counter

from extractors.ce_table import HEADERS, HOUR_COLUMNS, MAX_HOURS, YEARS, reading_score
from extractors.ce_table import extract_ce_records as table_records
from extractors.dates import find_dates_in_text
from extractors.fields_boxes import line_glyphs, union
from extractors.layout import group_rows, split_by_cells
from zcps.models import BBox, CERecord, Page, TextLine

_ITEMS = ("public", "professional", "total", "date", "verifier")
_LABEL_RE = {name: re.compile(HEADERS[name]) for name in _ITEMS}
# Named groups say which item matched: a label pattern with a lookahead (专业 before its number) does
# not match again on its own text.
_ANY_LABEL = re.compile("|".join(f"(?P<{name}>{HEADERS[name]})" for name in _ITEMS))
_YEAR_HEAD = re.compile(r"(?<!\d)(?P<y>20\d\d)\s*(?:年\s*度|年(?!\s*\d)|(?=\s*$))")
# A year column's cell opening a row (2021 | 公需课程 | 公需 | 18), or a 小计 line's (2021小计): a bare year, no date.
_LEADING_YEAR = re.compile(r"^\s*(?P<y>20\d\d)(?!\d|\s*[.\-/年月]\s*\d)")
_NUMBER_AFTER = re.compile(r"^\s*[:：]?\s*(?P<n>\d{1,3}(?:\.\d)?)(?![\d.])")
_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d)?(?![\d.])")
_SEAL = re.compile(r"审\s*验\s*专\s*用|专\s*用\s*章|审\s*验\s*章|公\s*章|盖\s*章|印\s*章")
_CATEGORY = re.compile(r"公\s*需|专\s*业")
_READING = re.compile(rf"\d|{_ANY_LABEL.pattern}")
_YEAR_TAIL = re.compile(r"(?:20\d\d|[〇○零一二三四五六七八九]{4})\s*年\s*$")
UNVERIFIED_DOUBT = "该年度有学时但无审验日期或审验章，视为未审验"
DUPLICATE_YEAR_DOUBT = "同一年度出现多条记录，年度可能识别有误，请核对原件"
SEAL_ONLY_DOUBT = "该年度有审验章但未识别出审验日期，请核对原件"


def _text(row: list[TextLine]) -> str:
    return " ".join(line.text for line in row)


def _record(year: int, hours: dict[str, float], date, rows: list[list[TextLine]], page: int,
            certainty: float, seal: bool, verifier: str | None = None, bbox: BBox | None = None) -> CERecord:
    lines = [line for row in rows for line in row]
    public, professional, total = (hours.get(name) for name in HOUR_COLUMNS)
    if total is not None and public is not None and professional is not None and public + professional != total:
        certainty *= 0.5
    if any(h > MAX_HOURS for h in hours.values()):
        certainty *= 0.7
    return CERecord(year=year, public_hours=public, professional_hours=professional, total=total,
                    verified_on=date.value if date else None, verifier=verifier, raw=" / ".join(_text(r) for r in rows),
                    confidence=round(reading_score(lines, year, (public, professional, total), _READING) * certainty
                                     * (date.certainty if date else 0.9), 4),
                    page=page, bbox=bbox or union([line.bbox for line in lines]), verified=bool(date) or seal or None)


def _labelled_number(text: str, name: str) -> float | None:
    for label in _LABEL_RE[name].finditer(text):
        found = _NUMBER_AFTER.match(text[label.end():])
        if found:
            return float(found.group("n"))
    return None


def _blocks(rows: list[list[TextLine]], page: int) -> list[CERecord]:
    """One labelled block per year: a year heading, then its items on rows of their own."""
    heads = [(i, int(m.group("y"))) for i, row in enumerate(rows)
             if (m := _YEAR_HEAD.search(_text(row))) and int(m.group("y")) in YEARS
             and not find_dates_in_text(_text(row)) and len(_YEAR_HEAD.findall(_text(row))) == 1]
    records = []
    for (start, year), following in zip(heads, [h[0] for h in heads[1:]] + [len(rows)]):
        block = rows[start:following]
        text = " ".join(_text(r) for r in block)
        hours = {name: value for name in HOUR_COLUMNS if (value := _labelled_number(text, name)) is not None}
        if "public" not in hours and "professional" not in hours:
            continue
        dates = find_dates_in_text(text)
        records.append(_record(year, hours, dates[0] if dates else None, block, page, 1.0, bool(_SEAL.search(text))))
    return records


def _block_columns(lines: list[TextLine], page: int) -> list[CERecord]:
    """Blocks set side by side (2021年 beside 2022年, 2023年 under them): each column of blocks is read
    on its own. The columns part at the widest gap between the left edges of the year headings, when
    that gap is wider than a few lines are tall."""
    heads = sorted(line.bbox[0] for line in lines if (m := _YEAR_HEAD.search(line.text))
                   and len(line.text.strip()) <= len(m.group()) + 2 and not find_dates_in_text(line.text))
    if len(heads) < 2:
        return []
    gap, left_edge = max((b - a, a) for a, b in zip(heads, heads[1:]))
    height = sorted(line.bbox[3] - line.bbox[1] for line in lines)[len(lines) // 2]
    if gap < 4 * height:
        return []
    split = left_edge + gap / 2
    columns = ([line for line in lines if line.bbox[0] < split], [line for line in lines if line.bbox[0] >= split])
    records = [r for column in columns for r in _blocks(group_rows(column), page)]
    return sorted(records, key=lambda r: r.year)


def _year_columns(row: list[TextLine]) -> dict[int, float] | None:
    columns = {}
    for line in row:
        glyphs = line_glyphs(line)
        for match in _YEAR_HEAD.finditer(line.text):
            covered = [g.x for g in glyphs if match.start() <= g.index < match.end()]
            if covered and int(match.group("y")) in YEARS:
                columns[int(match.group("y"))] = sum(covered) / len(covered)
    return columns if len(columns) >= 2 else None


def _columns(rows: list[list[TextLine]], page: int) -> list[CERecord]:
    """One column per year: each item row's characters go to the nearest year column."""
    header = next(((i, cols) for i, row in enumerate(rows) if (cols := _year_columns(row))), None)
    if header is None:
        return []
    start, columns = header
    cells: dict[int, dict[str, str]] = {year: {} for year in columns}
    boxes: dict[int, list[BBox]] = {year: [] for year in columns}  # the year's column, for provenance
    used: list[list[TextLine]] = [rows[start]]
    for row in rows[start + 1:]:
        text = _text(row)
        label = _ANY_LABEL.search(text)
        if label is None:
            continue
        name = label.lastgroup
        label_right = max((g.bbox[2] for line in row for g in line_glyphs(line) if g.x <= _label_x(row, label)), default=0)
        for line in row:
            for glyph in line_glyphs(line):
                if glyph.bbox[0] >= label_right:
                    year = min(columns, key=lambda y: abs(columns[y] - glyph.x))
                    cells[year][name] = cells[year].get(name, "") + glyph.char
                    boxes[year].append(glyph.bbox)
        used.append(row)
    records = []
    for year, items in cells.items():
        hours = {n: float(m.group()) for n in HOUR_COLUMNS if (m := _NUMBER.search(items.get(n, "")))}
        if not hours:
            continue
        dates = find_dates_in_text(items.get("date", ""))
        verifier = re.sub(r"[\s\W\d_]", "", items.get("verifier", "")) or None
        records.append(_record(year, hours, dates[0] if dates else None, used, page, 0.95,
                               bool(_SEAL.search(items.get("verifier", ""))), verifier, union(boxes[year])))
    return records


def _label_x(row: list[TextLine], label: re.Match) -> float:
    """The x of the label's last character, found in the row's joined text."""
    offset = 0
    for line in row:
        if offset <= label.end() - 1 < offset + len(line.text):
            glyphs = [g for g in line_glyphs(line) if g.index <= label.end() - 1 - offset]
            return glyphs[-1].x if glyphs else line.bbox[0]
        offset += len(line.text) + 1
    return 0.0


def _sheet(rows: list[list[TextLine]], page: int) -> list[CERecord]:
    """Course rows (公需/专业, hours) summed per year, closed by a 小计 line for that year."""
    records, year, sums, course_rows = [], None, {"public": 0.0, "professional": 0.0}, []
    for row in rows:
        text = _text(row)
        dates = find_dates_in_text(text)
        head = _YEAR_HEAD.search(text) or _LEADING_YEAR.match(text)
        if re.search(r"小\s*计", text):
            if head and int(head.group("y")) in YEARS:
                year = int(head.group("y"))
            if year is None:
                continue
            after = re.split(r"小\s*计", text, maxsplit=1)[1]
            hours = {n: v for n in HOUR_COLUMNS if (v := _labelled_number(after, n)) is not None}
            numbers = [float(n) for n in _NUMBER.findall(_strip_dates(after))]
            if not hours and numbers:
                hours = {"total": numbers[-1]}
            if "public" not in hours and sums["public"]:
                hours["public"] = sums["public"]
            if "professional" not in hours and sums["professional"]:
                hours["professional"] = sums["professional"]
            if hours.get("public") is None and hours.get("professional") is None:
                continue
            verified = find_dates_in_text(after)
            records.append(_record(year, hours, verified[-1] if verified else None, course_rows + [row], page, 0.9,
                                   bool(_SEAL.search(text))))
            # the next year's courses date themselves
            year, sums, course_rows = None, {"public": 0.0, "professional": 0.0}, []
            continue
        if head and not dates and int(head.group("y")) in YEARS:
            year = int(head.group("y"))
        category = _CATEGORY.search(text)
        numbers = _NUMBER.findall(_strip_dates(text))
        if category and numbers:
            if dates and year is None:
                year = int(dates[0].value[:4])
            sums["public" if category.group().startswith("公") else "professional"] += float(numbers[-1])
            course_rows.append(row)
    return records


def _strip_dates(text: str) -> str:
    for found in reversed(find_dates_in_text(text)):
        text = text[:found.span[0]] + " " * (found.span[1] - found.span[0]) + text[found.span[1]:]
    return text


def _dates_under_rows(records: list[CERecord], lines: list[TextLine]) -> None:
    """A verification date written under the seal sits lower in its tall cell than the row's centre, whole
    or split over two lines (2022年 / 12月20日): it belongs to the row above it, up to the next row."""
    ordered = sorted(records, key=lambda r: r.bbox[1])
    for index, record in enumerate(ordered):
        if record.verified_on is not None:
            continue
        height = record.bbox[3] - record.bbox[1]
        limit = ordered[index + 1].bbox[1] if index + 1 < len(ordered) else record.bbox[3] + 2 * height
        band = sorted((line for line in lines if record.bbox[1] <= line.bbox[1] < limit
                       and (line.bbox[1] + line.bbox[3]) / 2 > record.bbox[3] - height / 4), key=lambda l: l.bbox[1])
        inside = [line for line in lines if line.bbox[1] >= record.bbox[1] - 1 and line.bbox[3] <= record.bbox[3] + 1]
        for line in band:
            joined = " ".join(l.text for l in inside if _YEAR_TAIL.search(l.text)) + line.text
            dates = find_dates_in_text(line.text) or find_dates_in_text(joined)
            if dates and not _YEAR_HEAD.match(line.text.strip()):
                record.verified_on, record.verified = dates[-1].value, True
                record.raw = f"{record.raw} / {line.text}"
                record.bbox = union([record.bbox, line.bbox])
                break


def _completeness(records: list[CERecord]) -> tuple[int, int, float]:
    """Years read, then years with both hour kinds, then confidence: how much of the card a reader explains.

    A year read on several records (course rows taken for year rows) explains less than one read once:
    each extra record counts against it."""
    years = {r.year for r in records}
    complete = sum(r.public_hours is not None and r.professional_hours is not None for r in records)
    repeated = len(records) - len(years)
    return len(years) - repeated, complete - repeated, sum(r.confidence for r in records)


def _mark_doubts(records: list[CERecord]) -> list[CERecord]:
    """Unverified years say so; a year read twice (2021, 2022, 2021) is doubted on both records."""
    counts = Counter(record.year for record in records)
    for record in records:
        if counts[record.year] > 1 and DUPLICATE_YEAR_DOUBT not in record.doubts:
            record.doubts.append(DUPLICATE_YEAR_DOUBT)
            record.confidence = round(record.confidence * 0.5, 4)
        has_hours = any(h is not None for h in (record.public_hours, record.professional_hours, record.total))
        if record.verified is None:
            sealed = record.verified_on is None and bool(_SEAL.search(record.raw))
            record.verified = bool(record.verified_on) or sealed or (False if has_hours else None)
        if record.verified and record.verified_on is None and SEAL_ONLY_DOUBT not in record.doubts:
            record.doubts.append(SEAL_ONLY_DOUBT)
        if record.verified is False and UNVERIFIED_DOUBT not in record.doubts:
            record.doubts.append(UNVERIFIED_DOUBT)
    return records


def extract_ce_records(pages: list[Page], tables: dict[int, list[BBox]] | None = None) -> list[CERecord]:
    """The records of the reader that reads the most years on each page, in page order."""
    records: list[CERecord] = []
    for page in pages:
        lines = [piece for line in page.lines for piece in split_by_cells(line, (tables or {}).get(page.number, []))]
        split_page = page.model_copy(update={"lines": lines})
        rows = group_rows(lines)
        table = table_records([split_page])
        _dates_under_rows(table, lines)
        readings = [table, _columns(rows, page.number), _blocks(rows, page.number), _sheet(rows, page.number),
                    _block_columns(lines, page.number)]
        records.extend(max(readings, key=_completeness))
    return _mark_doubts(records)
