"""A store that sends each key to a backing store chosen by its area (the first key segment).

Least privilege with separate endpoints: the intake area can live on a server (or account) the
pipeline may only read, while work/, results/ and release/ live on the writable one. Areas listed
as read-only are refused writes here, before any request: the server's own refusal differs by
server (MinIO answers 403, ``rclone serve s3 --read-only`` a 500), and the pipeline should never
try to write where it may only read.

The URL names every backing store, percent-encoded, so another process rebuilds the same
routing: ``routed://?default=<url>&intake=<url>&read_only=intake``. Credentials never appear in it; each backing
store reads them from the settings of the process that opens it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

from storage.base import ObjectInfo, ObjectStore, validate_key
from zcps.errors import ConfigError, StoreAccessDenied

SCHEME = "routed"
DEFAULT_ROUTE = "default"
READ_ONLY = "read_only"  # not a possible area: bucket names have no '_'


class RoutedStore(ObjectStore):
    def __init__(self, default: ObjectStore, routes: dict[str, ObjectStore], read_only: frozenset[str] = frozenset()):
        if {DEFAULT_ROUTE, READ_ONLY} & set(routes):
            raise ConfigError(f"{DEFAULT_ROUTE!r} and {READ_ONLY!r} are not area names",
                              hint="Route areas such as 'intake'.")
        self.default = default
        self.routes = dict(routes)
        self.read_only = frozenset(read_only)

    def __repr__(self) -> str:
        return f"RoutedStore({self.url!r})"

    @property
    def url(self) -> str:
        query = {DEFAULT_ROUTE: self.default.url, **{area: store.url for area, store in sorted(self.routes.items())}}
        if self.read_only:
            query[READ_ONLY] = ",".join(sorted(self.read_only))
        return f"{SCHEME}://?{urlencode(query)}"

    def store_for(self, key: str) -> ObjectStore:
        return self.routes.get(key.partition("/")[0], self.default)

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> ObjectInfo:
        self._refuse_read_only(key)
        return self.store_for(key).put(key, data, metadata)

    def get(self, key: str) -> bytes:
        return self.store_for(key).get(key)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        return self.store_for(key).get_versioned(key)

    def put_if(self, key: str, data: bytes, expected: str | None) -> ObjectInfo:
        self._refuse_read_only(key)
        return self.store_for(key).put_if(key, data, expected)

    def list_versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        return self.store_for(prefix).list_versions(prefix)

    def stat(self, key: str) -> ObjectInfo:
        return self.store_for(key).stat(key)

    def exists(self, key: str) -> bool:
        return self.store_for(key).exists(key)

    def sha256(self, key: str) -> str:
        return self.store_for(key).sha256(key)

    def delete(self, key: str) -> None:
        self._refuse_read_only(key)
        self.store_for(key).delete(key)

    def list(self, prefix: str) -> Iterator[str]:
        area, slash, _ = prefix.partition("/")
        if slash:
            return self.store_for(prefix).list(prefix)
        # A prefix within the area name ("" or "res") can match areas held by several stores;
        # each store answers only for the areas routed to it.
        return heapq.merge(*(self._own_keys(store, prefix) for store in (self.default, *self.routes.values())))

    def unlisted(self, prefix: str) -> Iterator[tuple[str, str]]:
        return self.store_for(prefix).unlisted(prefix)

    def _own_keys(self, store: ObjectStore, prefix: str) -> Iterator[str]:
        return (key for key in store.list(prefix) if self.store_for(key) is store)

    def _refuse_read_only(self, key: str) -> None:
        area = validate_key(key).partition("/")[0]
        if area in self.read_only:
            raise StoreAccessDenied(f"{key[:120]}: the {area}/ area is read-only for this pipeline",
                                    hint=f"zcps never writes to {area}/; upload there with the intake writer's "
                                         "account, not the pipeline's.")


def parse_routed_url(url: str) -> tuple[str, dict[str, str], frozenset[str]]:
    """``routed://?default=U&intake=V&read_only=intake`` → (U, {"intake": V}, {"intake"})."""
    parts = urlsplit(url)
    if parts.scheme != SCHEME or parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"{url[:200]!r} is not a routed store URL", hint="Use routed://?default=URL&intake=URL.")
    values = parse_qs(parts.query, keep_blank_values=True)
    if DEFAULT_ROUTE not in values:
        raise ConfigError("the routed store URL has no default store", hint="Add default=URL for the other areas.")
    default = values.pop(DEFAULT_ROUTE)[-1]
    read_only = frozenset(a for a in values.pop(READ_ONLY, [""])[-1].split(",") if a)
    return default, {area: items[-1] for area, items in values.items()}, read_only
