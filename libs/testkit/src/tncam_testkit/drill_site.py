"""The restore drill's infrastructure (``tncam_testkit.drill``): servers, the mesh, probes.

Two MinIO sites joined by site replication, a TLS MinIO with the pgBackRest repository,
NATS, PostgreSQL archiving its WAL, a camera fleet that outlives the mesh, and the mesh
itself started by ``make run``'s ``Stack`` on that infrastructure; SQL, ``tncam`` commands,
the connection report and playback through the recorder, as the drill's checks need them.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from minio.error import S3Error

from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam.registry.v1 import service_pb2 as registry_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.rpc import call
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.keys import service_keys
from tncam_testkit.nats import NatsServer
from tncam_testkit.pgbackrest import REPO_BUCKET, ArchivingPostgres, PgBackRest, TlsMinio
from tncam_testkit.pgbin import find_bindir
from tncam_testkit.replication import ReplicatedSites, wait_for
from tncam_testkit.services import ServiceProcess
from tncam_testkit.stack import DEMO_COMMUNES, SITE_KINDS, Stack

MESH = ("registry", "audit", "recorder", "ingest")
SEGMENTS_SQL = (
    "SELECT segment_id, camera_id, object_key, version_id, sha256,"
    " extract(epoch FROM end_at), extract(epoch FROM start_at) FROM recorder.segments"
)


class DrillError(AssertionError):
    """A check of the drill did not hold."""


@dataclass
class DrillResult:
    cameras: int
    segments_before_backup: int
    restored_before_backup: int
    segments_after_backup: int
    restored_after_backup: int  # by the WAL archive
    reindexed: int  # by ``tncam recorder reindex`` from the replica's objects
    missing_after_reindex: int  # stored before the disaster, not in the restored index
    on_replica: int
    rpo_index_wal_s: float  # what the index lost with the WAL archive alone
    rpo_index_s: float  # after the reindex (0: footage on the replica, all indexed)
    rpo_footage_s: float
    rto_s: float
    backup_s: float
    audit_entries_ok: bool
    report_equal: bool
    tamper_caught: bool


class DrillStack(Stack):
    """``make run``'s stack on given infrastructure, with a camera fleet that outlives it.

    Only the services that keep or make the state checked are started (registry, audit,
    recorder, ingest; the gateway and the live edge keep nothing outside PostgreSQL), all at
    once, and no first account is made.
    """

    def __init__(self, state_dir: Path, sim: CameraSimulator, names: tuple[str, ...]) -> None:
        super().__init__(state_dir, cameras=len(sim.urls), h264=())
        self.sim = sim
        self.names = names

    def _start_cameras(self) -> None:
        with (self.state_dir / "cameras.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["code", "name", "commune_code", "site_kind", "rtsp_url", "codec"])
            for n in range(1, self.cameras + 1):
                commune = DEMO_COMMUNES[(n - 1) % len(DEMO_COMMUNES)]
                kind = SITE_KINDS[(n - 1) % len(SITE_KINDS)]
                w.writerow(
                    [
                        f"CAM-{commune}-{n:03d}",
                        f"Camera {n}",
                        commune,
                        kind,
                        self.sim.url(n),
                        "h265",
                    ]
                )

    def _start_services(self) -> None:
        self.start_services(self.names)

    def start_services(self, names: tuple[str, ...]) -> None:
        """Start these services together and wait until each is ready."""
        procs = {
            # Four services importing at once on a shared 2-core machine: more than the usual
            # 30 s is no error (the RTO measured says how long it took).
            name: ServiceProcess(
                name,
                env={**os.environ, **self.env},
                log_dir=self.state_dir / "logs",
                ready_timeout=120.0,
            )
            for name in names
        }
        with ThreadPoolExecutor(max_workers=len(procs)) as pool:
            started = {name: pool.submit(p.start) for name, p in procs.items()}
        for name, p in procs.items():
            self._keep(name, p)
            self.services[name] = p
        for future in started.values():
            future.result()

    def crash(self) -> None:
        """Every service killed at once (SIGKILL), as in a disaster; then reaped."""
        for p in self.services.values():
            if p.proc is not None and p.proc.poll() is None:
                p.proc.kill()
        self.stop()


class Drill:
    """The infrastructure of one drill and the steps on it."""

    def __init__(
        self, workdir: Path, *, cameras: int, archive_timeout_s: int, fsync: bool = True
    ) -> None:
        self.workdir = workdir
        self.sites = ReplicatedSites(workdir / "s3")
        self.repo = TlsMinio(workdir / "backup-s3")
        self.nats = NatsServer(workdir / "nats")
        self.sim = CameraSimulator(workdir / "cameras", cameras=cameras, h264_cameras=())
        # The PostgreSQL OS user owns pgBackRest's directory: outside pytest's 0700 folders.
        self.backrest_home = Path(tempfile.mkdtemp(prefix="tncam-pgbackrest-"))
        self.pg = ArchivingPostgres(
            workdir / "pg",
            PgBackRest(self.repo, self.backrest_home),
            archive_timeout_s=archive_timeout_s,
            fast=False,
            fsync=fsync,
        )
        self.stack: DrillStack | None = None

    def start(self) -> None:
        """Start every server (those that need nothing else at once), then the stanza."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            steps = (self.sites.start, self._start_repo_and_pg, self.nats.start, self.sim.start)
            started = [pool.submit(_timed, f) for f in steps]
        for future in started:
            future.result()
        self.pg.backrest.run("stanza-create")

    def _start_repo_and_pg(self) -> None:
        self.repo.start()
        self.repo.endpoint.client(http_client=self.repo.client_pool()).make_bucket(REPO_BUCKET)
        self.pg.start()  # its archive_command needs the repository's certificate

    def stop(self) -> None:
        """The mesh first (killed: the drill is over, a graceful stop of four services one
        after the other would only cost time), then the servers at once, the backup store
        last."""

        def stop(thing: Any) -> None:
            if thing is not None:
                try:
                    thing.stop()
                except Exception as e:
                    print(f"    (stopping {type(thing).__name__}: {e})", flush=True)

        if self.stack is not None:
            try:
                self.stack.crash()
            except Exception as e:
                print(f"    (stopping the mesh: {e})", flush=True)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(stop, (self.pg, self.sim, self.nats, self.sites)))
        # After PostgreSQL: its shutdown waits for the archiver's last push to this store.
        stop(self.repo)
        shutil.rmtree(self.backrest_home, ignore_errors=True)

    def start_mesh(self, name: str, *, restored: bool, names: tuple[str, ...]) -> None:
        site = (self.sites.replica if restored else self.sites.primary).endpoint
        os.environ.update(
            TNCAM_NATS_URL=self.nats.url,
            TNCAM_DATABASE_URL=self.pg.dsn(),
            TNCAM_S3_ENDPOINT=site.url,
            TNCAM_S3_ACCESS_KEY=site.access_key,
            TNCAM_S3_SECRET_KEY=site.secret_key,
        )
        self.stack = DrillStack(self.workdir / name, self.sim, names)
        self.stack.start()
        if not restored:
            self.stack.import_fleet()
            # Same keys after the restore (camera credentials, audit and export signing).
            os.environ.update({k: self.stack.env[k] for k in service_keys()})

    @property
    def env(self) -> dict[str, str]:
        assert self.stack is not None
        return {**os.environ, **self.stack.env}

    def sql(self, query: str) -> list[list[str]]:
        psql = str(find_bindir() / "psql")
        out = subprocess.run(
            [
                psql,
                "-X",
                "-A",
                "-t",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                self.pg.dsn(),
                "-c",
                query,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def segments(self) -> dict[str, list[str]]:
        return {row[0]: row for row in self.sql(SEGMENTS_SQL)}

    def tncam(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        exe = Path(sys.executable).with_name("tncam")
        result = subprocess.run(
            [str(exe), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise DrillError(f"tncam {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    def report(self) -> Any:
        """The official connection report (JSON), without its time stamp."""
        return _without(json.loads(asyncio.run(connection_report(self.env))), "generated_at")

    def on_replica(self, rows: list[list[str]]) -> set[str]:
        """Ids of the segments whose version is on the replica site."""
        client = self.sites.replica.endpoint.client()
        bucket = os.environ.get("TNCAM_RECORDER_BUCKET", "tncam-segments")
        found = set()
        for row in rows:
            try:
                client.stat_object(bucket, row[2], version_id=row[3])
            except S3Error:
                continue
            found.add(row[0])
        return found

    def wait_recording(self, cameras: int, timeout: float) -> None:
        wait_for(
            "every camera recorded",
            lambda: len({r[1] for r in self.segments().values()}) >= cameras,
            timeout=timeout,
            poll=0.3,
        )

    def wait_replicated(self, rows: list[list[str]], timeout: float) -> None:
        """Until every one of these segments is on the replica (replication lag: ≤ 1 s)."""
        wait_for(
            f"{len(rows)} segment(s) on the replica site",
            lambda: len(self.on_replica(rows)) == len(rows),
            timeout=timeout,
            poll=0.2,
        )


def _timed(step: Callable[[], None]) -> None:
    began = time.monotonic()
    step()
    name = getattr(step, "__qualname__", repr(step))
    print(f"    {name}: {time.monotonic() - began:.1f} s", flush=True)


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ (paths and values), for the failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += differences(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} -> {b!r}"]


def _without(doc: Any, key: str) -> Any:
    if isinstance(doc, dict):
        return {k: _without(v, key) for k, v in doc.items() if k != key}
    if isinstance(doc, list):
        return [_without(v, key) for v in doc]
    return doc


def _ts(t: dt.datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(t)
    return out


async def connection_report(env: dict[str, str]) -> bytes:
    """What ``tncam report connection --format json`` writes, asked over NATS in-process."""
    bus = await connect(env["TNCAM_NATS_URL"], name="restore-drill", timeout=5)
    try:
        reply = await call(
            bus,
            catalog.REGISTRY_GET_CONNECTION_REPORT,
            registry_pb2.GetConnectionReportRequest(
                actor=actor_pb2.Actor(
                    id="cli:restore-drill",
                    display_name="restore drill",
                    role=actor_pb2.ROLE_PROVINCE_ADMIN,
                ),
                format=registry_pb2.REPORT_FORMAT_JSON,
            ),
            registry_pb2.GetConnectionReportReply,
            namespace=env.get("TNCAM_NATS_NAMESPACE", ""),
            timeout=30,
        )
        return bytes(reply.document)
    finally:
        await bus.close()


async def playback(
    env: dict[str, str], camera_id: str, since: dt.datetime
) -> tuple[float, str, str]:
    """The timeline's recorded seconds and one played segment (id, SHA-256 of its bytes)."""
    bus = await connect(env["TNCAM_NATS_URL"], name="restore-drill", timeout=5)
    try:
        ns = env.get("TNCAM_NATS_NAMESPACE", "")
        now = dt.datetime.now(dt.UTC)
        tl = await call(
            bus,
            catalog.RECORDING_GET_TIMELINE,
            api.GetTimelineRequest(camera_id=camera_id, start=_ts(since), end=_ts(now)),
            api.TimelineReply,
            namespace=ns,
            timeout=15,
        )
        pl = await call(
            bus,
            catalog.RECORDING_GET_PLAYLIST,
            api.GetPlaylistRequest(camera_id=camera_id, start=_ts(since), end=_ts(now)),
            api.PlaylistReply,
            namespace=ns,
            timeout=15,
        )
        if not pl.segment_ids:
            raise DrillError(f"{camera_id}: an empty playlist after the restore")
        segment_id = pl.segment_ids[0]
        data = bytearray()
        while True:
            chunk = await call(
                bus,
                catalog.RECORDING_GET_OBJECT,
                api.ReadObjectRequest(segment_id=segment_id, offset=len(data)),
                api.ObjectChunk,
                namespace=ns,
                timeout=15,
            )
            data += chunk.data
            if chunk.eof:
                break
        return tl.recorded_seconds, segment_id, hashlib.sha256(data).hexdigest()
    finally:
        await bus.close()
