"""storage/layout.py: user names cannot reach internal keys, overflow a limit, or carry control characters."""

from __future__ import annotations

import pytest

from storage import layout
from storage.base import validate_key
from zcps.models import DocumentRef

BATCH = "2024"
LONG = "长" * 84 + ".jpg"  # 256 bytes: one more than a local file name may hold


def _derived_keys(unit: str, applicant: str, file: str) -> dict[str, str]:
    ref = DocumentRef(batch=BATCH, unit=unit, applicant=applicant, file=file)
    return {
        "result": layout.document_result_key(ref), "review": layout.review_key(BATCH, unit, applicant),
        "ledger": layout.ledger_key(ref), "report": layout.report_key(BATCH, unit, "unit", "xlsx"),
        "release": layout.release_prefix(BATCH, unit, "P-1234ABCD") + layout.release_page_name("docs/03_title", 12),
        "stage": layout.stage_ledger_key(BATCH, unit, applicant, "review"),
        "pseudonym": layout.pseudonym_key(BATCH, applicant),
    }


INTERNAL = {
    "ledger": layout.ledger_prefix(BATCH), "reports": layout.reports_prefix(BATCH),
    "pseudonyms": layout.pseudonym_prefix(BATCH), "batch report": layout.report_key(BATCH, None, "unit", "html"),
}


@pytest.mark.parametrize("unit", ["state", "pseudonyms", "reports", "batch", "decisions", "selections", "units",
                                  "documents", "review.json", "stages", "objects"])
def test_reserved_unit_names_stay_in_the_units_namespace(unit):
    keys = _derived_keys(unit, "A1", "01.png")
    for kind in ("result", "review", "release"):
        assert f"/units/{unit}/" in keys[kind], kind
        assert not any(keys[kind].startswith(prefix) for prefix in INTERNAL.values()), kind
    assert keys["report"].startswith(layout.reports_prefix(BATCH) + f"units/{unit}/")
    assert keys["report"] != INTERNAL["batch report"]
    assert keys["ledger"].startswith(layout.ledger_prefix(BATCH) + f"units/{unit}/")


@pytest.mark.parametrize(("name", "kept"), [
    ("u1", True), ("呼和浩特供电分公司", True), ("a" * 200, True),  # exactly the segment budget
    ("a" * 201, False), (LONG, False), ("a\\b", False), ("a\nb", False), ("bel\x07", False),
    ("rlo\u202egpj.exe", False),  # a format character reorders the name on screen
    ("x~0123456789abcdef", False),  # looks like a short form: mapped too, so no two names meet
    ("x~0123456789abcde", True), ("", False),
])
def test_safe_segment_keeps_only_safe_names(name, kept):
    safe = layout.safe_segment(name)
    assert (safe == name) is kept
    assert len(safe.encode()) <= layout.MAX_SEGMENT_BYTES
    assert layout.safe_segment(name) == safe, "stable"
    validate_key(f"results/{safe}")


@pytest.mark.parametrize(("first", "second"), [
    ("a" * 300, "a" * 301), (LONG, LONG[:-4] + ".png"), ("a\nb", "a\rb"), ("a\\b", "ab"),
])
def test_short_forms_of_different_names_differ(first, second):
    assert layout.safe_segment(first) != layout.safe_segment(second)


@pytest.mark.parametrize(("unit", "applicant", "file"), [
    ("u1", "A1", LONG), ("u1", "A1", "sub/" + LONG), ("长" * 100, "A1", "01.png"), ("u1", "A\n1", "01.png"),
    ("u1", "A1", "/".join(["段" * 60] * 6) + ".png"),  # valid on S3 (< 1,024 bytes) but too long once derived
])
def test_derived_keys_fit_s3_and_local_limits(unit, applicant, file):
    for kind, key in _derived_keys(unit, applicant, file).items():
        validate_key(key)
        assert len(key.encode()) <= layout.MAX_KEY_BYTES, kind
        assert all(len(part.encode()) <= 255 for part in key.split("/")), kind


def test_object_ledger_keys_are_per_key_and_outside_the_units_namespace():
    first = layout.object_ledger_key(BATCH, "u1/A1/notes.txt")
    assert first == layout.object_ledger_key(BATCH, "u1/A1/notes.txt")
    assert first != layout.object_ledger_key(BATCH, "u1/A1/notes.txt\n")
    assert "/state/objects/" in first and "notes" not in first
