"""Rebuild the yearly rows of a 继续教育审验卡 from OCR lines and boxes.

OCR merges neighbouring cells (``2023 30622023年12月25日``), so tokens are put into columns by
the x position of each character against the header cells (公需科目/专业科目/合计/审验日期/审验人),
with the characters of a recognised date claimed by the date column first. Without a header,
rows are read left to right in the card's column order. A run of digits that spans several
hour columns is split so that the parts are plausible and add up to the total.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from itertools import combinations

from extractors.dates import find_dates_in_text
from extractors.fields_boxes import Glyph, line_glyphs, union
from extractors.layout import group_rows as layout_rows
from zcps.models import BBox, CERecord, Page, TextLine

YEARS = range(2000, 2031)
MAX_HOURS = 200
HOUR_COLUMNS = ("public", "professional", "total")
# The column and item labels of every CE layout; OCR confuses 目/日 and 合/命 in them.
HEADERS = {
    "year": r"年\s?度|年\s?份",
    "public": r"公\s?需(?:\s?科\s?[目日]|\s?课)?|公\s?共\s?(?:科\s?[目日]|课)",
    "professional": r"专\s?业\s?(?:科\s?[目日]|课|(?=\s?[:：]?\s?\d))",
    "total": r"[合命]\s?计|总\s?学\s?时|[总共]\s?计|小\s?计",
    "date": r"[审核]\s?[验核]\s?(?:日\s?期|时\s?间)|登\s?记\s?日\s?期|日\s?期",
    "verifier": r"审\s?验\s?(?:人|单\s?位|机\s?构)|审\s?核\s?人|经\s?办\s?人|签\s?章|盖\s?章",
}
_HEADER_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in HEADERS.items()))
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_NUMBER_ONLY_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*")
_DIGIT_RE = re.compile(r"\d")
_YEAR_RE = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_INLINE_RE = re.compile(
    rf"(?P<y>20\d\d)年度?.{{0,3}}?(?:{HEADERS['public']})[:：]?(?P<pub>\d+(?:\.\d+)?).{{0,4}}?(?:{HEADERS['professional']})[:：]?"
    rf"(?P<pro>\d+(?:\.\d+)?)(?:.{{0,6}}?(?:{HEADERS['total']})[:：]?(?P<tot>\d+(?:\.\d+)?))?"
)
_TOTAL_RE = re.compile(rf"(?:{HEADERS['total']})[:：]?(?P<tot>\d+(?:\.\d+)?)")
# In a merged run the year is simply the first four digits of the row.
_LEADING_YEAR_RE = re.compile(r"\D{0,4}?(20\d\d)")


@dataclass
class _Row:
    lines: list[TextLine]
    glyphs: list[Glyph] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.glyphs = sorted((g for line in self.lines for g in line_glyphs(line)), key=lambda g: g.x)

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    def spaced_text(self, claimed: set[int]) -> str:
        """The row's text with a space at every visible gap and over the ``claimed`` characters."""
        chars, previous = [], None
        for i, glyph in enumerate(self.glyphs):
            if i in claimed:
                chars.append(" ")
                previous = None
                continue
            if previous is not None and glyph.bbox[0] - previous.bbox[2] > 0.6 * (glyph.bbox[2] - glyph.bbox[0]):
                chars.append(" ")
            chars.append(glyph.char)
            previous = glyph
        return "".join(chars)

    @property
    def bbox(self) -> BBox:
        return union([line.bbox for line in self.lines])

    @property
    def raw(self) -> str:
        return " ".join(line.text for line in sorted(self.lines, key=lambda l: l.bbox[0]))


def reading_score(lines: list[TextLine], year: int, hours: tuple[float | None, float | None, float | None],
                  reading: re.Pattern = _DIGIT_RE) -> float:
    """The lowest OCR score among the lines that hold the record's readings.

    A seal legend or a signature read into the record's band holds none (no ``reading`` in it), and neither
    does a line of only a number the record does not use (a seal's ring read as ``0``). When public +
    professional = total, a line of only one of those hours is corroborated by the sum and cannot make it
    doubtful; a line holding the sum's numbers together with anything else still counts."""
    public, professional, total = hours
    used = {h for h in hours if h is not None}
    summed = None not in hours and public + professional == total

    def holds_reading(line: TextLine) -> bool:
        if not reading.search(line.text):
            return False
        number = _NUMBER_ONLY_RE.fullmatch(line.text)
        if number is None:
            return True
        value = float(number.group(1))
        return value == year or (value in used and not summed)

    scores = [line.score for line in lines if holds_reading(line)]
    return min(scores or [line.score for line in lines if reading.search(line.text)] or [line.score for line in lines])


def group_rows(lines: list[TextLine]) -> list[_Row]:
    return [_Row(row) for row in layout_rows(lines)]


def _header_columns(row: _Row) -> dict[str, float]:
    """Column name → x centre of its header cell."""
    columns: dict[str, float] = {}
    text = row.text
    for match in _HEADER_RE.finditer(text):
        name = match.lastgroup
        if name not in columns:
            columns[name] = statistics.mean(g.x for g in row.glyphs[match.start():match.end()])
    return columns


def _find_header(rows: list[_Row]) -> tuple[int, dict[str, float]] | None:
    best = None
    for index, row in enumerate(rows):
        columns = _header_columns(row)
        digits = sum(ch.isdigit() for ch in row.text)
        if len(columns) >= 3 and ("public" in columns or "professional" in columns) and digits < 2:
            if best is None or len(columns) > len(best[1]):
                best = (index, columns)
    return best


def _column_of(x: float, columns: dict[str, float]) -> str:
    return min(columns, key=lambda name: abs(columns[name] - x))


def _split_run(digits: str, parts: int) -> list[list[int]]:
    """Ways to cut a merged digit run into ``parts`` plausible hour counts."""
    splits = []
    for cuts in combinations(range(1, len(digits)), parts - 1):
        bounds = (0, *cuts, len(digits))
        pieces = [digits[a:b] for a, b in zip(bounds, bounds[1:])]
        if all(len(p) <= 3 and (p == "0" or not p.startswith("0")) and int(p) <= MAX_HOURS for p in pieces):
            splits.append([int(p) for p in pieces])
    return splits


def _resolve_hours(tokens: list[str], has_total: bool | None) -> tuple[list[float | None], float]:
    """Hours (public, professional, total) from the number tokens of the hour cells, in order;
    ``has_total`` is ``None`` when no header says whether the card has a total column."""
    numbers = [float(t) for t in tokens]
    if len(numbers) == 3 and has_total is not False:
        return numbers, 1.0
    if len(numbers) == 2:
        # An empty total cell is worth a second look; a card without one is not.
        return numbers + [None], 0.8 if has_total else 1.0
    digits = "".join(tokens)
    if "." in digits or not digits:
        return [None, None, None], 0.0
    for parts in (2,) if has_total is False else (3, 2):
        candidates = _split_run(digits, parts)
        if parts == 3:
            candidates = [c for c in candidates if c[0] + c[1] == c[2]]
        if candidates:
            # Hour counts on the cards are two digits far more often than one or three.
            best = min(candidates, key=lambda c: sum(abs(len(str(n)) - 2) for n in c))
            return [float(n) for n in best] + [None] * (3 - parts), 0.75 if len(candidates) == 1 else 0.6
    return [None, None, None], 0.0


def _cells(row: _Row, columns: dict[str, float], claimed: set[int]) -> dict[str, str]:
    """Text per column: each unclaimed character goes to the nearest header cell."""
    cells: dict[str, list[str]] = {}
    for i, glyph in enumerate(row.glyphs):
        if i not in claimed:
            cells.setdefault(_column_of(glyph.x, columns), []).append(i)
    return {name: row.spaced_text(set(range(len(row.glyphs))) - set(indices)).strip()
            for name, indices in cells.items()}


def _by_columns(row: _Row, columns: dict[str, float], claimed: set[int]) -> tuple[int | None, list[str]]:
    cells = _cells(row, columns, claimed)
    year_match = _YEAR_RE.search(cells.get("year", "")) if "year" in columns else None
    year = int(year_match.group()) if year_match and int(year_match.group()) in YEARS else None
    hour_text = " ".join(cells.get(name, "") for name in HOUR_COLUMNS)
    return year, _NUMBER_RE.findall(hour_text)


def _in_sequence(row: _Row, claimed: set[int]) -> tuple[int | None, list[str]]:
    """Year first, then the hour cells, in the card's column order."""
    text = row.spaced_text(claimed)
    match = _LEADING_YEAR_RE.match(text)
    if match is None or int(match.group(1)) not in YEARS:
        return None, []
    return int(match.group(1)), _NUMBER_RE.findall(text[match.end():])


def _parse_row(row: _Row, columns: dict[str, float] | None, page: int) -> CERecord | None:
    dates = find_dates_in_text(row.text)
    claimed = {i for d in dates for i in range(*d.span)}
    has_total = columns is not None and "total" in columns
    year, hour_tokens = _by_columns(row, columns, claimed) if columns else (None, [])
    hours, certainty = _resolve_hours(hour_tokens, has_total)
    if year is None or hours[0] is None:
        # Merged digit runs spread over several cells defeat the column positions; read in order.
        seq_year, seq_tokens = _in_sequence(row, claimed)
        seq_hours, seq_certainty = _resolve_hours(seq_tokens, has_total if columns else None)
        if seq_year is not None and (year is None or seq_hours[0] is not None):
            year, hours, certainty = seq_year, seq_hours, seq_certainty * 0.9
    if year is None:
        return None
    public, professional, total = hours
    if public is None and professional is None and not dates:
        return None
    verifier = None
    if columns and "verifier" in columns:
        verifier = re.sub(r"[\s\W\d_]", "", _cells(row, columns, claimed).get("verifier", "")) or None
    hours = [h for h in (public, professional, total) if h is not None]
    if any(h > MAX_HOURS for h in hours) or public is None or professional is None:
        certainty *= 0.7
    if total is not None and public is not None and professional is not None and public + professional != total:
        certainty *= 0.5
    verified = dates[-1] if dates else None
    return CERecord(
        year=year, public_hours=public, professional_hours=professional, total=total,
        verified_on=verified.value if verified else None, verifier=verifier, raw=row.raw,
        confidence=round(reading_score(row.lines, year, (public, professional, total)) * certainty
                         * (verified.certainty if verified else 0.9), 4),
        page=page, bbox=row.bbox,
    )


def _continuation(rows: list[_Row], index: int) -> _Row | None:
    """The year's second line, with its total or date: the next of the following rows under the same
    column of the page (a booklet prints its records beside the holder's details), before the next year."""
    x0, _, x1, _ = rows[index].bbox
    for row in rows[index + 1:index + 4]:
        if _INLINE_RE.search(re.sub(r"\s", "", row.raw)):
            return None
        compact = re.sub(r"\s", "", row.raw)
        if min(x1, row.bbox[2]) - max(x0, row.bbox[0]) > 0 and (_TOTAL_RE.search(compact) or find_dates_in_text(row.raw)):
            return row
    return None


def _parse_inline(rows: list[_Row], page: int) -> list[CERecord]:
    """Cards that write each year as a sentence: 2021年度 公需科目 30 学时 … 审验日期：2021年12月25日."""
    records = []
    for index, row in enumerate(rows):
        match = _INLINE_RE.search(re.sub(r"\s", "", row.raw))
        if match is None or int(match.group("y")) not in YEARS:
            continue
        public, professional = float(match.group("pub")), float(match.group("pro"))
        total = float(match.group("tot")) if match.group("tot") else None
        dates, date_rows = find_dates_in_text(row.raw), [row]
        following = _continuation(rows, index)
        if following is not None:
            # the year's second line: its total (共计96学时) and its verification date
            stated = _TOTAL_RE.search(re.sub(r"\s", "", following.raw))
            if total is None and stated:
                total, date_rows = float(stated.group("tot")), [row, following]
            if not dates:
                dates, date_rows = find_dates_in_text(following.raw), [row, following]
        certainty = 1.0 if total is None or public + professional == total else 0.5
        if max(public, professional, total or 0) > MAX_HOURS:
            certainty *= 0.7
        verified = dates[0] if dates else None
        records.append(CERecord(
            year=int(match.group("y")), public_hours=public, professional_hours=professional, total=total,
            verified_on=verified.value if verified else None, raw=" ".join(r.raw for r in date_rows),
            confidence=round(reading_score([line for r in date_rows for line in r.lines], int(match.group("y")),
                                           (public, professional, total))
                             * certainty * (verified.certainty if verified else 0.9), 4),
            page=page, bbox=union([r.bbox for r in date_rows]),
        ))
    return records


def extract_ce_records(pages: list[Page]) -> list[CERecord]:
    """One record per table row (or per year sentence) that names a year, in page order."""
    records: list[CERecord] = []
    for page in pages:
        rows = group_rows(page.lines)
        inline = _parse_inline(rows, page.number)
        if inline:
            records.extend(inline)
            continue
        header = _find_header(rows)
        start, columns = (header[0] + 1, header[1]) if header else (0, None)
        for row in rows[start:]:
            record = _parse_row(row, columns, page.number)
            if record is not None:
                records.append(record)
    return records
