"""The object store on any S3 endpoint (MinIO in production, ``rclone serve s3`` in tests).

The first key segment is the area (intake, work, results, release) and names the bucket, after
``bucket_prefix``: ``intake/2024/u/a/manifest.json`` → bucket ``{prefix}intake``, object
``2024/u/a/manifest.json``. Buckets are created only when a write finds them missing, so
read-only credentials never attempt it.

Metadata values are percent-encoded on the wire because S3 headers are ASCII-only; the sha256
of the content is stored as ``x-amz-meta-sha256``. Some servers (``rclone serve s3``) keep
metadata only in memory, so ``stat().sha256`` may be ``None`` after a server restart; callers use
``ObjectStore.sha256``, which then hashes the content.

An object's version is its ETag. ``put_if`` sends ``If-Match: "{etag}"`` (or ``If-None-Match: *``
for a key that must not exist yet), which MinIO and AWS S3 honour with ``412 PreconditionFailed``.
``rclone serve s3`` (v1.75) ignores both headers and writes anyway, so ``conditional_writes`` is
configurable (``ZCPS_S3_CONDITIONAL_WRITES``); callers must stay correct when the last writer wins.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.base import ObjectInfo, ObjectStore, sha256_hex, validate_key
from zcps.errors import (ConfigError, InvalidKey, ObjectNotFound, StoreAccessDenied, StoreUnavailable, WriteConflict,
                         ZcpsError)
from zcps.settings import Settings, get_settings

# An unreachable store must fail within seconds so the flow can mark files failed (transient)
# instead of hanging; the minio default is 5 minutes with 5 retries.
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 60.0
RETRIES = 2

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
_META_HEADER = "x-amz-meta-"
_SAFE_META_CHARS = " !#$&'()*+,-./:;=?@[]^_`{|}~"
_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "ResourceNotFound", "NoSuchObject"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
_BAD_KEY_CODES = {"InvalidArgument", "InvalidObjectName", "KeyTooLongError", "InvalidBucketName"}
_BUSY_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}
_BUCKET_EXISTS_CODES = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict"}
_QUERY_KEYS = {"secure", "bucket_prefix", "region"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class S3Store(ObjectStore):
    def __init__(self, endpoint: str, access_key: str, secret_key: str, *, secure: bool = False,
                 region: str = "us-east-1", bucket_prefix: str = "", conditional_writes: bool = True):
        self.endpoint = endpoint
        self.secure = secure
        self.region = region
        self.bucket_prefix = bucket_prefix
        self._access_key = access_key
        self._secret_key = secret_key
        self._conditional_writes = conditional_writes
        self._client: Minio | None = None

    def __repr__(self) -> str:
        return f"S3Store({self.url!r})"

    @classmethod
    def from_url(cls, url: str, settings: Settings | None = None) -> S3Store:
        """``s3://HOST:PORT`` (TLS from ``ZCPS_S3_SECURE``), ``http://`` or ``https://HOST:PORT``; the query
        parameters ``secure``, ``bucket_prefix`` and ``region`` override the settings, which give the
        credentials (never the URL)."""
        settings = settings or get_settings()
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
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
        return cls(parts.netloc, access_key.get_secret_value(), secret_key.get_secret_value(),
                   secure=secure, region=query.get("region", settings.s3_region),
                   bucket_prefix=query.get("bucket_prefix", settings.bucket_prefix),
                   conditional_writes=settings.s3_conditional_writes)

    def __reduce__(self):
        # Credentials never travel in a pickle: the receiving process reads its own settings.
        return (S3Store.from_url, (self.url,))

    @property
    def url(self) -> str:
        query = {}
        if self.secure:
            query["secure"] = "true"
        if self.bucket_prefix:
            query["bucket_prefix"] = self.bucket_prefix
        return f"s3://{self.endpoint}" + (f"?{urlencode(query)}" if query else "")

    @property
    def client(self) -> Minio:
        if self._client is None:
            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS),
                maxsize=10,
                cert_reqs="CERT_REQUIRED",
                ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
                retries=urllib3.Retry(total=RETRIES, connect=RETRIES, read=1, backoff_factor=0.2,
                                      status_forcelist=[500, 502, 503, 504]),
            )
            self._client = Minio(self.endpoint, access_key=self._access_key, secret_key=self._secret_key,
                                 secure=self.secure, region=self.region, http_client=http)
        return self._client

    def bucket_for(self, area: str) -> str:
        bucket = self.bucket_prefix + area
        if not _BUCKET_NAME.match(bucket):
            raise InvalidKey(f"area {area!r} gives the bucket name {bucket!r}, which S3 does not allow",
                             hint="The first key segment must be lower-case letters, digits or '-'.")
        return bucket

    @property
    def conditional_writes(self) -> bool:
        return self._conditional_writes

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None,
            _condition: dict[str, str] | None = None) -> ObjectInfo:
        bucket, name = self._locate(key)
        digest = sha256_hex(data)
        user_meta = {str(k).lower(): str(v) for k, v in (metadata or {}).items() if str(k).lower() != "sha256"}
        wire_meta = {k: quote(v, safe=_SAFE_META_CHARS) for k, v in user_meta.items()}
        wire_meta["sha256"] = digest
        with _mapped_errors(key):
            try:
                written = self._put(bucket, name, data, wire_meta, _condition)
            except (S3Error, InvalidResponseError) as exc:
                if _s3_code(exc) != "NoSuchBucket":
                    raise
                self._make_bucket(bucket)
                written = self._put(bucket, name, data, wire_meta, _condition)
        return ObjectInfo(key=key, size=len(data), sha256=digest, metadata=user_meta, version=written.etag)

    def put_if(self, key: str, data: bytes, expected: str | None) -> ObjectInfo:
        condition = {"If-None-Match": "*"} if expected is None else {"If-Match": f'"{expected}"'}
        return self.put(key, data, _condition=condition)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        bucket, name = self._locate(key)
        try:
            with _mapped_errors(key):
                response = self.client.get_object(bucket, name)
                try:
                    return response.read(), (response.headers.get("etag") or "").strip('"')
                finally:
                    response.close()
                    response.release_conn()
        except ObjectNotFound:
            return None

    def list_versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        area, slash, rest = prefix.partition("/")
        if not slash:
            yield from super().list_versions(prefix)
            return
        validate_key(prefix.rstrip("/"))
        try:
            with _mapped_errors(prefix):
                found = [(f"{area}/{obj.object_name}", (obj.etag or "").strip('"')) for obj in
                         self.client.list_objects(self.bucket_for(area), prefix=rest or None, recursive=True)
                         if not obj.is_dir]
        except ObjectNotFound:
            return
        yield from sorted(found)

    def get(self, key: str) -> bytes:
        bucket, name = self._locate(key)
        with _mapped_errors(key):
            response = self.client.get_object(bucket, name)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def stat(self, key: str) -> ObjectInfo:
        bucket, name = self._locate(key)
        with _mapped_errors(key):
            found = self.client.stat_object(bucket, name)
        metadata = {}
        for header, value in (found.metadata or {}).items():
            header = header.lower()
            if header.startswith(_META_HEADER):
                metadata[header[len(_META_HEADER):]] = unquote(value)
        sha256 = metadata.pop("sha256", None)
        return ObjectInfo(key=key, size=found.size or 0, sha256=sha256, metadata=metadata,
                          version=(found.etag or "").strip('"') or None)

    def delete(self, key: str) -> None:
        bucket, name = self._locate(key)
        try:
            with _mapped_errors(key):
                self.client.remove_object(bucket, name)
        except ObjectNotFound:
            pass

    def list(self, prefix: str) -> Iterator[str]:
        if prefix.rstrip("/"):
            validate_key(prefix.rstrip("/"))
        area, slash, rest = prefix.partition("/")
        if slash:
            areas = [area]
        else:
            with _mapped_errors(prefix):
                buckets = [b.name for b in self.client.list_buckets()]
            areas = [b[len(self.bucket_prefix):] for b in buckets
                     if b.startswith(self.bucket_prefix + area)]
        keys: list[str] = []
        for name in areas:
            keys.extend(f"{name}/{obj}" for obj in self._list_bucket(self.bucket_for(name), rest, prefix))
        # S3 lists in key order, but rclone walks folders; sorting once makes every backend agree.
        return iter(sorted(keys))

    def unlisted(self, prefix: str) -> Iterator[tuple[str, str]]:
        # Folder markers (zero-byte objects named "…/") that consoles create for empty folders.
        area, _, rest = prefix.partition("/")
        try:
            with _mapped_errors(prefix):
                names = [obj.object_name for obj in self.client.list_objects(
                    self.bucket_for(area), prefix=rest or None, recursive=True) if obj.is_dir]
        except ObjectNotFound:
            return iter(())
        return iter(sorted((f"{area}/{name}", "empty_folder") for name in names))

    def _list_bucket(self, bucket: str, object_prefix: str, prefix: str) -> list[str]:
        try:
            with _mapped_errors(prefix):
                return [obj.object_name for obj in
                        self.client.list_objects(bucket, prefix=object_prefix or None, recursive=True)
                        if not obj.is_dir]
        except ObjectNotFound:
            return []

    def _locate(self, key: str) -> tuple[str, str]:
        validate_key(key)
        area, slash, name = key.partition("/")
        if not slash:
            raise InvalidKey(f"object key {key[:80]!r} has no object name after the area",
                             hint="Keys look like 'intake/{batch}/…'; the first segment is the area.")
        return self.bucket_for(area), name

    def _put(self, bucket: str, name: str, data: bytes, metadata: dict[str, str],
             condition: dict[str, str] | None):
        if condition is None:
            return self.client.put_object(bucket, name, io.BytesIO(data), len(data), metadata=metadata)
        # put_object takes no request headers; the single-part upload it makes underneath does.
        headers = {"Content-Type": "application/octet-stream", **{_META_HEADER + k: v for k, v in metadata.items()},
                   **condition}
        return self.client._put_object(bucket, name, data, headers=headers)

    def _make_bucket(self, bucket: str) -> None:
        try:
            self.client.make_bucket(bucket, location=self.region)
        except (S3Error, InvalidResponseError) as exc:
            if _s3_code(exc) not in _BUCKET_EXISTS_CODES:
                raise


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


def _s3_code(exc: S3Error | InvalidResponseError) -> str | None:
    """The S3 error code; minio wraps errors sent as ``text/xml`` (rclone does) as non-XML."""
    if isinstance(exc, S3Error):
        return exc.code
    found = _XML_CODE.search(exc._body or "")
    return found.group(1) if found else None


def _http_status(exc: S3Error | InvalidResponseError) -> int:
    if isinstance(exc, S3Error):
        return exc.response.status if exc.response is not None else 0
    return int(exc._code or 0)


def translate_error(exc: BaseException, key: str) -> ZcpsError:
    """Map a minio/urllib3 failure to the zcps error the flow acts on (retry or not)."""
    if isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)):
        return StoreUnavailable(f"{key}: {_connection_problem(exc)}")
    if isinstance(exc, ServerError):
        return StoreUnavailable(f"{key}: the object store answered HTTP {exc.status_code}")
    if isinstance(exc, (S3Error, InvalidResponseError)):
        code, status = _s3_code(exc), _http_status(exc)
        if code in _CONFLICT_CODES or (code is None and status == 412):
            return WriteConflict(f"{key}: changed since it was read")
        if code in _NOT_FOUND_CODES or (code is None and status == 404):
            return ObjectNotFound(f"no object at {key}")
        if code in _DENIED_CODES or (code is None and status == 403):
            return StoreAccessDenied(f"{key}: {code or 'HTTP 403'}")
        if code in _BAD_KEY_CODES:
            return InvalidKey(f"object key {key[:80]!r} refused by the store ({code})")
        if code in _BUSY_CODES or status >= 500:
            return StoreUnavailable(f"{key}: the object store answered {code or status}")
        return ZcpsError(f"{key}: unexpected object-store error {code or status}")
    return ZcpsError(f"{key}: unexpected {type(exc).__name__} from the object store")


def _connection_problem(exc: BaseException) -> str:
    """What went wrong on the wire, in a few words (urllib3 wraps the cause in MaxRetryError)."""
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
    # NameResolutionError < NewConnectionError < ConnectTimeoutError in urllib3 2: most specific first.
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        return "host name not found"
    if isinstance(cause, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
        return "connection refused" if "refused" in str(cause).lower() else "cannot connect"
    if isinstance(cause, (urllib3.exceptions.ConnectTimeoutError, TimeoutError)):
        return "connection timed out"
    if isinstance(cause, urllib3.exceptions.ResponseError):
        return f"the server kept answering with errors: {cause}"
    return f"{type(cause).__name__} talking to the object store"


@contextmanager
def _mapped_errors(key: str):
    try:
        yield
    except ZcpsError:
        raise
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError, S3Error, InvalidResponseError,
            ServerError) as exc:
        raise translate_error(exc, key) from exc
