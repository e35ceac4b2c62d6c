"""The batch on a Dask LocalCluster of two worker processes gives the same results as a sequential run.

Worker processes inherit the environment at spawn, so the settings (here the pseudonym key, which
must agree across workers) are checked on every worker; OCR models load once per worker process.
"""

from __future__ import annotations

import json
import os
import pickle

import distributed
import pytest

from flows.runner import run_batch
from masking.pseudonym import load_pseudonyms
from storage.factory import open_store
from storage.intake import discover
from storage.layout import review_key
from storage.ledger import Ledger
from support.batch_samples import BATCH, small_batch
from zcps.models import DocumentResult, Finding, Review
from zcps.settings import get_settings

PSEUDONYM_KEY = "dask-test-pseudonym-key-7f3a"
# Differ between runs by design: whether text came from this store's cache, or the result was reused.
VOLATILE = {"from_cache", "reused"}


def _engine_identity() -> tuple[int, int] | None:
    from extractors import ocr

    return (os.getpid(), id(ocr._engine)) if ocr._engine is not None else None


def _settings_seen_by_worker() -> tuple[str, str]:
    settings = get_settings()
    return settings.pseudonym_key.get_secret_value(), os.environ.get("ZCPS_PSEUDONYM_KEY", "")


def _rounded(value):
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _outputs(store) -> dict[str, object]:
    """Per-document results and reviews, as JSON with volatile fields dropped."""
    outputs = {}
    for key in store.list(f"results/{BATCH}/"):
        if "/documents/" in key or key.endswith("/review.json"):
            outputs[key] = _rounded(json.loads(store.get(key)))
    return outputs


@pytest.fixture
def stores(tmp_path, monkeypatch):
    monkeypatch.setenv("ZCPS_PSEUDONYM_KEY", PSEUDONYM_KEY)
    get_settings.cache_clear()
    built = [open_store((tmp_path / name).as_uri()) for name in ("dask", "sequential")]
    for store in built:
        small_batch(store, applicants=2, pages=2)
    yield built
    get_settings.cache_clear()


def test_task_arguments_pickle(stores):
    store = stores[0]
    intake = discover(store, BATCH)
    arguments = [intake.applicants, intake.documents, store.url,
                 [Finding(rule="duplicate.same_file", severity="review", section="§二(四)", message="重复")],
                 DocumentResult(ref=intake.documents[0], status="done")]
    for argument in arguments:
        assert pickle.loads(pickle.dumps(argument)) == argument
    assert open_store(pickle.loads(pickle.dumps(store)).url).url == store.url


def test_local_cluster_matches_sequential_run(stores):
    dask_store, sequential_store = stores
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            seen = client.run(_settings_seen_by_worker)
            assert set(seen.values()) == {(PSEUDONYM_KEY, PSEUDONYM_KEY)}, "env must reach every worker"
            summary = run_batch(BATCH, store_url=dask_store.url, dask_address=cluster.scheduler_address)
            engines = client.run(_engine_identity)
            assert engines == client.run(_engine_identity), "one engine per worker, kept between tasks"
            loaded = [identity for identity in engines.values() if identity is not None]
            assert loaded and all(pid != os.getpid() for pid, _ in loaded), "OCR ran in the worker processes"
    sequential = run_batch(BATCH, store_url=sequential_store.url, concurrency=1)

    assert (summary.done, summary.failed, summary.applicants) == (sequential.done, sequential.failed, 2) == (4, 0, 2)
    dask_outputs, sequential_outputs = _outputs(dask_store), _outputs(sequential_store)
    assert len(dask_outputs) == 6
    assert dask_outputs == sequential_outputs
    for store in stores:
        review = Review.model_validate_json(store.get(review_key(BATCH, "u1", "A1")))
        assert review.findings, "the rules ran"
    assert load_pseudonyms(dask_store, BATCH) == load_pseudonyms(sequential_store, BATCH)
    assert set(dask_store.list(f"release/{BATCH}/")) == set(sequential_store.list(f"release/{BATCH}/"))
    ledgers = [{(e.file, e.applicant): (e.status, e.sha256, e.attempts) for e in Ledger(s, BATCH).entries()}
               for s in stores]
    assert ledgers[0] == ledgers[1]
