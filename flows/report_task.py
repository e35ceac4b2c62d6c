"""The report task: unit and committee reports for the batch and for each unit, written to the store."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from reports.build import FORMATS, build_reports, report_name
from masking.pseudonym import load_pseudonyms
from reports.sources import load_failed_files, load_reviews, page_image_source
from storage.factory import open_store
from storage.layout import report_key

KINDS = ("unit", "committee")


def write_reports(batch: str, store_url: str | None, *, unit: str | None = None, kind: str = "unit",
                  formats: tuple[str, ...] = FORMATS) -> list[str]:
    store = open_store(store_url)
    reviews = load_reviews(store, batch, kind, unit)
    failed = load_failed_files(store, batch, unit)
    rendered = build_reports(batch, reviews, failed, kind=kind, unit=unit, formats=formats,
                             page_image=page_image_source(store, batch, kind),
                             pseudonyms=load_pseudonyms(store, batch) if kind == "committee" else None)
    keys = []
    for fmt, content in rendered.items():
        key = report_key(batch, report_name(kind, unit), fmt)
        store.put(key, content)
        keys.append(key)
    return keys


@task(name="reports", cache_policy=NO_CACHE, persist_result=False)
def report_task(batch: str, store_url: str, units: list[str]) -> list[str]:
    keys = []
    for kind in KINDS:
        keys += write_reports(batch, store_url, kind=kind)
        for unit in units:
            keys += write_reports(batch, store_url, unit=unit, kind=kind)
    return keys
