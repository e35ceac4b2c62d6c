"""The batch in applicant groups: each group a Prefect subflow with a bounded number of task runs,
the same outputs whatever the group size, and OCR only inside a slot of the ``ocr`` limit."""

from __future__ import annotations

import contextvars
import json
import re
import threading
import time
from contextlib import contextmanager

import pytest

from support.batch_samples import BATCH, page_png, small_batch
from flows.runner import run_batch
from flows.slots import ocr_slot_of, set_ocr_limit
from pipeline.document import process_document, read_document
from storage.factory import open_store
from storage.layout import doc_key, document_result_key, review_key
from storage.ledger import Ledger
from zcps.models import DocumentRef
from zcps.prefect_api import prefect_api
from zcps.settings import get_settings

# Differ between runs by design: whether text came from this store's cache, or the result was reused.
VOLATILE = {"from_cache", "reused"}


def _outputs(store) -> dict[str, object]:
    outputs = {}
    for key in store.list(f"results/{BATCH}/"):
        if "/documents/" in key or key.endswith(("/review.json", "/index.json")):
            outputs[key] = {k: v for k, v in json.loads(store.get(key)).items() if k not in VOLATILE}
    return outputs


def _ledger(store) -> dict:
    return {(e.scope, e.unit, e.applicant, e.file): (e.status, e.sha256, e.error_code)
            for e in Ledger(store, BATCH).entries()}


def _runs_of_batch(store_url: str) -> tuple[object, list, dict]:
    """The latest ``batch_review`` run on ``store_url``, its subflow runs and the task runs of each run.

    The temporary server keeps Prefect's default database, which other zcps processes of this
    machine share: the run is found by its store, which no other run uses."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowFilter, FlowFilterName, FlowRunFilter,
                                                FlowRunFilterParentFlowRunId, TaskRunFilter, TaskRunFilterFlowRunId)
    from prefect.client.schemas.sorting import FlowRunSort

    with prefect_api(), get_client(sync_client=True) as client:
        batches = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["batch_review"])),
                                        sort=FlowRunSort.START_TIME_DESC, limit=200)
        parent = next(run for run in batches if run.parameters.get("store_url") == store_url)
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])), limit=200)
        tasks = {}
        for run in [parent, *children]:
            found = client.read_task_runs(task_run_filter=TaskRunFilter(
                flow_run_id=TaskRunFilterFlowRunId(any_=[run.id])), limit=200)
            tasks[run.name if run is not parent else ""] = [t.name for t in found]
    return parent, children, tasks


@pytest.fixture
def group_env(monkeypatch):
    def use(size: int) -> None:
        monkeypatch.setenv("ZCPS_APPLICANTS_PER_FLOW", str(size))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


@pytest.mark.parametrize("size, groups", [(1, 3), (2, 2), (50, 1)])
def test_each_group_is_a_bounded_subflow_and_outputs_do_not_depend_on_the_size(tmp_path, group_env, size, groups):
    reference = open_store((tmp_path / "reference").as_uri())
    grouped = open_store((tmp_path / "grouped").as_uri())
    for store in (reference, grouped):
        small_batch(store, applicants=3, pages=2)
        # The same certificate page submitted by A1 and A3: a batch-wide finding across groups.
        store.put(f"intake/{BATCH}/u1/A3/docs/03_copy.png", store.get(f"intake/{BATCH}/u1/A1/docs/01_title.png"))
    group_env(3)
    run_batch(BATCH, store_url=reference.url, concurrency=2)
    group_env(size)
    summary = run_batch(BATCH, store_url=grouped.url, concurrency=2)

    assert (summary.done, summary.failed, summary.applicants) == (7, 0, 3)
    assert _outputs(grouped) == _outputs(reference)
    assert _ledger(grouped) == _ledger(reference)
    review = json.loads(grouped.get(f"results/{BATCH}/units/u1/A3/review.json"))
    assert "duplicate.same_file" in {f["rule"] for f in review["findings"]}
    _, children, tasks = _runs_of_batch(grouped.url)
    assert sorted(run.name for run in children) == sorted(
        [f"documents-{n}" for n in range(1, groups + 1)] + [f"reviews-{n}" for n in range(1, groups + 1)])
    per_group = max(size, 1) * 3  # at most three documents per applicant here
    for name, runs in tasks.items():
        if name.startswith("documents-"):
            assert len(runs) <= per_group and {r.split("-")[0] for r in runs} == {"document"}
        elif name.startswith("reviews-"):
            assert len(runs) <= 2 * size and {r.split("-")[0] for r in runs} <= {"review", "release"}
    assert len(tasks[""]) == 2 * groups + 1, "the batch flow holds one task per subflow and the reports"


def test_documents_not_selected_are_fingerprinted_from_the_stored_index(tmp_path, group_env):
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store, applicants=2, pages=1)
    store.put(f"intake/{BATCH}/u1/A2/docs/02_copy.png", store.get(f"intake/{BATCH}/u1/A1/docs/01_title.png"))
    group_env(1)
    run_batch(BATCH, store_url=store.url)
    a2_review = store.get(review_key(BATCH, "u1", "A2"))
    assert b"duplicate.same_file" in a2_review
    # A1's result is now unreadable, but its index still holds the fingerprint: A2 keeps its finding.
    a1_result = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01_title.png")
    store.put(document_result_key(a1_result), b"{damaged")
    summary = run_batch(BATCH, store_url=store.url, keys=["u1/A2/docs/02_copy.png"])
    assert (summary.done, summary.skipped) == (0, 3)
    assert store.get(review_key(BATCH, "u1", "A2")) == a2_review
    assert [(f.key, f.code) for f in summary.failures] == [("(review) u1/A1", "E_REVIEW_INPUTS")]


@pytest.mark.parametrize(("units", "keys"), [(None, ["u1/A2/docs/02_copy.png"]), (["u1"], None),
                                             (["u1"], ["u1/A1/docs/01_title.png", "u1/A2/docs/02_copy.png"])])
def test_flow_run_parameters_carry_no_names_or_keys(tmp_path, group_env, units, keys):
    """Prefect stores and shows every flow run's parameters: the selection goes by reference, the subflows'
    work by an opaque id, and no unit, applicant or file name reaches them."""
    store = open_store((tmp_path / "store").as_uri())
    small_batch(store, applicants=2, pages=1)
    store.put(f"intake/{BATCH}/u1/A2/docs/02_copy.png", store.get(f"intake/{BATCH}/u1/A1/docs/01_title.png"))
    group_env(1)
    run_batch(BATCH, store_url=store.url, units=units, keys=keys)
    parent, children, _ = _runs_of_batch(store.url)
    assert children
    assert re.fullmatch(r"[0-9a-f]{32}", parent.parameters["selection"])
    for run in (parent, *children):
        shown = json.dumps({k: v for k, v in run.parameters.items() if k != "store_url"}, ensure_ascii=False)
        assert not re.search(r"u1|A1|A2|01_title|02_copy|docs/", shown), (run.name, shown)


@contextmanager
def _counting(calls: list[str]):
    calls.append("enter")
    yield


@pytest.mark.parametrize("cached", [False, True])
def test_ocr_runs_inside_a_slot_and_a_cached_file_takes_none(tmp_path, cached):
    store = open_store((tmp_path / "store").as_uri())
    ref = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01_title.png")
    data = page_png(["专业技术资格证书"])
    if cached:
        read_document(ref, data, store=store)
    calls: list[str] = []
    result = read_document(ref, data, store=store, ocr_slot=lambda: _counting(calls))
    assert result.from_cache is cached
    assert calls == ([] if cached else ["enter"])


def _thread_in_this_context(target) -> threading.Thread:
    """A thread that sees this thread's Prefect settings context (the temporary server's URL): a new
    thread starts with empty context variables, and its Prefect client would fall back to whatever
    the process-wide settings say, another test's server or Prefect's own ephemeral one."""
    context = contextvars.copy_context()
    return threading.Thread(target=context.run, args=(target,))


@pytest.mark.parametrize("slots", [1, 3])
def test_the_ocr_limit_holds_no_more_runs_than_its_slots(monkeypatch, slots):
    monkeypatch.setenv("ZCPS_OCR_SLOTS", str(slots))
    get_settings.cache_clear()
    inside, most, lock, name = [0], [0], threading.Lock(), ""
    release = threading.Event()

    def occupy() -> None:
        with ocr_slot_of(name)():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            release.wait(60)
            with lock:
                inside[0] -= 1

    def hold_until_full() -> None:
        """Hold the slots until they are all taken, and a while longer: the extra threads try meanwhile."""
        deadline = time.monotonic() + 60
        while inside[0] < slots and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)
        release.set()

    try:
        with prefect_api():
            name = set_ocr_limit(get_settings())
            threads = [_thread_in_this_context(occupy) for _ in range(slots + 2)]
            for thread in threads:
                thread.start()
            hold_until_full()
            for thread in threads:
                thread.join(timeout=60)
            from prefect.client.orchestration import get_client

            with get_client(sync_client=True) as client:
                limit = client.read_global_concurrency_limit_by_name(name)
    finally:
        get_settings.cache_clear()
    assert most[0] == slots
    assert (limit.limit, limit.active_slots) == (slots, 0)


@pytest.mark.parametrize("wait, fails", [(1.0, True), (60.0, False)])
def test_a_document_waiting_past_the_slot_wait_fails_with_its_code(tmp_path, monkeypatch, wait, fails):
    """The only slot is held for 6 s: a 1 s wait fails the file (named, in the ledger), a 60 s wait gets in."""
    monkeypatch.setenv("ZCPS_OCR_SLOTS", "1")
    get_settings.cache_clear()
    store = open_store((tmp_path / "store").as_uri())
    ref = DocumentRef(batch=BATCH, unit="u1", applicant="A1", file="01_title.png")
    store.put(doc_key(ref), page_png(["专业技术资格证书"]))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with ocr_slot_of(name)():
            held.set()
            release.wait(6)

    try:
        with prefect_api():
            name = set_ocr_limit(get_settings())
            holder = _thread_in_this_context(hold)
            holder.start()
            assert held.wait(120)
            monkeypatch.setenv("ZCPS_OCR_SLOT_WAIT_SECONDS", str(wait))  # the holder waited as long as it needed
            get_settings.cache_clear()
            outcome = process_document(ref, store.url, ocr_slot=ocr_slot_of(name))
            release.set()
            holder.join(60)
    finally:
        get_settings.cache_clear()
    codes = [e.code for e in outcome.errors]
    assert codes == (["E_OCR_SLOT_TIMEOUT"] if fails else [])
    (entry,) = Ledger(store, BATCH).entries()
    assert (entry.status.value, entry.error_code) == (("failed", "E_OCR_SLOT_TIMEOUT") if fails else ("done", None))
