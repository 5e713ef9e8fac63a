"""The platform the fault cases break: infrastructure and services as processes, restartable.

NATS is a 3-node cluster (real ``nats-server`` processes with routes) and every stream and
bucket is replicated on the three nodes (``TNCAM_NATS_REPLICAS=3``), as in production.

Unlike the e2e tests, which share the session's NATS, PostgreSQL and MinIO, the fault suite
owns its servers (on fixed ports, so each can be stopped and brought back where the services
expect it) and runs registry, audit, recorder, two ingest workers (each on its own NATS node)
and gateway against them, with a fleet of
simulated cameras imported through ``tncam cameras import`` as an operator would.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import MigratedDatabase, migrate_all
from tncam_testkit.nats_cluster import NatsCluster
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.procs import ServerStartError, distinct_free_ports, free_port
from tncam_testkit.s3 import MinioServer
from tncam_testkit.services import ServiceProcess, http_get

#: The ``tncam`` command of this environment.
TNCAM = str(Path(sys.executable).with_name("tncam"))

#: Starts of a service before giving up (a CrashLoopBackOff's first attempts).
START_ATTEMPTS = 3

#: How long a /readyz answer may take (above the services' 2 s per-check bound).
READYZ_TIMEOUT_S = 5.0

#: Two ingest workers, as the chart's StatefulSet runs them (``ingest-0``, ``ingest-1``): each
#: its own worker id and spool, and its own NATS node: ``ingest-1``'s seed list names node n3
#: only (the partition case cuts that node), ``ingest-0``'s the other two.
INGEST_NODES = {"ingest-0": (0, 1), "ingest-1": (2,)}
INGEST_WORKERS = tuple(INGEST_NODES)

#: Start order: the audit log and the registry first, the gateway last. Each is a unit: a
#: service's process (``ingest-0``: a process of the ingest service).
MESH = ("audit", "registry", "recorder", *INGEST_WORKERS, "gateway")


def service_of(unit: str) -> str:
    """The service a unit of ``MESH`` runs (``ingest-1`` -> ``ingest``)."""
    return unit.split("-")[0]


def worker_id(unit: str) -> str:
    """The ``TNCAM_INGEST_WORKER_ID`` of an ingest unit (a StatefulSet pod keeps its name)."""
    return f"fault-{unit}"


#: Settings that make every recovery take seconds rather than the production minutes.
FAST = {
    "TNCAM_ENVIRONMENT": "test",
    "TNCAM_NATS_REPLICAS": "3",  # every stream and bucket on the 3 nodes
    "TNCAM_LOG_LEVEL": "INFO",
    "TNCAM_INGEST_SEGMENT_TARGET_S": "2",
    "TNCAM_INGEST_RTSP_TIMEOUT_S": "2",
    "TNCAM_INGEST_RECONNECT_MAX_S": "2",
    "TNCAM_INGEST_PUBLISH_TIMEOUT_S": "3",
    "TNCAM_INGEST_SNAPSHOT_INTERVAL_S": "30",
    "TNCAM_REGISTRY_SWEEP_INTERVAL_S": "0.5",
    "TNCAM_RECORDER_S3_TIMEOUT_S": "3",
    "TNCAM_RECORDER_S3_RETRY_CAP_S": "2",
    "TNCAM_AUDIT_CONSUMER_ACK_WAIT_S": "2",
    "TNCAM_AUDIT_LEADER_RETRY_S": "0.2",
    "TNCAM_AUDIT_FETCH_TIMEOUT_S": "0.2",
    "TNCAM_SHUTDOWN_GRACE_S": "3",
}


@dataclass
class Platform:
    """Servers, services and cameras of one fault module; every part can be stopped."""

    workdir: Path
    nats: NatsCluster
    pg: PostgresServer
    s3: MinioServer
    cameras: CameraSimulator
    db: MigratedDatabase
    env: dict[str, str]
    camera_ids: list[str]
    #: Each camera's RTSP URL as imported (one goes through the quirks front: ``clockjump``).
    camera_urls: list[str]
    procs: dict[str, ServiceProcess] = field(default_factory=dict)
    #: Processes of a service imported ahead of a restart (``prepare``).
    standbys: dict[str, ServiceProcess] = field(default_factory=dict)
    #: Each start of a service that exited while starting and was started again
    #: (kubelet-like): the service and why it exited (its last error line). None expected.
    crashes: list[tuple[str, str]] = field(default_factory=list)
    #: Seconds from the servers' start to every service ready and the fleet imported.
    start_s: float = 0.0

    @property
    def namespace(self) -> str:
        return self.env["TNCAM_NATS_NAMESPACE"]

    @property
    def nats_urls(self) -> list[str]:
        return self.nats.url.split(",")

    @property
    def bucket(self) -> str:
        return self.env["TNCAM_RECORDER_BUCKET"]

    def unit_env(self, unit: str) -> dict[str, str]:
        """The settings of ``unit``: an ingest worker's own id, spool and NATS node(s)."""
        if unit not in INGEST_NODES:
            return self.env
        return self.env | {
            "TNCAM_INGEST_WORKER_ID": worker_id(unit),
            "TNCAM_INGEST_SPOOL_DIR": str(self.workdir / "spool" / unit),
            "TNCAM_NATS_URL": ",".join(self.nats.nodes[i].url for i in INGEST_NODES[unit]),
        }

    def log_dir(self, unit: str) -> Path:
        """Where ``unit`` logs (``<service>.log``; an ingest worker in a folder of its own)."""
        logs = self.workdir / "logs"
        return logs if unit == service_of(unit) else logs / unit

    def process(self, unit: str, port: int | None) -> ServiceProcess:
        return ServiceProcess(
            service_of(unit),
            env=self.unit_env(unit),
            log_dir=self.log_dir(unit),
            port=port,
            ready_timeout=60.0,
        )

    def prepare(self, service: str) -> None:
        """Import ``service``'s next process ahead of its restart (``tncam_testkit.standby``):
        the interpreter's imports take 7-22 s on the loaded machine and say nothing about the
        service; everything it does at start still runs after the fault. No-op if prepared."""
        if service in self.standbys:
            return
        proc = self.process(service, self.procs[service].port)
        proc.spawn_standby(self.workdir / f"standby-{service}")
        self.standbys[service] = proc

    def start_service(self, service: str) -> None:
        """Start ``service`` (again) on its port; return once ``/readyz`` answers 200.

        A prepared standby runs it if there is one. As the kubelet does, a process that exits
        while starting is started again, up to ``START_ATTEMPTS``, and recorded in
        ``crashes`` (the cases expect none: a service used to exit when NATS did not answer an
        R3 stream's declaration in time; it now waits, not ready, see tncam_mesh.declare).
        """
        old = self.procs.get(service)
        port = old.port if old else free_port()
        standby = self.standbys.pop(service, None)
        for attempt in range(1, START_ATTEMPTS + 1):
            proc = standby or self.process(service, port)
            try:
                if standby is not None:
                    standby = None
                    wait_until(
                        "standby imported", lambda p=proc: p.running and not p.imported(), 90
                    )
                    proc.release(self.unit_env(service))
                else:
                    proc.start()
            except ServerStartError as e:
                proc.stop()
                if attempt == START_ATTEMPTS:
                    raise
                self.crashes.append((service, _exit_reason(str(e))))
                continue
            self.procs[service] = proc
            return

    def kill(self, service: str) -> None:
        """SIGKILL ``service``, as the kernel's OOM killer or a node loss would."""
        proc = self.procs[service]
        assert proc.proc is not None
        proc.proc.send_signal(signal.SIGKILL)
        proc.proc.wait(timeout=10)
        proc.stop()

    def not_ready(self) -> dict[str, str]:
        """The services whose ``/readyz`` does not answer 200: the status (0: no answer) and
        the failing checks with their details."""
        out: dict[str, str] = {}
        for name, proc in self.procs.items():
            if proc.proc is not None and proc.proc.poll() is not None:
                # Nothing restarts a service that dies mid-case: say why it did.
                code = proc.proc.returncode
                out[name] = f"exited with code {code}: {_exit_reason(proc.log_tail(60))}"
                continue
            try:
                # Longer than a readiness check's own 2 s bound (tncam_mesh.health): a /readyz
                # whose check timed out still answers (503), a little after 2 s.
                status, body = http_get(f"{proc.url}/readyz", timeout=READYZ_TIMEOUT_S)
            except OSError as e:
                status, body = 0, str(e).encode()
            if status != 200:
                out[name] = f"{status} {_failing_checks(body)}"
        return out

    def stop(self) -> None:
        procs = [*self.standbys.values(), *self.procs.values()]
        self.standbys.clear()
        self.procs.clear()
        with ThreadPoolExecutor(len(procs) or 1) as pool:  # each may take its grace period
            list(pool.map(lambda p: p.stop(), procs))


def _failing_checks(body: bytes) -> str:
    """``name: detail`` of each failing check of a ``/readyz`` answer (else the answer)."""
    try:
        checks = json.loads(body)["checks"]
        return "; ".join(f"{n}: {c['detail']}" for n, c in checks.items() if not c["ok"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return body[:200].decode(errors="replace")


def _exit_reason(failure: str) -> str:
    """The last error a service logged before exiting (from its start failure's log tail)."""
    errors = [line for line in failure.splitlines() if '"level": "error"' in line]
    for line in reversed(errors):
        with contextlib.suppress(ValueError, AttributeError):
            record = json.loads(line)
            # The exception's own last line says more than "service failed".
            exc = [
                x.strip(" |")
                for x in str(record.get("exc", "")).splitlines()
                if x.strip(" |+-")  # not the frame of an exception group
            ]
            return f"{record.get('msg', line)}: {exc[-1]}" if exc else str(record.get("msg"))
    return failure.splitlines()[0] if failure else "?"


def _import_fleet(platform: Platform) -> None:
    rows = [["code", "name", "commune_code", "site_kind", "rtsp_url"]]
    for n, code in enumerate(platform.camera_ids, start=1):
        commune = f"{60 + n:02d}"
        rows.append(
            [code, f"Cổng UBND {commune}", commune, "committee_hq", platform.camera_urls[n - 1]]
        )
    path = platform.workdir / "fleet.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    for _ in range(5):
        done = subprocess.run(
            [TNCAM, "cameras", "import", str(path)],
            env=platform.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        # Ready can come a moment before the registry's endpoint subscriptions reach the
        # server when everything starts at once ("nobody serves"): ask again.
        if "nobody serves" not in done.stderr:
            break
        time.sleep(0.5)
    assert done.returncode == 0, done.stdout + done.stderr


def _keys() -> dict[str, str]:
    """A new key for each service secret (``service_keys`` without its ``tncam audit keygen``
    run, which takes ~30 s to start on a loaded machine)."""
    from tncam_audit.domain.note import Signer

    origin = "tncam.faults/audit"
    return {
        "TNCAM_REGISTRY_CREDENTIALS_KEY": secrets.token_urlsafe(32),
        "TNCAM_RECORDER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TNCAM_GATEWAY_JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "TNCAM_AUDIT_LOG_ORIGIN": origin,
        "TNCAM_AUDIT_SIGNING_KEY": Signer.generate(origin).encode(),
    }


def start_platform(
    workdir: Path,
    cameras: CameraSimulator,
    urls: list[str],
    before_import: Callable[[Platform], None],
) -> Platform:
    """NATS, PostgreSQL (migrated), MinIO on fixed ports, the five services, the fleet imported."""
    # The services' imports (the longest part of their start) run while the servers start
    # and the schemas migrate: standbys, given their settings when released.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    logs = workdir / "logs"
    standbys = {
        s: ServiceProcess(
            service_of(s),
            env=inherited,
            log_dir=logs if s == service_of(s) else logs / s,
            ready_timeout=60.0,
        )
        for s in MESH
    }
    for service, standby in standbys.items():
        standby.spawn_standby(workdir / f"standby-{service}")
    began = time.monotonic()
    s3_port, s3_console = distinct_free_ports(2)
    nats = NatsCluster(workdir / "nats")
    pg = PostgresServer(workdir / "pg")
    s3 = MinioServer(
        workdir / "minio",
        port=s3_port,
        console_port=s3_console,
        credentials=(f"tncam-{secrets.token_hex(4)}", secrets.token_urlsafe(24)),
    )
    try:
        with ThreadPoolExecutor(3) as pool:
            for done in [pool.submit(server.start) for server in (nats, pg, s3)]:
                done.result()
        # Later restarts must come back on the same port.
        pg._requested_port = pg.port
        base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
        db = asyncio.run(migrate_all(pg.dsn(), base))
        keys = _keys()
    except BaseException:
        for server in (s3, pg, nats, *standbys.values()):
            server.stop()
        raise
    env = dict(inherited) | db.env() | keys | FAST
    env |= {
        "TNCAM_NATS_URL": nats.url,
        "TNCAM_NATS_NAMESPACE": f"f{uuid.uuid4().hex[:10]}",
        "TNCAM_S3_ENDPOINT": s3.endpoint.url,
        "TNCAM_S3_ACCESS_KEY": s3.endpoint.access_key,
        "TNCAM_S3_SECRET_KEY": s3.endpoint.secret_key,
        "TNCAM_RECORDER_BUCKET": f"faults-{uuid.uuid4().hex[:10]}",
    }
    ids = [f"FT-{60 + n:02d}-UB" for n in range(1, len(urls) + 1)]
    platform = Platform(workdir, nats, pg, s3, cameras, db, env, ids, urls, standbys=standbys)
    try:
        # Each waits for what it needs (NATS, its schema), so all start at once.
        with ThreadPoolExecutor(len(MESH)) as pool:
            for done in [pool.submit(platform.start_service, s) for s in MESH]:
                done.result()
        before_import(platform)
        _import_fleet(platform)
    except BaseException:
        stop_platform(platform)
        raise
    platform.start_s = time.monotonic() - began
    return platform


def stop_platform(platform: Platform) -> None:
    platform.stop()
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda s: s.stop(), (platform.s3, platform.pg, platform.nats)))


def wait_until(what: str, problems: Callable[[], object], timeout: float) -> float:
    """Poll ``problems()`` until it returns nothing (falsy); return the seconds it took.

    Fails after ``timeout`` seconds with the last problems it saw.
    """
    began = time.monotonic()
    while True:
        last = problems()
        if not last:
            return time.monotonic() - began
        assert time.monotonic() - began < timeout, f"{what}: not after {timeout:.0f} s: {last!r}"
        time.sleep(0.2)
