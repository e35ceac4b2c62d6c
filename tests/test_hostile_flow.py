"""Stage robustness: a review is never rebuilt from a subset of its documents, and recovers on a full run."""

from __future__ import annotations

import pytest

from support.batch_samples import BATCH, small_batch
from flows.runner import run_batch
from storage.factory import open_store
from storage.layout import document_result_key, review_key
from storage.ledger import Ledger
from zcps.models import DocumentRef

pytestmark = pytest.mark.models

FIRST = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01_title.png")
DAMAGE = {
    "result deleted": lambda store, key: store.delete(key),
    "result not JSON": lambda store, key: store.put(key, b"{truncated"),
    "result of another schema": lambda store, key: store.put(key, b'{"ref": 1}'),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_rerun_of_one_file_keeps_a_review_whose_other_results_are_unreadable(tmp_path, damage):
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store, applicants=1, pages=2)
    assert run_batch(BATCH, store_url=store.url).failed == 0
    review = store.get(review_key(BATCH, "u1", "A1"))
    damage(store, document_result_key(FIRST))

    rerun = run_batch(BATCH, store_url=store.url, keys=["u1/A1/02_title.png"])
    assert [(f.key, f.code) for f in rerun.failures] == [("(review) u1/A1", "E_REVIEW_INPUTS")]
    assert store.get(review_key(BATCH, "u1", "A1")) == review, "not rebuilt from the one rerun file"
    stages = [e for e in Ledger(store, BATCH).entries() if e.scope == "stage"]
    assert [(e.file, e.unit, e.applicant, e.error_code) for e in stages] == [("review", "u1", "A1", "E_REVIEW_INPUTS")]

    repaired = run_batch(BATCH, store_url=store.url)
    assert repaired.failed == 0 and repaired.done == 1, "the unreadable result is processed again"
    assert store.get(review_key(BATCH, "u1", "A1")) == review
    assert [e for e in Ledger(store, BATCH).entries() if e.scope == "stage"] == [], "the stage entry is cleared"
