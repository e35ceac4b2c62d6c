"""CE-card rows rebuilt from OCR boxes: recorded PaddleOCR output, and merged-cell lines built the way
PaddleOCR returns them (digit runs as one word with one box, CJK characters one word each)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from extractors.ce_table import _split_run, extract_ce_records
from zcps.models import DocumentText, Page, TextLine, Word

OCR_DIR = Path(__file__).parent / "data" / "ocr"
CHAR_PX = 40  # CJK advance at 200 dpi, 13 pt; digits are half as wide


def _advance(text: str) -> int:
    return sum(CHAR_PX if unicodedata.east_asian_width(ch) in "WF" else CHAR_PX // 2 for ch in text)


def ocr_line(cells: list[tuple[str, int]], y: int, score: float = 0.97) -> TextLine:
    """One OCR line over several table cells (text, x): cells are joined without a space, as
    PaddleOCR does when cells sit close, and neighbouring digit runs fuse into one word box."""
    words: list[Word] = []
    for text, x in cells:
        for run in re.finditer(r"[0-9.]+|\S", text):
            x0 = x + _advance(text[:run.start()])
            box = (x0, y, x0 + _advance(run.group()), y + 38)
            if words and run.group()[0].isdigit() and words[-1].text[-1].isdigit():
                previous = words.pop()
                words.append(Word(text=previous.text + run.group(), bbox=(previous.bbox[0], y, box[2], y + 38)))
            else:
                words.append(Word(text=run.group(), bbox=box))
    text = "".join(t for t, _ in cells)
    return TextLine(text=text, bbox=(words[0].bbox[0], y, words[-1].bbox[2], y + 38), score=score, words=words)


COLUMNS = {"year": 90, "public": 250, "professional": 455, "total": 660, "date": 868, "verifier": 1170}
HEADER = [ocr_line([(name, COLUMNS[key])], 650) for key, name in
          zip(COLUMNS, ("年度", "公需科目", "专业科目", "合计学时", "审验日期", "审验人"))]


def card(rows: list[TextLine], header: bool = True) -> list[Page]:
    return [Page(number=1, width=1400, height=2000, lines=(HEADER if header else []) + rows)]


def row(y: int, year: str, public: str, professional: str, total: str | None, verified: str, verifier: str = ""):
    cells = [(year, COLUMNS["year"]), (public, COLUMNS["public"]), (professional, COLUMNS["professional"])]
    if total is not None:
        cells.append((total, COLUMNS["total"]))
    cells.append((verified, COLUMNS["date"]))
    if verifier:
        cells.append((verifier, COLUMNS["verifier"]))
    return ocr_line(cells, y)


MERGED_ROWS = [
    # one OCR line per row, all cells fused: 2023 30 60 90 → "2023306090…"
    (row(825, "2023", "30", "60", "90", "2023年12月25日"), (2023, 30, 60, 90, "2023-12-25")),
    (row(825, "2022", "30", "62", "92", "2022.12.20", "李明"), (2022, 30, 62, 92, "2022-12-20")),
    (row(825, "2021", "24", "66", "90", "2021年12月6日"), (2021, 24, 66, 90, "2021-12-06")),
    # the total cell left empty
    (row(825, "2023", "30", "62", None, "2023年12月25日"), (2023, 30, 62, None, "2023-12-25")),
    # one-digit and three-digit hours
    (row(825, "2023", "8", "100", "108", "2023年12月25日"), (2023, 8, 100, 108, "2023-12-25")),
]


@pytest.mark.parametrize(("line", "expected"), MERGED_ROWS)
def test_merged_cells_are_split_by_header_columns(line, expected):
    (record,) = extract_ce_records(card([line]))
    assert (record.year, record.public_hours, record.professional_hours, record.total, record.verified_on) == expected


@pytest.mark.parametrize(("line", "expected"), MERGED_ROWS[:3])
def test_without_a_header_rows_are_read_in_order(line, expected):
    (record,) = extract_ce_records(card([line], header=False))
    assert (record.year, record.public_hours, record.professional_hours, record.total, record.verified_on) == expected


def test_verifier_comes_from_its_column():
    (record,) = extract_ce_records(card([row(825, "2022", "30", "60", "90", "2022.12.20", "李明")]))
    assert record.verifier == "李明"


def test_cells_read_as_separate_lines_form_one_row():
    cells = [ocr_line([(text, COLUMNS[key])], 825 + dy) for key, text, dy in
             (("year", "2021", 0), ("public", "30", 1), ("professional", "60", -1), ("total", "90", 0),
              ("date", "2021.12.06", 3))]
    (record,) = extract_ce_records(card(cells))
    assert (record.year, record.public_hours, record.professional_hours, record.total) == (2021, 30, 60, 90)
    assert record.confidence == pytest.approx(0.97)


@pytest.mark.parametrize(("public", "professional", "total", "plausible"), [
    ("30", "60", "90", True),
    ("30", "60", "80", False),  # total disagrees
    ("30", "260", "290", False),  # implausible hours
])
def test_disagreeing_rows_get_lower_confidence(public, professional, total, plausible):
    cells = [ocr_line([(text, COLUMNS[key])], 825) for key, text in
             (("year", "2021"), ("public", public), ("professional", professional), ("total", total),
              ("date", "2021.12.06"))]
    (record,) = extract_ce_records(card(cells))
    assert (record.confidence >= 0.9) is plausible


# (case, cells as (column, text, OCR score), whether the record stays confident). A seal read into a row
# (sample card 2024-HH-0004: a lone "0" at 0.16) or a weak cell the sum corroborates (2024-CF-0003: the
# total "90" at 0.76) must not make a legible row doubtful; a weak cell nothing corroborates still does.
WEAK_CELLS = [
    ("seal ring read as a lone 0", [("verifier", "0", 0.16)], True),
    ("weak total that the sum confirms", [("total", "90", 0.76)], True),
    ("weak public hours that the sum confirms", [("public", "30", 0.5)], True),
    ("near miss: weak total that disagrees", [("total", "80", 0.76)], False),
    ("near miss: weak hours with no total to confirm them", [("public", "30", 0.5), ("total", None, 0)], False),
    ("near miss: weak year", [("year", "2021", 0.6)], False),
    ("near miss: weak date", [("date", "2021.12.06", 0.6)], False),
]


@pytest.mark.parametrize(("case", "changes", "confident"), WEAK_CELLS, ids=[c[0] for c in WEAK_CELLS])
def test_only_the_cells_holding_uncorroborated_readings_set_the_confidence(case, changes, confident):
    cells = {"year": ("2021", 0.97), "public": ("30", 0.97), "professional": ("60", 0.97), "total": ("90", 0.97),
             "date": ("2021.12.06", 0.97)}
    noise = []
    for key, text, score in changes:
        if text == "0":
            noise.append(ocr_line([(text, COLUMNS[key])], 830, score))
        else:
            cells[key] = (text, score)
    lines = [ocr_line([(text, COLUMNS[key])], 825, score) for key, (text, score) in cells.items() if text is not None]
    (record,) = extract_ce_records(card(lines + noise))
    assert record.year == 2021 and record.public_hours == 30
    assert (record.confidence >= 0.8) is confident, record.confidence


def test_a_seal_read_beside_a_sentence_rows_date_leaves_the_row_confident():
    lines = [ocr_line([("2022年度 公需科目 30 学时 专业科目 60 学时 合计 90 学时", 100)], 600),
             ocr_line([("审验日期：2022年12月6日", 140)], 660), ocr_line([("0", 700)], 662, 0.16)]
    (record,) = extract_ce_records(card(lines, header=False))
    assert (record.year, record.total, record.verified_on) == (2022, 90, "2022-12-06")
    assert record.confidence >= 0.9


@pytest.mark.parametrize(("text", "year_kept"), [("1999", False), ("2031", False), ("2000", True), ("2030", True)])
def test_year_range(text, year_kept):
    cells = [ocr_line([(t, COLUMNS[key])], 825) for key, t in
             (("year", text), ("public", "30"), ("professional", "60"), ("total", "90"))]
    assert bool(extract_ce_records(card(cells))) is year_kept


@pytest.mark.parametrize(("digits", "parts", "expected"), [
    ("306090", 3, [30, 60, 90]),
    ("3062", 2, [30, 62]),
    ("306", 2, [30, 6]),  # 3|06 has a leading zero
    ("0", 2, []),
    ("30601", 2, []),  # 30|601 and 306|01 are implausible
])
def test_split_run(digits, parts, expected):
    splits = _split_run(digits, parts)
    if parts == 3:
        splits = [s for s in splits if s[0] + s[1] == s[2]]
    assert (expected in splits) if expected else not splits


RECORDED = ["ce_card_table", "ce_card_sentences"]


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_cards(name):
    recorded = json.loads((OCR_DIR / f"{name}.json").read_text(encoding="utf-8"))
    text = DocumentText.model_validate(recorded["text"])
    got = [(r.year, r.public_hours, r.professional_hours, r.total, r.verified_on) for r in extract_ce_records(text.pages)]
    want = [(r["year"], r["public_hours"], r["professional_hours"], r["total"], r["verified_on"])
            for r in recorded["truth"]["records"]]
    assert got == want
