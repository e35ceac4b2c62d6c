"""storage/intake.py: every object under intake is a document, a failure with a code, or ignored by policy."""

from __future__ import annotations

import os

import pytest

from storage.factory import open_store
from storage.intake import discover, record_intake
from storage.ledger import Ledger
from zcps.models import Status

BATCH = "2024"

# key below intake/{batch}/ → (outcome, code): "document", "manifest", or the problem's code.
CASES = {
    "u1/A1/manifest.json": ("manifest", None),
    "u1/A1/docs/01.png": ("document", None),
    "u1/A1/docs/sub/02.png": ("document", None),
    "u1/A1/docs/.DS_Store": ("ignored", "IGNORED_OS_FILE"),
    "u1/A1/docs/Thumbs.db": ("ignored", "IGNORED_OS_FILE"),
    "u1/A1/docs/thumbs.DB": ("ignored", "IGNORED_OS_FILE"),
    "u1/A1/docs/._01.png": ("ignored", "IGNORED_OS_FILE"),
    "u1/A1/docs/DS_Store.png": ("document", None),  # near miss: a real name
    "u1/A1/docs/.zcps-upload-7.png": ("ignored", "IGNORED_RESERVED_NAME"),
    "u1/A1/docs/x.zcps-upload.png": ("document", None),  # near miss: reserved only as a prefix
    "u1/A1/docs/back\\slash.png": ("failed", "E_BAD_KEY"),
    "u1/A1/docs/new\nline.png": ("failed", "E_BAD_KEY"),
    "u1/A1/docs/bell\x07.png": ("failed", "E_BAD_KEY"),
    "u1/A1/notes.txt": ("failed", "E_LAYOUT"),
    "u1/A1/scans/x.png": ("failed", "E_LAYOUT"),
    "u1/stray.pdf": ("failed", "E_LAYOUT"),
    "loose.pdf": ("failed", "E_LAYOUT"),
    "u1/A\n2/manifest.json": ("failed", "E_BAD_KEY"),
}


@pytest.fixture
def folder_store(tmp_path):
    store = open_store((tmp_path / "store").as_uri())
    root = tmp_path / "store" / "intake" / BATCH
    for key in CASES:
        path = root.joinpath(*key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")  # written on disk: the store itself refuses some of these names
    (root / "u1" / "A3").mkdir()  # an empty applicant folder
    outside = tmp_path / "outside.json"
    outside.write_bytes(b"{}")
    (root / "u1" / "A4").mkdir()
    os.symlink(outside, root / "u1" / "A4" / "manifest.json")  # a manifest pointing out of the store
    return store


def _outcomes(intake) -> dict[str, tuple[str, str | None]]:
    found = {}
    for applicant in intake.applicants:
        if applicant.has_manifest:
            found[f"{applicant.unit}/{applicant.applicant}/manifest.json"] = ("manifest", None)
        for doc in applicant.documents:
            found[f"{doc.unit}/{doc.applicant}/docs/{doc.file}"] = ("document", None)
    for problem in intake.problems:
        found[problem.relative_key(BATCH)] = ("ignored" if problem.ignored else "failed", problem.code)
    return found


def test_every_object_has_exactly_one_outcome(folder_store):
    intake = discover(folder_store, BATCH)
    outcomes = _outcomes(intake)
    assert outcomes == {**CASES, "u1/A4/manifest.json": ("failed", "E_BAD_KEY")}
    applicants = {(a.unit, a.applicant) for a in intake.applicants}
    assert {("u1", "A1"), ("u1", "A\n2"), ("u1", "A3"), ("u1", "A4")} == applicants, "empty folders included"
    problems_under_docs = {p.relative_key(BATCH) for p in intake.problems if p.document is not None}
    assert problems_under_docs == {k for k in CASES if "/docs/" in k and CASES[k][0] != "document"}


def test_problems_get_ledger_entries_and_moved_objects_lose_theirs(folder_store, tmp_path):
    ledger = Ledger(folder_store, BATCH)
    assert record_intake(ledger, discover(folder_store, BATCH), ledger.entries()) is True
    entries = {e.key: e for e in ledger.entries() if e.scope == "object"}
    assert {k: (e.status.value, e.error_code) for k, e in entries.items()} == {
        k: v for k, v in _outcomes(discover(folder_store, BATCH)).items() if v[0] in ("failed", "ignored")}
    assert entries["u1/A1/docs/new\nline.png"].status is Status.failed
    assert record_intake(ledger, discover(folder_store, BATCH), ledger.entries()) is False, "unchanged: no writes"
    (tmp_path / "store" / "intake" / BATCH / "loose.pdf").unlink()
    assert record_intake(ledger, discover(folder_store, BATCH), ledger.entries()) is True
    assert "loose.pdf" not in {e.key for e in ledger.entries()}


def test_unit_filter_keeps_other_units_entries(folder_store):
    ledger = Ledger(folder_store, BATCH)
    record_intake(ledger, discover(folder_store, BATCH), ledger.entries())
    before = {e.key for e in ledger.entries()}
    record_intake(ledger, discover(folder_store, BATCH, ["u2"]), ledger.entries(), ["u2"])
    assert {e.key for e in ledger.entries()} == before
