"""The embedded object store: a local folder whose files follow the object keys one to one.

User metadata and the content sha256 live in a sidecar tree ``{root}/.zcps-meta/{key}.json``.
Every name starting with ``.zcps-`` (the sidecar tree, temporary files of in-flight writes) is
reserved: such keys are refused and ``list`` never returns them, so sidecars cannot collide with
real objects.

An object's version is the identity of its file (inode, size, mtime): every write renames a new
file into place, so it changes with each write. ``put_if`` compares and writes under an exclusive
``flock`` on ``{root}/.zcps-meta/{key}.lock``, which every process on this machine honours.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.base import ObjectInfo, ObjectStore, sha256_hex, validate_key
from zcps.errors import InvalidKey, ObjectNotFound, StoreAccessDenied, StoreUnavailable, WriteConflict

RESERVED_PREFIX = ".zcps-"
META_DIR = ".zcps-meta"
MAX_NAME_BYTES = 255  # NAME_MAX of Linux file systems
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class LocalStore(ObjectStore):
    def __init__(self, root: Path | str):
        self.root = Path(root).absolute()
        self._real_root = Path(os.path.realpath(self.root))

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def __reduce__(self):
        # The resolved root is recomputed where the store is unpickled; symlinks may differ there.
        return (LocalStore, (self.root,))

    @property
    def url(self) -> str:
        return self.root.as_uri()

    def put(self, key: str, data: bytes, metadata: dict[str, str] | None = None) -> ObjectInfo:
        with _mapped_os_errors(key, self.root):
            return self._put(key, data, metadata)

    def _put(self, key: str, data: bytes, metadata: dict[str, str] | None) -> ObjectInfo:
        path = self._path(key)
        if len(path.name.encode()) > MAX_NAME_BYTES - len(".json"):
            # The sidecar is "{name}.json": refuse here rather than fail half-way with ENAMETOOLONG.
            raise InvalidKey(f"object key {key[:80]!r} has a last segment too long for its metadata sidecar")
        meta_path = self._meta_path(key)
        for folder in (path.parent, meta_path.parent):
            self._make_dirs(folder, key)
        digest = sha256_hex(data)
        user_meta = _normalise_metadata(metadata)
        tmp = _write_temp(path.parent, data)
        version = _version(os.stat(tmp))
        try:
            # The sidecar names the exact file it describes (the identity of the temp file that is
            # about to be renamed into place), so a crash between the two renames leaves a sidecar
            # that no longer matches and is ignored instead of vouching for the old content.
            sidecar = {"sha256": digest, "file": _identity(os.stat(tmp)), "metadata": user_meta}
            meta_tmp = _write_temp(meta_path.parent, json.dumps(sidecar, ensure_ascii=False).encode())
            os.replace(meta_tmp, meta_path)
            os.replace(tmp, path)
        except IsADirectoryError:
            Path(tmp).unlink(missing_ok=True)
            raise InvalidKey(f"object key {key[:80]!r} names a folder of other objects") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return ObjectInfo(key=key, size=len(data), sha256=digest, metadata=user_meta, version=version)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        with _mapped_os_errors(key, self.root):
            path = self._path(key)
            try:
                # fstat of the open file: a rename into place meanwhile cannot pair new bytes with an old version.
                with path.open("rb") as handle:
                    return handle.read(), _version(os.fstat(handle.fileno()))
            except (FileNotFoundError, IsADirectoryError):
                return None

    def put_if(self, key: str, data: bytes, expected: str | None) -> ObjectInfo:
        lock_path = self._meta_path(key).with_name(self._meta_path(key).name[:-len(".json")] + ".lock")
        with _mapped_os_errors(key, self.root):
            self._make_dirs(lock_path.parent, key)
            with lock_path.open("a") as lock:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                try:
                    path = self._path(key)
                    current = _version(path.stat()) if path.is_file() else None
                    if current != expected:
                        raise WriteConflict(f"{key[:120]}: changed since it was read")
                    return self._put(key, data, None)
                finally:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    @property
    def conditional_writes(self) -> bool:
        return True

    def list_versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        for key in self.list(prefix):
            try:
                yield key, _version(self._path(key).stat())
            except FileNotFoundError:  # deleted since the listing
                continue

    def get(self, key: str) -> bytes:
        with _mapped_os_errors(key, self.root):
            return self._existing(key).read_bytes()

    def stat(self, key: str) -> ObjectInfo:
        with _mapped_os_errors(key, self.root):
            path = self._existing(key)
            info = path.stat()
        sidecar = self._read_sidecar(key)
        if sidecar and sidecar.get("file") == _identity(info):
            return ObjectInfo(key=key, size=info.st_size, sha256=sidecar.get("sha256"),
                              metadata=dict(sidecar.get("metadata") or {}), version=_version(info))
        return ObjectInfo(key=key, size=info.st_size, version=_version(info))

    def delete(self, key: str) -> None:
        path = self._path(key)
        meta_path = self._meta_path(key)
        with _mapped_os_errors(key, self.root):
            if path.is_file():
                path.unlink()
            meta_path.unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        folder, name_start = _split_prefix(prefix)
        _refuse_reserved(prefix, prefix.split("/"))
        start_dir = self.root.joinpath(*folder.split("/")) if folder else self.root
        if not self._is_inside(start_dir):
            return iter(())
        base = f"{folder}/" if folder else ""
        # Sorting whole keys (not per folder) gives S3's order: "a/b-c" sorts before "a/b/x".
        with _mapped_os_errors(prefix, self.root):
            return iter(sorted(_walk(start_dir, base, name_start)))

    def unlisted(self, prefix: str) -> Iterator[tuple[str, str]]:
        folder, name_start = _split_prefix(prefix)
        start_dir = self.root.joinpath(*folder.split("/")) if folder else self.root
        if not self._is_inside(start_dir):
            return iter(())
        base = f"{folder}/" if folder else ""
        return iter(sorted(_walk_unlisted(start_dir, base, name_start)))

    def _path(self, key: str) -> Path:
        validate_key(key)
        parts = key.split("/")
        _refuse_reserved(key, parts)
        if any(len(part.encode()) > MAX_NAME_BYTES for part in parts):
            raise InvalidKey(f"object key {key[:80]!r} has a segment longer than {MAX_NAME_BYTES} bytes, "
                             "which a local folder cannot hold")
        path = self.root.joinpath(*parts)
        self._check_inside(path, key)
        return path

    def _meta_path(self, key: str) -> Path:
        *folders, name = key.split("/")
        return self.root.joinpath(META_DIR, *folders, name + ".json")

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object at {key}")
        return path

    def _read_sidecar(self, key: str) -> dict | None:
        try:
            return json.loads(self._meta_path(key).read_bytes())
        except (OSError, ValueError):
            return None

    def _is_inside(self, path: Path) -> bool:
        return Path(os.path.realpath(path)).is_relative_to(self._real_root)

    def _check_inside(self, path: Path, key: str) -> None:
        # realpath follows every symlink already on disk, so a link planted inside the root that
        # points elsewhere is caught here, not only literal '..' segments (validate_key does those).
        if not self._is_inside(path):
            raise InvalidKey(f"object key {key[:80]!r} resolves outside the store root")

    def _make_dirs(self, folder: Path, key: str) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidKey(f"object key {key[:80]!r} runs through an existing object") from None
        self._check_inside(folder, key)


@contextmanager
def _mapped_os_errors(key: str, root: Path):
    """The folder's refusals as the errors every store raises: denied is one clear, non-retried error."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _DENIED_ERRNOS:
            raise StoreAccessDenied(f"{key[:80]}: {exc.strerror}",
                                    hint=f"The store folder {root} refuses this user ({os.strerror(exc.errno)}); "
                                         "make it writable by the account zcps runs as, or point "
                                         "ZCPS_STORE_URL at a writable folder.") from None
        if exc.errno in _FULL_ERRNOS:
            raise StoreUnavailable(f"{key[:80]}: {exc.strerror}",
                                   hint=f"The file system of {root} is full; free space, then "
                                        "`zcps rerun --failed`.") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InvalidKey(f"object key {key[:80]!r} has a name longer than the file system allows") from None
        raise


def _identity(info: os.stat_result) -> list[int]:
    """What survives ``os.replace`` unchanged and changes with any rewrite of the file."""
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def _version(info: os.stat_result) -> str:
    return "-".join(str(part) for part in _identity(info))


def _refuse_reserved(key: str, parts: list[str]) -> None:
    if any(part.startswith(RESERVED_PREFIX) for part in parts):
        raise InvalidKey(f"object key {key[:80]!r} uses the reserved name prefix {RESERVED_PREFIX!r}")


def _normalise_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    # S3 metadata keys are case-insensitive; lower-casing keeps both backends alike. "sha256" is
    # the store's own entry (always the digest of the stored bytes), never a caller's value.
    items = ((str(k).lower(), str(v)) for k, v in (metadata or {}).items())
    return {k: v for k, v in items if k != "sha256"}


def _write_temp(folder: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=RESERVED_PREFIX + "tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _split_prefix(prefix: str) -> tuple[str, str]:
    """``"a/b/c"`` → (``"a/b"``, ``"c"``): the folder to walk and the start of names in it."""
    if prefix:
        folder = prefix.rstrip("/")
        if folder:
            validate_key(folder)
    folder, _, name_start = prefix.rpartition("/")
    return folder, name_start


def _walk(folder: Path, base: str, name_start: str = "") -> Iterator[str]:
    """Keys of regular files below ``folder``; symlinks are never followed, so nothing outside the
    root is listed, and only top-level names starting with ``name_start`` are entered."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if not entry.name.startswith(name_start):
            continue
        if entry.name.startswith(RESERVED_PREFIX) or entry.is_symlink():
            continue
        key = base + entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), key + "/")
        elif entry.is_file(follow_symlinks=False):
            yield key


def _walk_unlisted(folder: Path, base: str, name_start: str = "") -> Iterator[tuple[str, str]]:
    """What ``_walk`` skips below ``folder``: symlinks, reserved names, empty folders."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    if not entries and not name_start and base:
        yield base, "empty_folder"
    for entry in entries:
        if not entry.name.startswith(name_start) or (not base and entry.name == META_DIR):
            continue
        key = base + entry.name
        if entry.is_symlink():
            yield key, "symlink"
        elif entry.name.startswith(RESERVED_PREFIX):
            yield key, "reserved_name"
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk_unlisted(Path(entry.path), key + "/")
