"""Build the object store a URL names, so any process can rebuild a store from ``store.url``.

- ``file://DIR`` or a plain path → ``LocalStore`` (relative paths are relative to the cwd);
- ``s3://HOST:PORT`` (TLS from ``ZCPS_S3_SECURE``), ``http://HOST:PORT`` or ``https://HOST:PORT``
  → ``S3Store`` with credentials from the settings, never from the URL. Optional query
  parameters ``secure``, ``bucket_prefix`` and ``region`` override the settings;
- ``routed://?default=URL&intake=URL`` → ``RoutedStore`` (keys routed by area, see ``storage/routed.py``).

When ``ZCPS_INTAKE_STORE_URL`` is set, every other store URL opens as a ``RoutedStore`` whose
``intake/`` keys go to that URL, so the pipeline reads intake from where the setting says even
when a command names the main store explicitly; ``ZCPS_INTAKE_READ_ONLY`` (default true) makes
the routed store refuse writes to intake.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from storage import counting
from storage.base import ObjectStore
from storage.local import LocalStore
from storage.routed import SCHEME as ROUTED_SCHEME, RoutedStore, parse_routed_url
from storage.s3 import S3Store
from zcps.errors import ConfigError
from zcps.settings import Settings, get_settings

_S3_SCHEMES = {"s3", "http", "https"}
_QUERY_KEYS = {"secure", "bucket_prefix", "region"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


INTAKE_AREA = "intake"


def open_store(url: str | None = None, settings: Settings | None = None) -> ObjectStore:
    # Counts requests only inside ``storage.counting.counting_session`` (the scale benchmark).
    return counting.wrap(_open(url, settings))


def _open(url: str | None, settings: Settings | None) -> ObjectStore:
    settings = settings or get_settings()
    url = url or settings.store_url
    if urlsplit(url).scheme.lower() == ROUTED_SCHEME:
        default, routes, read_only = parse_routed_url(url)
        return RoutedStore(_open_single(default, settings),
                           {area: _open_single(target, settings) for area, target in routes.items()}, read_only)
    intake_url = settings.intake_store_url
    if intake_url and intake_url != url:
        read_only = frozenset({INTAKE_AREA}) if settings.intake_read_only else frozenset()
        return RoutedStore(_open_single(url, settings), {INTAKE_AREA: _open_single(intake_url, settings)}, read_only)
    return _open_single(url, settings)


def _open_single(url: str, settings: Settings) -> ObjectStore:
    if urlsplit(url).scheme.lower() == ROUTED_SCHEME:
        raise ConfigError("a routed store cannot route to another routed store",
                          hint="Name plain file://, s3:// or http(s):// URLs inside routed://.")
    if url.startswith("file://"):
        return LocalStore(_absolute(unquote(url[len("file://"):])))
    scheme = urlsplit(url).scheme.lower()
    if not scheme:
        return LocalStore(_absolute(url))
    if scheme in _S3_SCHEMES:
        return _open_s3(url, scheme, settings)
    raise ConfigError(f"unknown store URL scheme {scheme!r}",
                      hint="Set ZCPS_STORE_URL to file://DIR, a folder path, s3://HOST:PORT or http(s)://HOST:PORT.")


def _absolute(path: str) -> Path:
    if not path:
        raise ConfigError("the store URL names no folder", hint="Use file://DIR, e.g. file://./zcps-data.")
    return Path(path).expanduser().absolute()


def _open_s3(url: str, scheme: str, settings: Settings) -> S3Store:
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ConfigError("the store URL carries credentials",
                          hint="Remove them from the URL and set ZCPS_S3_ACCESS_KEY / ZCPS_S3_SECRET_KEY "
                               "(or *_FILE) instead.")
    if not parts.hostname:
        raise ConfigError(f"the store URL {url!r} names no host", hint="Use s3://HOST:PORT.")
    if parts.path not in ("", "/") or parts.fragment:
        raise ConfigError(f"the store URL {url!r} has a path; buckets come from the key areas",
                          hint="Use s3://HOST:PORT and ZCPS_BUCKET_PREFIX to choose the bucket names.")
    query = _query(parts.query)
    secure = {"https": True, "http": False}.get(scheme, settings.s3_secure)
    if "secure" in query:
        secure = _flag(query["secure"])
    access_key, secret_key = settings.s3_access_key, settings.s3_secret_key
    if access_key is None or secret_key is None:
        raise ConfigError("S3 credentials are not set",
                          hint="Set ZCPS_S3_ACCESS_KEY and ZCPS_S3_SECRET_KEY, or ZCPS_S3_ACCESS_KEY_FILE and "
                               "ZCPS_S3_SECRET_KEY_FILE pointing at secret files.")
    return S3Store(parts.netloc, access_key.get_secret_value(), secret_key.get_secret_value(),
                   secure=secure, region=query.get("region", settings.s3_region),
                   bucket_prefix=query.get("bucket_prefix", settings.bucket_prefix),
                   conditional_writes=settings.s3_conditional_writes)


def _query(raw: str) -> dict[str, str]:
    values = parse_qs(raw, keep_blank_values=True)
    unknown = set(values) - _QUERY_KEYS
    if unknown:
        raise ConfigError(f"unknown store URL parameter(s) {sorted(unknown)}",
                          hint=f"Only {sorted(_QUERY_KEYS)} are understood.")
    return {name: items[-1] for name, items in values.items()}


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(f"secure={value!r} in the store URL is not a yes/no value", hint="Use secure=true or secure=false.")
