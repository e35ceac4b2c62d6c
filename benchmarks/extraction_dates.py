"""Date recall and precision: printed dates that were reported, and reported dates that are printed.

A reported date counts as printed when it equals a printed one, or when the page prints only that
month (a reported ``2012-07-01`` for a printed ``2012年7月``); anything else is a date the page does
not show (target: at most 3 % of reported dates).

For real scanned forms the printed dates come from XFUND's Chinese training split (its human
transcriptions, read with the reference patterns below, not with zcps's own date parser).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from datetime import date
from pathlib import Path

import cn2an
from pydantic import BaseModel

from extractors.acquire import acquire_text_cached
from extractors.extract import extract_document
from storage.base import ObjectStore
from zcps.errors import InputError

log = logging.getLogger("zcps.bench.dates")

XFUND_SPLIT = Path("train_data") / "XFUND" / "zh_train"
_ARABIC = re.compile(r"((?:19|20)\d{2})\s*(?:(年)\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|([./-])\s*(\d{1,2})\s*\5\s*(\d{1,2}))")
# Month-only numeric forms (2010.2, 2018/6, 1986-09), never the start of a full date (2020.6.15).
_NUMERIC_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*([./-])\s*(\d{1,2})(?!\d)(?!\s*\2\s*\d)")
_CN_DIGIT = "〇○零一二三四五六七八九"
_CN_VALUE = {**{ch: 0 for ch in "〇○零"}, **{ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}}
_NUMERAL = re.compile(rf"([{_CN_DIGIT}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月(?:\s*([一二三四五六七八九十]{{1,3}})\s*日)?")


class DateScore(BaseModel):
    printed: int = 0
    printed_reported: int = 0
    reported: int = 0
    reported_printed: int = 0
    documents: int = 0
    failed: int = 0

    @property
    def recall(self) -> float | None:
        return self.printed_reported / self.printed if self.printed else None

    @property
    def precision(self) -> float | None:
        return self.reported_printed / self.reported if self.reported else None

    @property
    def not_printed(self) -> float | None:
        return None if self.precision is None else 1 - self.precision

    def add(self, printed: set[str], reported: set[str]) -> None:
        self.documents += 1
        self.printed += len(printed)
        self.reported += len(reported)
        self.printed_reported += sum(any(_same(r, p) for r in reported) for p in printed)
        self.reported_printed += sum(any(_same(r, p) for p in printed) for r in reported)


def _same(reported: str, printed: str) -> bool:
    return reported == printed or (len(printed) == 7 and reported[:7] == printed)


def _iso(year: int, month: int, day: int | None) -> str | None:
    try:
        return date(year, month, day or 1).isoformat()[: 10 if day else 7]
    except ValueError:
        return None


def reference_dates(text: str) -> set[str]:
    """Dates a human transcription prints: 2020年6月15日, 2020年6月, 2020.6.15, 2020-06-15, 2010.2, 二〇二〇年六月十五日."""
    text = unicodedata.normalize("NFKC", text)
    found = set()
    for m in _ARABIC.finditer(text):
        if m.group(2):
            value = _iso(int(m.group(1)), int(m.group(3)), int(m.group(4)) if m.group(4) else None)
        else:
            value = _iso(int(m.group(1)), int(m.group(6)), int(m.group(7)))
        if value:
            found.add(value)
    for m in _NUMERIC_MONTH.finditer(text):
        value = _iso(int(m.group(1)), int(m.group(3)), None)
        if value:
            found.add(value)
    for m in _NUMERAL.finditer(text):
        year = int("".join(str(_CN_VALUE[ch]) for ch in m.group(1)))
        value = _iso(year, int(cn2an.cn2an(m.group(2), "smart")),
                     int(cn2an.cn2an(m.group(3), "smart")) if m.group(3) else None)
        if value:
            found.add(value)
    return found


def xfund_root(path: Path | str | None) -> Path | None:
    """The ``zh_train`` folder (holding ``train.json`` and ``image/``) at or below ``path``, if present."""
    if path is None:
        return None
    for candidate in (Path(path), Path(path) / XFUND_SPLIT):
        if (candidate / "train.json").is_file() and (candidate / "image").is_dir():
            return candidate
    return None


def xfund_pages(root: Path) -> list[tuple[Path, set[str]]]:
    pages = []
    for line in (root / "train.json").read_text(encoding="utf-8").splitlines():
        name, _, annotations = line.partition("\t")
        if not annotations:
            continue
        text = "\n".join(item["transcription"] for item in json.loads(annotations))
        pages.append((root / "image" / name, reference_dates(text)))
    return sorted(pages, key=lambda page: page[0].name)


def run_xfund(root: Path, store: ObjectStore, limit: int | None = None) -> DateScore:
    score = DateScore()
    pages = xfund_pages(root)[:limit]
    for index, (image, printed) in enumerate(pages, start=1):
        try:
            text, cached = acquire_text_cached(store, image.read_bytes(), image.name)
        except InputError as exc:
            log.warning("xfund: %s failed: %s", image.name, exc.code)
            score.failed += 1
            continue
        extraction = extract_document(text)
        score.add(printed, {d.value for d in extraction.dates if isinstance(d.value, str)})
        log.info("xfund %d/%d %s%s", index, len(pages), image.name, " (cached)" if cached else "")
    return score
