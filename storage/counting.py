"""A store that passes every call to another and counts the requests each call makes.

Used by ``zcps bench scale`` (requests per file and per applicant) and by the tests that bound
what the ledger reads. A ``list``/``list_versions`` counts one request per 1,000 keys returned,
as S3's ListObjectsV2 pages them; every other call is one request.

``counting_session()`` makes every store that ``storage.factory.open_store`` opens in this process
count into one shared counter, so a whole flow run (whose tasks each open their own store) is
measured. Outside a session ``wrap`` returns the store unchanged.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import Counter
from collections.abc import Iterator

from storage.base import ObjectInfo, ObjectStore

LIST_PAGE = 1000


class CountingStore(ObjectStore):
    def __init__(self, inner: ObjectStore, calls: Counter[str] | None = None, lock: threading.Lock | None = None):
        self.inner = inner
        self.calls: Counter[str] = Counter() if calls is None else calls
        self._lock = lock or threading.Lock()

    def __repr__(self) -> str:
        return f"CountingStore({self.inner!r})"

    def _count(self, call: str, requests: int = 1) -> None:
        with self._lock:
            self.calls[call] += requests

    @property
    def requests(self) -> int:
        return sum(self.calls.values())

    @property
    def url(self) -> str:
        return self.inner.url

    @property
    def conditional_writes(self) -> bool:
        return self.inner.conditional_writes

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> ObjectInfo:
        self._count("put")
        return self.inner.put(key, data, metadata)

    def put_if(self, key: str, data: bytes, expected: str | None) -> ObjectInfo:
        self._count("put")
        return self.inner.put_if(key, data, expected)

    def get(self, key: str) -> bytes:
        self._count("get")
        return self.inner.get(key)

    def get_optional(self, key: str) -> bytes | None:
        self._count("get")
        return self.inner.get_optional(key)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        self._count("get")
        return self.inner.get_versioned(key)

    def stat(self, key: str) -> ObjectInfo:
        self._count("stat")
        return self.inner.stat(key)

    def exists(self, key: str) -> bool:
        self._count("stat")
        return self.inner.exists(key)

    def sha256(self, key: str) -> str:
        self._count("stat")
        return self.inner.sha256(key)

    def delete(self, key: str) -> None:
        self._count("delete")
        self.inner.delete(key)

    def list(self, prefix: str) -> Iterator[str]:
        keys = list(self.inner.list(prefix))
        self._count("list", max(1, math.ceil(len(keys) / LIST_PAGE)))
        return iter(keys)

    def list_versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        found = list(self.inner.list_versions(prefix))
        self._count("list", max(1, math.ceil(len(found) / LIST_PAGE)))
        return iter(found)

    def unlisted(self, prefix: str) -> Iterator[tuple[str, str]]:
        self._count("list")
        return self.inner.unlisted(prefix)


_session: tuple[Counter[str], threading.Lock] | None = None


@contextlib.contextmanager
def counting_session() -> Iterator[Counter[str]]:
    """Count the requests of every store opened in this process until the block ends."""
    global _session
    previous, _session = _session, (Counter(), threading.Lock())
    try:
        yield _session[0]
    finally:
        _session = previous


def wrap(store: ObjectStore) -> ObjectStore:
    if _session is None:
        return store
    return CountingStore(store, *_session)
