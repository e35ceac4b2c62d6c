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

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage import counting
from storage.base import ObjectStore
from storage.local import LocalStore
from storage.routed import SCHEME as ROUTED_SCHEME, RoutedStore, parse_routed_url
from storage.s3 import S3Store
from zcps.errors import ConfigError
from zcps.settings import Settings, get_settings


def _open_folder(path: str, settings: Settings) -> LocalStore:
    if not path:
        raise ConfigError("the store URL names no folder", hint="Use file://DIR, e.g. file://./zcps-data.")
    return LocalStore(Path(path).expanduser().absolute())


def _open_file_url(url: str, settings: Settings) -> LocalStore:
    if not url.startswith("file://"):
        raise ConfigError(f"the store URL {url!r} is not file://DIR", hint="Use file://DIR, e.g. file://./zcps-data.")
    return _open_folder(unquote(url[len("file://"):]), settings)


# URL scheme → the function that opens a store of it ("" is a plain folder path). Each store class
# parses its own URL, so a store never imports this module to rebuild itself.
STORE_OPENERS: dict[str, Callable[[str, Settings], ObjectStore]] = {
    "": _open_folder,
    "file": _open_file_url,
    "s3": S3Store.from_url,
    "http": S3Store.from_url,
    "https": S3Store.from_url,
}


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
    scheme = urlsplit(url).scheme.lower()
    if scheme == ROUTED_SCHEME:
        raise ConfigError("a routed store cannot route to another routed store",
                          hint="Name plain file://, s3:// or http(s):// URLs inside routed://.")
    opener = STORE_OPENERS.get(scheme)
    if opener is None:
        raise ConfigError(f"unknown store URL scheme {scheme!r}",
                          hint="Set ZCPS_STORE_URL to file://DIR, a folder path, s3://HOST:PORT or http(s)://HOST:PORT.")
    return opener(url, settings)
