"""Two MinIO servers joined by MinIO site replication: the second S3 site of ADR 0026.

Site replication copies every bucket (with its versioning and object-lock configuration),
every object version with its legal hold and retention, later hold changes, and versioned
deletes, from either site to the other. Both servers keep their ports and root user across a
``stop()``/``start()``, so a test can take one site down and bring the same site back.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from minio.credentials.providers import StaticProvider
from minio.datatypes import PeerSite
from minio.minioadmin import MinioAdmin

from tncam_testkit.procs import ManagedProcess, distinct_free_ports
from tncam_testkit.s3 import MinioServer, S3Endpoint

# The scanner is what re-queues versions whose replication failed while a site was down. At
# "fastest" it walks the namespace every second instead of every minute, so a test sees the
# catch-up in seconds; production keeps the default speed (ADR 0026 gives the figures).
SCANNER_ENV = {"MINIO_SCANNER_SPEED": "fastest"}


class ReplicatedMinio(MinioServer):
    """A MinIO server with fixed ports and root user, and extra ``MINIO_*`` settings."""

    def __init__(
        self, workdir: Path, *, ports: tuple[int, int], credentials: tuple[str, str]
    ) -> None:
        super().__init__(workdir, port=ports[0], console_port=ports[1], credentials=credentials)

    def _make_process(self, access_key: str, secret_key: str) -> tuple[ManagedProcess, int]:
        proc, port = super()._make_process(access_key, secret_key)
        proc.env.update(SCANNER_ENV)
        return proc, port

    def crash(self) -> None:
        """The site lost at once (SIGKILL, no graceful shutdown); its data stays until wiped."""
        proc = self._proc.proc if self._proc is not None else None
        if proc is not None and proc.poll() is None:
            proc.kill()
        self.stop()


class ReplicatedSites:
    """A primary and a replica MinIO joined by site replication (``start()`` joins them)."""

    def __init__(self, workdir: Path) -> None:
        # Site replication needs the same root user on every site (it syncs IAM too).
        credentials = (f"tncam-{secrets.token_hex(4)}", secrets.token_urlsafe(24))
        ports = distinct_free_ports(4)
        self.primary = ReplicatedMinio(
            workdir / "site-a", ports=(ports[0], ports[1]), credentials=credentials
        )
        self.replica = ReplicatedMinio(
            workdir / "site-b", ports=(ports[2], ports[3]), credentials=credentials
        )
        self._credentials = credentials

    def start(self) -> None:
        """Start both servers and join them (MinIO's ``mc admin replicate add``)."""
        self.primary.start()
        self.replica.start()
        join_sites(self.primary.endpoint, self.replica.endpoint)

    def stop(self) -> None:
        """Stop both servers; their data stays."""
        self.replica.stop()
        self.primary.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def join_sites(primary: S3Endpoint, replica: S3Endpoint) -> None:
    """Join two MinIO deployments by site replication (the primary may already hold data)."""
    admin = MinioAdmin(
        endpoint=primary.endpoint,
        credentials=StaticProvider(primary.access_key, primary.secret_key),
        secure=primary.secure,
    )
    admin.add_site_replication(
        [
            PeerSite("site-a", primary.url, primary.access_key, primary.secret_key),
            PeerSite("site-b", replica.url, replica.access_key, replica.secret_key),
        ]
    )


def wait_for(what: str, check: Callable[[], bool], *, timeout: float, poll: float = 0.2) -> float:
    """Poll ``check`` until true; return the seconds it took, or fail naming ``what``."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not true after {timeout:.0f} s")
        time.sleep(poll)


__all__ = ["SCANNER_ENV", "ReplicatedMinio", "ReplicatedSites", "join_sites", "wait_for"]
