"""The JSON report, schema ``zcps.report/1`` (docs/report-schema.md): stable keys and order, no timestamps."""

from __future__ import annotations

import json

from reports.model import ReportData


def render_json(report: ReportData) -> bytes:
    document = report.model_dump(mode="json", by_alias=True)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
