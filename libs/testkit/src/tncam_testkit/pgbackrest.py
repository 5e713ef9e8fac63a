"""Continuous PostgreSQL backup with pgBackRest into S3, for the restore drill.

``ArchivingPostgres`` is the test kit's PostgreSQL with WAL archiving on (``archive_command``
= ``pgbackrest archive-push``); ``PgBackRest`` runs the Debian ``pgbackrest`` (install script)
as the PostgreSQL OS user against a repository in an S3 bucket; pgBackRest speaks S3 over TLS
only, so ``TlsMinio`` is a MinIO with a self-signed certificate for 127.0.0.1 whose CA file
pgBackRest checks. The settings written are the ones docs/operations/backup.md gives for a
bare host.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import json
import os
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tncam_testkit.pgbin import find_bindir
from tncam_testkit.postgres import PostgresServer, _chown_tree
from tncam_testkit.procs import ManagedProcess, free_port, write_private
from tncam_testkit.s3 import MinioServer, S3Endpoint

STANZA = "tncam"
REPO_BUCKET = "tncam-pgbackrest"
# Commands that talk to the running cluster (the others only to the repository).
_NEEDS_CLUSTER = frozenset({"stanza-create", "stanza-upgrade", "backup", "check"})


def pgbackrest_binary() -> str:
    """The ``pgbackrest`` executable (Debian package, see scripts/install-system.sh)."""
    found = shutil.which("pgbackrest")
    if found is None:
        raise FileNotFoundError("pgbackrest is not installed: run scripts/install-system.sh")
    return found


def _self_signed(certs_dir: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 in MinIO's layout; returns the cert path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tncam-backup-s3")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    # pgBackRest 2.45 matches the host name against DNS names only.
                    x509.DNSName("127.0.0.1"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certs_dir.mkdir(parents=True, exist_ok=True)
    crt = certs_dir / "public.crt"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    crt.chmod(0o644)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(certs_dir / "private.key", pem.decode())
    return crt


class TlsMinio(MinioServer):
    """MinIO over HTTPS with a fresh self-signed certificate (``ca_file`` trusts it)."""

    ca_file: Path

    def _make_process(self, access_key: str, secret_key: str) -> tuple[ManagedProcess, int]:
        self.ca_file = _self_signed(self.workdir / "certs")
        proc, port = super()._make_process(access_key, secret_key)
        proc._ready = _tls_ready(port, self.ca_file)
        return proc, port

    @property
    def endpoint(self) -> S3Endpoint:
        ep = super().endpoint
        return S3Endpoint(ep.backend, ep.endpoint, ep.access_key, ep.secret_key, secure=True)

    def client_pool(self) -> urllib3.PoolManager:
        """An HTTP pool that trusts this server's certificate, for ``endpoint.client()``.

        A MinIO just ready (``/minio/health/ready``) may still answer 503 with
        ``Retry-After: 60`` while its subsystems start; waiting those 60 s cost the drill a
        minute one run in two. Retried here after short backoffs instead."""
        retries = urllib3.Retry(
            total=10,
            backoff_factor=0.1,
            status_forcelist=(500, 502, 503, 504),
            respect_retry_after_header=False,
        )
        return urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED", ca_certs=str(self.ca_file), retries=retries
        )


def _tls_ready(port: int, ca_file: Path) -> Callable[[], bool]:
    context = ssl.create_default_context(cafile=str(ca_file))

    def ready() -> bool:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=1.0, context=context)
        try:
            conn.request("GET", "/minio/health/ready")
            return conn.getresponse().status == 200
        except (http.client.HTTPException, ssl.SSLError):
            return False
        finally:
            conn.close()

    return ready


class PgBackRest:
    """pgBackRest for one cluster: config, stanza, backups, restores (as the cluster's user)."""

    def __init__(self, repo: TlsMinio, home: Path, *, retention_full: int = 2) -> None:
        self.repo = repo
        self.home = home  # config, logs, locks: a directory the PostgreSQL OS user owns
        self.config = home / "pgbackrest.conf"
        self.retention_full = retention_full
        self.server: PostgresServer | None = None

    def write_config(self, server: PostgresServer) -> None:
        """The configuration: repository in S3 (TLS, CA checked), retention, compression."""
        self.server = server
        ep = self.repo.endpoint
        host, port = ep.endpoint.split(":")
        for sub in ("log", "lock", "spool"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        ca = self.home / "repo-ca.crt"
        shutil.copyfile(self.repo.ca_file, ca)
        lines = [
            "[global]",
            "repo1-type=s3",
            f"repo1-s3-endpoint={host}",
            f"repo1-storage-port={port}",
            f"repo1-storage-ca-file={ca}",
            f"repo1-s3-bucket={REPO_BUCKET}",
            f"repo1-s3-region={ep.region}",
            "repo1-s3-uri-style=path",
            f"repo1-s3-key={ep.access_key}",
            f"repo1-s3-key-secret={ep.secret_key}",
            "repo1-path=/tncam",
            f"repo1-retention-full={self.retention_full}",
            "compress-type=zst",
            "start-fast=y",
            f"log-path={self.home / 'log'}",
            f"lock-path={self.home / 'lock'}",
            f"spool-path={self.home / 'spool'}",
            "log-level-console=warn",
            "log-level-file=info",
            "",
            f"[{STANZA}]",
            f"pg1-path={server.data_dir}",
            f"pg1-user={server.admin_user}",
            "",
        ]
        write_private(self.config, "\n".join(lines))
        user = server._os_user
        if user is not None:
            _chown_tree(self.home, user.pw_uid, user.pw_gid)

    def archive_settings(self, archive_timeout_s: int) -> dict[str, str]:
        """PostgreSQL settings for continuous WAL archiving through pgBackRest."""
        return {
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": (
                f"{pgbackrest_binary()} --config={self.config} --stanza={STANZA} archive-push %p"
            ),
            "archive_timeout": str(archive_timeout_s),
        }

    def run(self, *args: str, timeout: float = 300) -> str:
        """One pgBackRest command as the server's OS user; its stdout, or raise with stderr."""
        server = self.server
        if server is None:
            raise RuntimeError("write_config(server) first")
        argv = [pgbackrest_binary(), f"--config={self.config}", f"--stanza={STANZA}", *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if server.running and args[0] in _NEEDS_CLUSTER:
            argv += [f"--pg1-port={server.port}", f"--pg1-socket-path={server.socket_dir}"]
            env["PGPASSWORD"] = server.admin_password
        kwargs: dict[str, Any] = {}
        user = server._os_user
        if user is not None:
            kwargs = {"user": user.pw_uid, "group": user.pw_gid}
        result = subprocess.run(
            argv,
            env=env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pgbackrest {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return str(result.stdout)

    def info(self) -> list[dict[str, Any]]:
        """The repository's backups (``pgbackrest info --output=json``)."""
        data = json.loads(self.run("info", "--output=json"))
        return list(data[0].get("backup", [])) if data else []


class ArchivingPostgres(PostgresServer):
    """The test kit's PostgreSQL with WAL archived by pgBackRest, and restore from it."""

    def __init__(
        self,
        workdir: Path,
        backrest: PgBackRest,
        *,
        archive_timeout_s: int = 60,
        fsync: bool = True,
        **kw: Any,
    ) -> None:
        super().__init__(workdir, **kw)
        self.backrest = backrest
        self.archive_timeout_s = archive_timeout_s
        # Off only where the disaster is a SIGKILL and a wiped directory, never a power cut:
        # the OS keeps every write either way, so nothing the drill checks depends on it.
        self.fsync = fsync

    def _prepare_dirs(self) -> None:
        super()._prepare_dirs()
        self.backrest.write_config(self)  # the data directory is known only now

    def _server_args(self) -> list[str]:
        args = super()._server_args()
        for key, value in self.backrest.archive_settings(self.archive_timeout_s).items():
            args += ["-c", f"{key}={value}"]
        if not self.fsync:
            args += ["-c", "fsync=off"]
        return args

    def destroy_data(self) -> None:
        """The disaster: the server killed (SIGKILL, no shutdown checkpoint, no last WAL
        switch: what was not archived yet is lost) and its data directory emptied."""
        proc = self._proc.proc if self._proc is not None else None
        if proc is not None and proc.poll() is None:
            # The whole process group, as a lost machine: a postmaster killed alone leaves its
            # archiver (and a running archive-push) behind, which could still push WAL into
            # the repository being restored from.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        self.stop()
        for child in self.data_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    def restore_latest(self, timeout: float = 300) -> None:
        """``pgbackrest restore`` into the empty data directory, replay every archived WAL
        segment to the end (PostgreSQL promotes itself), then start as usual."""
        self.backrest.run("restore", timeout=timeout)
        bindir = self._active_bindir or find_bindir()
        port = str(free_port())
        pg_ctl = str(bindir / "pg_ctl")
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories=''"
        if not self.fsync:
            options += " -c fsync=off"
        log_file = str(self.backrest.home / "log" / "recovery.log")
        self._run(
            [
                pg_ctl,
                "start",
                "-D",
                str(self.data_dir),
                "-w",
                "-t",
                str(int(timeout)),
                "-o",
                options,
                "-l",
                log_file,
            ],
            timeout=timeout + 10,
        )
        try:
            wait_until(
                "archive recovery finished",
                lambda: not (self.data_dir / "recovery.signal").exists(),
                timeout,
            )
        finally:
            self._run(
                [pg_ctl, "stop", "-D", str(self.data_dir), "-m", "fast", "-w"],
                timeout=60,
                check=False,
            )
        self.start()


def wait_until(what: str, check: Callable[[], bool], timeout: float) -> None:
    """Poll ``check`` every 0.2 s until true, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.2)


__all__ = [
    "REPO_BUCKET",
    "STANZA",
    "ArchivingPostgres",
    "PgBackRest",
    "TlsMinio",
    "pgbackrest_binary",
    "wait_until",
]
