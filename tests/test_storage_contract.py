"""One contract for every ObjectStore backend (the ``store`` fixture runs each test on local and S3)."""

from __future__ import annotations

import os
import pickle
import time

import pytest
import urllib3
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.base import ObjectStore, sha256_hex
from storage.factory import STORE_OPENERS, open_store
from storage.local import LocalStore
from storage.s3 import S3Store, translate_error
from zcps.errors import (ConfigError, InvalidKey, ObjectNotFound, StoreAccessDenied, StoreUnavailable, WriteConflict,
                         ZcpsError)
from zcps.settings import Settings

@pytest.fixture(autouse=True)
def _no_ambient_zcps_env(monkeypatch):
    for name in [n for n in os.environ if n.startswith("ZCPS_")]:
        monkeypatch.delenv(name)


CHINESE_KEY = "intake/2024/呼和浩特供电分公司/2024-HH-0007/docs/学历证书 扫描（1）.jpg"
LISTING_KEYS = [
    "work/a/b-c.txt",
    "work/a/b/1.json",
    "work/a/b/2/x.json",
    "work/a/bc/x",
    "results/a/b/other-area.json",
]


def test_put_get_stat_round_trip(store: ObjectStore):
    data = b"%PDF-1.7 fake bytes"
    info = store.put("intake/2024/u1/a1/docs/01.pdf", data, {"Content-Kind": "pdf", "note": "学历 50%"})
    assert (info.size, info.sha256) == (len(data), sha256_hex(data))
    assert store.get("intake/2024/u1/a1/docs/01.pdf") == data
    stat = store.stat("intake/2024/u1/a1/docs/01.pdf")
    assert (stat.key, stat.size, stat.sha256) == ("intake/2024/u1/a1/docs/01.pdf", len(data), sha256_hex(data))
    assert stat.metadata == {"content-kind": "pdf", "note": "学历 50%"}
    assert store.sha256("intake/2024/u1/a1/docs/01.pdf") == sha256_hex(data)


def test_caller_cannot_forge_the_sha256(store: ObjectStore):
    store.put("work/forged.bin", b"real", {"sha256": "0" * 64})
    assert store.stat("work/forged.bin").sha256 == sha256_hex(b"real")
    assert "sha256" not in store.stat("work/forged.bin").metadata


def test_overwrite_replaces_content_and_metadata(store: ObjectStore):
    store.put("work/x/item.json", b"first", {"version": "1", "only-first": "yes"})
    store.put("work/x/item.json", b"second!", {"version": "2"})
    stat = store.stat("work/x/item.json")
    assert store.get("work/x/item.json") == b"second!"
    assert (stat.size, stat.sha256, stat.metadata) == (7, sha256_hex(b"second!"), {"version": "2"})
    assert list(store.list("work/x/")) == ["work/x/item.json"]


def test_exists_and_delete(store: ObjectStore):
    store.put("results/b/state/u/a/f.json", b"{}")
    assert store.exists("results/b/state/u/a/f.json")
    assert not store.exists("results/b/state/u/a/g.json")
    store.delete("results/b/state/u/a/f.json")
    assert not store.exists("results/b/state/u/a/f.json")
    store.delete("results/b/state/u/a/f.json")  # deleting a missing key is a no-op, as on S3
    assert list(store.list("results/")) == []


@pytest.mark.parametrize("read", ["get", "stat", "sha256"])
@pytest.mark.parametrize("key", ["work/missing.json", "release/never/created/bucket.json"])
def test_missing_key_raises_object_not_found(store: ObjectStore, read: str, key: str):
    store.put("work/present.json", b"1")
    with pytest.raises(ObjectNotFound):
        getattr(store, read)(key)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("work/a/b/", ["work/a/b/1.json", "work/a/b/2/x.json"]),
        ("work/a/b", LISTING_KEYS[:4]),
        ("work/a/bc", ["work/a/bc/x"]),
        ("work/a/b/2/", ["work/a/b/2/x.json"]),
        ("work/a/", LISTING_KEYS[:4]),
        ("work/", LISTING_KEYS[:4]),
        ("work", LISTING_KEYS[:4]),
        ("results/", ["results/a/b/other-area.json"]),
        ("work/a/b/1.json", ["work/a/b/1.json"]),
        ("work/a/b/1.jso", ["work/a/b/1.json"]),
        ("work/z/", []),
        ("intake/", []),
        ("work/a/b/1.json/", []),
    ],
)
def test_list_by_prefix_is_sorted_and_respects_boundaries(store: ObjectStore, prefix: str, expected: list[str]):
    for key in reversed(LISTING_KEYS):
        store.put(key, key.encode(), {"tag": "x"})
    assert list(store.list(prefix)) == expected


def test_unicode_keys_round_trip(store: ObjectStore):
    store.put(CHINESE_KEY, "证书".encode())
    assert store.get(CHINESE_KEY) == "证书".encode()
    assert list(store.list("intake/2024/呼和浩特供电分公司/")) == [CHINESE_KEY]


def test_five_megabyte_object(store: ObjectStore):
    data = os.urandom(5 * 1024 * 1024 + 17)
    info = store.put("intake/2024/u/a/docs/big.tif", data)
    assert store.get("intake/2024/u/a/docs/big.tif") == data
    assert info.sha256 == store.stat("intake/2024/u/a/docs/big.tif").sha256 == sha256_hex(data)


BAD_KEYS = ["..", "a/../b", "/abs", "a//b", "a\\b", "a/\x00b", "", "./a", "a/\x07b", "work/../../etc/passwd"]
METHODS = {
    "put": lambda s, k: s.put(k, b"x"),
    "get": lambda s, k: s.get(k),
    "stat": lambda s, k: s.stat(k),
    "exists": lambda s, k: s.exists(k),
    "delete": lambda s, k: s.delete(k),
    "sha256": lambda s, k: s.sha256(k),
    "list": lambda s, k: list(s.list(k)),
}


# An empty prefix is a valid listing of everything, so ("list", "") is not a bad-key case.
BAD_KEY_CALLS = [(method, key) for method in sorted(METHODS) for key in BAD_KEYS if (method, key) != ("list", "")]


@pytest.mark.parametrize(("method", "key"), BAD_KEY_CALLS)
def test_bad_keys_are_rejected_by_every_method(store: ObjectStore, method: str, key: str):
    with pytest.raises(InvalidKey):
        METHODS[method](store, key)
    assert list(store.list("")) == []


@pytest.mark.parametrize(
    ("key", "hint"),
    [("work/ok.json", None), ("work/a.b/c-d_e.json", None), ("Work/x", "bucket"), ("under_score/x", "bucket"),
     ("work", "no object name")],
)
def test_s3_area_must_make_a_bucket_name(s3_env, key: str, hint: str | None):
    store = open_store(settings=s3_env)
    if hint is None:
        store.put(key, b"1")
        assert store.get(key) == b"1"
    else:
        with pytest.raises(InvalidKey, match=hint):
            store.put(key, b"1")


def test_open_store_from_url_and_pickle_rebuild_the_same_store(store: ObjectStore):
    store.put("work/shared.json", b"shared")
    for rebuilt in (open_store(store.url), pickle.loads(pickle.dumps(store))):
        assert type(rebuilt) is type(store)
        assert rebuilt.url == store.url
        assert rebuilt.get("work/shared.json") == b"shared"


def test_s3_url_and_pickle_carry_no_credentials(s3_env):
    store = open_store(settings=s3_env)
    secret = s3_env.s3_secret_key.get_secret_value()
    assert secret not in store.url and secret.encode() not in pickle.dumps(store)
    assert "bucket_prefix=" + s3_env.bucket_prefix in store.url


@pytest.mark.parametrize("operation", ["get", "put", "list", "exists"])
def test_unreachable_s3_fails_fast_as_transient(closed_loopback_port: int, operation: str):
    closed_port = closed_loopback_port
    store = S3Store(f"127.0.0.1:{closed_port}", "zcpstestaccesskey", "zcpstestsecretkey0123456789")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        {"get": lambda: store.get("work/x"), "put": lambda: store.put("work/x", b"1"),
         "list": lambda: list(store.list("work/")), "exists": lambda: store.exists("work/x")}[operation]()
    assert time.monotonic() - started < 15
    assert caught.value.transient and caught.value.code == "E_STORE_UNAVAILABLE"


@pytest.mark.parametrize("operation", ["get", "put", "list"])
def test_wrong_s3_secret_is_access_denied_not_transient(s3_server, operation: str):
    store = S3Store(s3_server.endpoint, s3_server.access_key, "wrong-secret-key-000000", region=s3_server.region)
    with pytest.raises(StoreAccessDenied) as caught:
        {"get": lambda: store.get("work/x"), "put": lambda: store.put("work/x", b"1"),
         "list": lambda: list(store.list("work/"))}[operation]()
    assert not caught.value.transient and caught.value.code == "E_STORE_DENIED"


@pytest.fixture
def outside(tmp_path):
    target = tmp_path / "outside"
    target.mkdir()
    (target / "secret.txt").write_bytes(b"not yours")
    return target


@pytest.mark.parametrize(
    ("operation", "key"),
    [
        ("put", "evil/new.txt"), ("put", "evil/secret.txt"), ("put", "link.txt"), ("put", "evil/deeper/x"),
        ("get", "evil/secret.txt"), ("get", "link.txt"), ("stat", "link.txt"), ("delete", "evil/secret.txt"),
        ("delete", "link.txt"), ("list", "evil/"), ("list", "evil"),
    ],
)
def test_local_store_never_touches_anything_outside_root(tmp_path, outside, operation: str, key: str):
    root = tmp_path / "root"
    root.mkdir()
    (root / "evil").symlink_to(outside, target_is_directory=True)
    (root / "link.txt").symlink_to(outside / "secret.txt")
    store = LocalStore(root)
    if operation == "list":
        assert list(store.list(key)) == [] and list(store.list("")) == []
    else:
        with pytest.raises(InvalidKey):
            {"put": lambda: store.put(key, b"pwned"), "get": lambda: store.get(key),
             "stat": lambda: store.stat(key), "delete": lambda: store.delete(key)}[operation]()
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"not yours"


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("key", [".zcps-meta/work/a.json", "work/.zcps-tmp-1", ".zcps-meta/", ".zcps-"])
def test_local_reserved_names_are_refused(tmp_path, method: str, key: str):
    store = LocalStore(tmp_path / "root")
    store.put("work/a.json", b"1", {"k": "v"})
    with pytest.raises(InvalidKey):
        METHODS[method](store, key)
    assert store.get("work/a.json") == b"1"


def test_local_sidecars_and_temp_files_never_listed(tmp_path):
    store = LocalStore(tmp_path / "root")
    store.put("work/a.json", b"1", {"k": "v"})
    (tmp_path / "root" / "work" / ".zcps-tmp-leftover").write_bytes(b"crash debris")
    assert list(store.list("")) == ["work/a.json"]
    assert store.stat("work/a.json").metadata == {"k": "v"}


def test_local_sidecar_for_other_content_is_ignored(tmp_path):
    store = LocalStore(tmp_path / "root")
    store.put("work/a.json", b"old", {"k": "v"})
    (tmp_path / "root" / "work" / "a.json").write_bytes(b"changed behind the store's back")
    assert store.stat("work/a.json").sha256 is None
    assert store.sha256("work/a.json") == sha256_hex(b"changed behind the store's back")


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


CREDS = dict(s3_access_key="ak-0123456789", s3_secret_key="sk-0123456789")


@pytest.mark.parametrize(
    ("url", "values", "expected"),
    [
        ("s3://minio.local:9000", CREDS, ("minio.local:9000", False, "")),
        ("s3://minio.local:9000", {**CREDS, "s3_secure": True, "bucket_prefix": "zcps-"},
         ("minio.local:9000", True, "zcps-")),
        ("http://10.0.0.5:9000", {**CREDS, "s3_secure": True}, ("10.0.0.5:9000", False, "")),
        ("https://10.0.0.5:9000", CREDS, ("10.0.0.5:9000", True, "")),
        ("s3://h:1?secure=true&bucket_prefix=p-", CREDS, ("h:1", True, "p-")),
        ("s3://h:1/", CREDS, ("h:1", False, "")),
    ],
)
def test_open_store_s3_urls(url: str, values: dict, expected: tuple):
    store = open_store(url, _settings(**values))
    assert isinstance(store, S3Store)
    assert (store.endpoint, store.secure, store.bucket_prefix) == expected
    assert open_store(store.url, _settings(**CREDS)).url == store.url


def test_open_store_reads_secret_files(tmp_path):
    (tmp_path / "ak").write_text("ak-from-file\n")
    (tmp_path / "sk").write_text("sk-from-file\n")
    store = open_store("s3://h:1", _settings(s3_access_key_file=tmp_path / "ak", s3_secret_key_file=tmp_path / "sk"))
    assert (store._access_key, store._secret_key) == ("ak-from-file", "sk-from-file")


@pytest.mark.parametrize("form", ["file://{p}", "{p}", "file://{uri_path}"])
def test_open_store_local_forms(tmp_path, form: str):
    target = tmp_path / "数据 dir"
    url = form.format(p=target, uri_path=target.as_uri()[len("file://"):])
    store = open_store(url, _settings())
    assert isinstance(store, LocalStore) and store.root == target


def test_open_store_relative_path_is_relative_to_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert open_store("file://./zcps-data", _settings()).root == tmp_path / "zcps-data"
    assert open_store("data/store", _settings()).root == tmp_path / "data" / "store"


@pytest.mark.parametrize(
    ("url", "values", "message"),
    [
        ("ftp://h:21", CREDS, "scheme"),
        ("s3://h:9000", {}, "credentials are not set"),
        ("s3://h:9000", {"s3_access_key": "only-access"}, "credentials are not set"),
        ("s3://user:pass@h:9000", CREDS, "carries credentials"),
        ("s3://h:9000/bucket", CREDS, "has a path"),
        ("s3://h:9000?colour=blue", CREDS, "unknown store URL parameter"),
        ("s3://h:9000?secure=maybe", CREDS, "yes/no"),
        ("s3://", CREDS, "no host"),
        ("file://", {}, "no folder"),
        ("file:relative", {}, "not file://DIR"),  # near miss of file://relative
    ],
)
def test_open_store_rejects_bad_configuration(url: str, values: dict, message: str):
    with pytest.raises(ConfigError, match=message):
        open_store(url, _settings(**values))


SCHEME_CASES = [("", "{p}", LocalStore), ("file", "file://{p}", LocalStore), ("s3", "s3://h:9000", S3Store),
                ("http", "http://h:9000", S3Store), ("https", "https://h:9000", S3Store)]


@pytest.mark.parametrize(("scheme", "url", "kind"), SCHEME_CASES)
def test_each_scheme_of_the_table_opens_its_store_class(tmp_path, scheme, url, kind):
    store = open_store(url.format(p=tmp_path / "s"), _settings(**CREDS))
    assert type(store) is kind
    assert {case[0] for case in SCHEME_CASES} == set(STORE_OPENERS)


def test_s3_store_fails_while_the_server_is_down_and_recovers(s3_server, s3_env):
    store = open_store(settings=s3_env)
    store.put("work/restart.json", b"kept", {"k": "v"})
    s3_server.stop()
    try:
        with pytest.raises(StoreUnavailable):
            store.get("work/restart.json")
    finally:
        s3_server.start()
    assert store.get("work/restart.json") == b"kept"
    # rclone keeps metadata in memory only: after a restart the digest is recomputed from the bytes.
    assert store.sha256("work/restart.json") == sha256_hex(b"kept")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (urllib3.exceptions.MaxRetryError(None, "/b/k"), StoreUnavailable),
        (urllib3.exceptions.ProtocolError("Connection aborted"), StoreUnavailable),
        (urllib3.exceptions.ReadTimeoutError(None, "/b/k", "read timed out"), StoreUnavailable),
        (ConnectionResetError(), StoreUnavailable),
        (TimeoutError(), StoreUnavailable),
        (ServerError("server failed", 503), StoreUnavailable),
        (InvalidResponseError(503, "text/xml", "<Error><Code>SlowDown</Code></Error>"), StoreUnavailable),
        (InvalidResponseError(502, "text/html", "<html>bad gateway</html>"), StoreUnavailable),
        (InvalidResponseError(404, "text/xml", "<Error><Code>NoSuchBucket</Code></Error>"), ObjectNotFound),
        (InvalidResponseError(404, "text/plain", None), ObjectNotFound),
        (InvalidResponseError(403, "text/xml", "<Error><Code>InvalidAccessKeyId</Code></Error>"), StoreAccessDenied),
        (InvalidResponseError(400, "text/xml", "<Error><Code>InvalidArgument</Code></Error>"), InvalidKey),
        (InvalidResponseError(409, "text/xml", "<Error><Code>BucketNotEmpty</Code></Error>"), ZcpsError),
        (S3Error(None, "NoSuchKey", "gone", "/b/k", None, None), ObjectNotFound),
        (S3Error(None, "AccessDenied", "no", "/b/k", None, None), StoreAccessDenied),
        (S3Error(None, "SignatureDoesNotMatch", "no", "/b/k", None, None), StoreAccessDenied),
        (S3Error(None, "PreconditionFailed", "no", "/b/k", None, None), WriteConflict),
        (InvalidResponseError(412, "text/plain", None), WriteConflict),
        (InvalidResponseError(409, "text/xml", "<Error><Code>ConditionalRequestConflict</Code></Error>"),
         WriteConflict),
        (S3Error(None, "PreconditionRequired", "no", "/b/k", None, None), ZcpsError),
    ],
)
def test_s3_errors_map_to_zcps_errors(error: Exception, expected: type):
    translated = translate_error(error, "work/k.json")
    assert type(translated) is expected
    assert translated.transient == (expected in (StoreUnavailable, WriteConflict))
    assert "work/k.json" in translated.message


def test_get_optional_returns_content_or_none(store: ObjectStore):
    assert store.get_optional("results/b/missing.json") is None
    store.put("results/b/present.json", b"{}")
    assert store.get_optional("results/b/present.json") == b"{}"
    with pytest.raises(InvalidKey):
        store.get_optional("results/../escape")


# writes of one key in order → whether each write's version differs from the one before it
VERSION_WRITES = {
    "a rewrite with other bytes": ([b"one", b"two"], [True]),
    "a rewrite with the same bytes (S3: same ETag; disk: a new file)": ([b"one", b"one"], None),
    "three writes": ([b"a", b"bb", b"ccc"], [True, True]),
}


@pytest.mark.parametrize("case", sorted(VERSION_WRITES))
def test_versions_agree_across_put_get_stat_and_list(store: ObjectStore, case: str):
    writes, changes = VERSION_WRITES[case]
    key = "results/2024/state/units/u/a/f.json"
    versions = []
    for data in writes:
        written = store.put(key, data)
        read, version = store.get_versioned(key)
        assert (read, version) == (data, written.version)
        assert store.stat(key).version == version
        assert dict(store.list_versions("results/2024/state/units/")) == {key: version}
        versions.append(version)
    if changes is None:  # either is safe: equal bytes under an equal version are the same content
        changes = [not isinstance(store, S3Store)]
    assert [a != b for a, b in zip(versions, versions[1:])] == changes
    assert store.get_versioned("results/2024/state/units/u/a/missing.json") is None
    assert list(store.list_versions("results/2024/state/none/")) == []
