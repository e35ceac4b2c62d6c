"""The object-store interface every backend implements, and object-key validation."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from zcps.errors import InvalidKey


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    version: str | None = None  # changes with every write of the key (S3: the ETag); None when unknown


def validate_key(key: str) -> str:
    """Reject keys that could escape a root or alias another object."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("empty object key")
    problem = None
    if "\x00" in key:
        problem = "contains NUL"
    elif "\\" in key:
        problem = "contains a backslash"
    elif key.startswith("/"):
        problem = "is absolute"
    elif any(seg in ("", ".", "..") for seg in key.split("/")):
        problem = "has an empty, '.' or '..' segment"
    elif any(ord(ch) < 32 for ch in key):
        problem = "contains a control character"
    elif len(key.encode()) > 1024:
        problem = "is longer than 1024 bytes"
    if problem:
        raise InvalidKey(f"object key {key[:80]!r} {problem}")
    return key


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ObjectStore(abc.ABC):
    """Keys look like ``intake/2024/unit/applicant/docs/file.jpg``; the first segment is the area."""

    @abc.abstractmethod
    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> ObjectInfo: ...

    @abc.abstractmethod
    def get(self, key: str) -> bytes: ...

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo: ...

    @abc.abstractmethod
    def list(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix`` (a folder-like prefix ending in '/' or a key prefix), sorted."""

    @abc.abstractmethod
    def delete(self, key: str) -> None: ...

    def list_versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        """(key, version) under ``prefix``, sorted: S3 lists both in one request per 1,000 keys."""
        for key in self.list(prefix):
            yield key, self.stat(key).version or ""

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        """The content and the version it has (read together), or None when the key does not exist."""
        from zcps.errors import ObjectNotFound

        try:
            data = self.get(key)
        except ObjectNotFound:
            return None
        return data, sha256_hex(data)

    def put_if(self, key: str, data: bytes, expected: str | None) -> ObjectInfo:
        """Write only if the key is still at version ``expected`` (None: only if it does not exist),
        else raise ``WriteConflict``. A store without ``conditional_writes`` writes unconditionally."""
        return self.put(key, data)

    @property
    def conditional_writes(self) -> bool:
        """Whether ``put_if`` really refuses a write that lost a race (else the last writer wins)."""
        return False

    def unlisted(self, prefix: str) -> Iterator[tuple[str, str]]:
        """What exists under ``prefix`` but ``list`` leaves out, as (key, reason) pairs, so intake can
        show it: ``empty_folder`` (key ends in '/'), ``symlink``, ``reserved_name``."""
        return iter(())

    def exists(self, key: str) -> bool:
        from zcps.errors import ObjectNotFound

        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def get_optional(self, key: str) -> bytes | None:
        """The object's content, or None when it does not exist: one request instead of stat + get."""
        from zcps.errors import ObjectNotFound

        try:
            return self.get(key)
        except ObjectNotFound:
            return None

    def sha256(self, key: str) -> str:
        info = self.stat(key)
        return info.sha256 or sha256_hex(self.get(key))

    @property
    @abc.abstractmethod
    def url(self) -> str:
        """A URL that rebuilds an equivalent store in another process (no credentials in it)."""
