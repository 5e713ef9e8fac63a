# long module: one benchmark script read top to bottom (load, tracking, CPU accounting, report)
"""``python -m tncam_recorder.bench``: segments end to end, hand-off to indexed.

Starts NATS (JetStream, ``sync_interval: always``), PostgreSQL (all schemas migrated) and, in
turn, each S3 backend (MinIO, SeaweedFS) with the ``tncam_testkit`` launchers, then runs the
recorder as a real service process (``python -m tncam_recorder``) against them. This process
is the load: it publishes ``SegmentClosed`` messages with the media inline (3 MB each, plus a
1 KB init segment, as ingest hands them over) on ``RECORDING_HANDOFF`` and listens for the
recorder's ``SegmentStored``, which is published only after the object is stored and the row
committed. Latency is from just before the hand-off publish (the segment is closed) to the
``SegmentStored`` arriving (indexed).

For each backend:

- **burst**, for 1, 4 and 16 concurrent writers (``TNCAM_RECORDER_WRITE_CONCURRENCY``, one
  recorder process each): 4 publishers hand over segments as fast as NATS acks them for a
  few seconds; segments/s and MB/s are the stored segments over first publish → last stored.
- **paced**, 16 writers: an open-loop schedule of 33.3 segments/s of 3 MB (200 cameras of
  6 s segments) for 10 s, then the same at fractions of it (``--paced-fractions``, default
  1 and 0.5): p50/p99 latency and the rate achieved. Target p99 < 2 s at 33.3 segments/s.

For every run it reports the CPU milliseconds per stored segment of each component: the
recorder process, the S3 server, the NATS server, PostgreSQL (postmaster and backends) and
this load generator, and per backend what 33.3 segments/s would need in cores at those costs.
Then the ceiling of one recorder replica (``bench_ceiling``): the CPU per camera of each
component (a camera hands over one segment every 6 s) and the cameras one replica holds on one
core, beside the 1,000 and 10,000 camera targets (``make bench-scale``; ``--json`` writes the
figures). It prints a table; it asserts nothing. The machine's load average is printed before
and after (the figures only mean something next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from nats.aio.msg import Msg

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import SEGMENT_CLOSED, SEGMENT_STORED, segment_idempotency_key
from tncam_mesh.bus import Bus, connect
from tncam_mesh.jetstream import publish
from tncam_recorder.bench_ceiling import ceiling
from tncam_testkit.database import MigratedDatabase, migrate_all
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.s3 import S3Endpoint, make_server
from tncam_testkit.services import ServiceProcess

TARGET_RATE = 200 / 6.0  # segments/s: 200 cameras, one 6 s segment each
TARGET_P99_S = 2.0
SEGMENT_SECONDS = 6
CAMERAS = 200
PUBLISHERS = 4  # ingest publishes through 4 ordered shards
MB = 1_000_000


@dataclasses.dataclass
class Run:
    """One measured run."""

    backend: str
    mode: str  # "burst" | "paced"
    writers: int
    published: int
    stored: int
    seconds: float  # first publish -> last stored
    segment_bytes: int
    latencies: list[float]
    offered_rate: float = 0.0  # paced: the schedule's rate
    recorder_cpu_s: float = 0.0  # CPU seconds of the recorder process during the run
    store_cpu_s: float = 0.0  # CPU seconds of the S3 server during the run
    load_cpu_s: float = 0.0  # CPU seconds of this load generator during the run
    nats_cpu_s: float = 0.0  # CPU seconds of the NATS server during the run
    pg_cpu_s: float = 0.0  # CPU seconds of PostgreSQL (postmaster and backends)

    def set_cpu(self, before: Cpu, after: Cpu) -> None:
        self.recorder_cpu_s = after.recorder - before.recorder
        self.store_cpu_s = after.store - before.store
        self.nats_cpu_s = after.nats - before.nats
        self.pg_cpu_s = after.pg - before.pg
        self.load_cpu_s = after.load - before.load

    @property
    def total_cpu_s(self) -> float:
        return (
            self.recorder_cpu_s
            + self.store_cpu_s
            + self.nats_cpu_s
            + self.pg_cpu_s
            + self.load_cpu_s
        )

    def cpu_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.stored if self.stored else float("nan")

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds > 0 else 0.0

    @property
    def mb_s(self) -> float:
        return self.rate * self.segment_bytes / MB

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q * 100) - 1]


class Load:
    """Segments to hand over: a few random payloads reused under distinct keys."""

    def __init__(self, segment_bytes: int, variants: int = 4) -> None:
        self.init = secrets.token_bytes(1024)
        self.init_sha = hashlib.sha256(self.init).hexdigest()
        self.payloads = [secrets.token_bytes(segment_bytes) for _ in range(variants)]
        self.hashes = [hashlib.sha256(p).hexdigest() for p in self.payloads]
        self.segment_bytes = segment_bytes
        self.base = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC)

    def message(self, run: str, index: int) -> segment_pb2.SegmentClosed:
        """Segment ``index`` of the run: camera ``index % 200``, its ``index // 200``-th 6 s."""
        camera_id = f"b{run}-c{index % CAMERAS:03d}"
        start = self.base + dt.timedelta(seconds=SEGMENT_SECONDS * (index // CAMERAS))
        v = index % len(self.payloads)
        msg = segment_pb2.SegmentClosed(
            camera_id=camera_id,
            sequence=index // CAMERAS,
            session_id=f"bench-{run}",
            worker_id="bench",
            idempotency_key=segment_idempotency_key(camera_id, start),
            init_sha256=self.init_sha,
            init_included=True,
            init_segment=self.init,
            media_bytes=self.payloads[v],
            size_bytes=self.segment_bytes,
            sha256=self.hashes[v],
            codec="hevc",
            codec_string="hvc1.1.6.L120.90",
            width=1920,
            height=1080,
            keyframe_at_start=True,
            frames=SEGMENT_SECONDS * 25,
        )
        msg.segment_start.FromDatetime(start)
        msg.segment_end.FromDatetime(start + dt.timedelta(seconds=SEGMENT_SECONDS))
        msg.duration.FromSeconds(SEGMENT_SECONDS)
        return msg


class Tracker:
    """Close times of handed-over segments and their arrival as ``SegmentStored``."""

    def __init__(self) -> None:
        self.closed: dict[str, float] = {}
        self.latencies: list[float] = []
        self.first_publish = 0.0
        self.last_stored = 0.0
        self.changed = asyncio.Event()

    def mark_closed(self, key: str, at: float | None = None) -> None:
        now = time.perf_counter() if at is None else at
        if not self.first_publish:  # not "no segment pending": that happens whenever we keep up
            self.first_publish = now
        self.closed[key] = now

    async def on_stored(self, msg: Msg) -> None:
        now = time.perf_counter()
        stored = segment_pb2.SegmentStored.FromString(msg.data)
        t0 = self.closed.pop(stored.idempotency_key, None)
        if t0 is not None:
            self.latencies.append(now - t0)
            self.last_stored = now
            self.changed.set()


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None, *, children: bool = False) -> float:
    """utime + stime of a process (all threads) in seconds; 0 when unknown.

    ``children``: plus its reaped children (cutime + cstime) and its live children, for
    PostgreSQL whose work happens in one backend process per connection.
    """
    if pid is None:
        return 0.0
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                child = _stat(int(entry.name))
            except OSError:
                continue
            if int(child[1]) == pid:
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True)
class Cpu:
    """CPU seconds used so far by each component."""

    recorder: float
    store: float
    nats: float
    pg: float
    load: float


@dataclasses.dataclass(frozen=True)
class Pids:
    """The server processes whose CPU is accounted."""

    store: int | None
    nats: int | None
    pg: int | None


@dataclasses.dataclass(frozen=True)
class Target:
    """Where the load goes: the recorder's namespace and the processes to account CPU for."""

    ns: str
    recorder_pid: int | None
    pids: Pids

    def cpu(self) -> Cpu:
        return Cpu(
            recorder=cpu_seconds(self.recorder_pid),
            store=cpu_seconds(self.pids.store),
            nats=cpu_seconds(self.pids.nats),
            pg=cpu_seconds(self.pids.pg, children=True),
            load=time.process_time(),
        )


def recorder_env(
    nats: NatsServer, db: MigratedDatabase, s3: S3Endpoint, ns: str, writers: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(db.env())
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_LOG_LEVEL": "WARNING",
            "TNCAM_NATS_URL": nats.url,
            "TNCAM_NATS_NAMESPACE": ns,
            "TNCAM_S3_ENDPOINT": s3.url,
            "TNCAM_S3_ACCESS_KEY": s3.access_key,
            "TNCAM_S3_SECRET_KEY": s3.secret_key,
            "TNCAM_RECORDER_BUCKET": f"bench-{uuid.uuid4().hex[:12]}",
            "TNCAM_RECORDER_WRITE_CONCURRENCY": str(writers),
            "TNCAM_RECORDER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "TNCAM_SHUTDOWN_GRACE_S": "8",
        }
    )
    return env


@contextlib.asynccontextmanager
async def recorder(
    nats: NatsServer,
    db: MigratedDatabase,
    s3: S3Endpoint,
    pids: Pids,
    writers: int,
    logs: Path,
) -> AsyncIterator[Target]:
    """A recorder process with ``writers`` writers in a fresh namespace."""
    ns = f"b{uuid.uuid4().hex[:10]}"
    proc = ServiceProcess(
        "recorder",
        env=recorder_env(nats, db, s3, ns, writers),
        log_dir=logs / f"{s3.backend}-{writers}",
        ready_timeout=60.0,
    )
    await asyncio.to_thread(proc.start)
    try:
        yield Target(ns, proc.proc.pid if proc.proc is not None else None, pids)
    finally:
        await asyncio.to_thread(proc.stop)


async def _drain(tracker: Tracker, expected: int, timeout: float) -> None:
    """Wait until ``expected`` segments are stored or no progress for ``timeout`` seconds."""
    while len(tracker.latencies) < expected:
        tracker.changed.clear()
        try:
            async with asyncio.timeout(timeout):
                await tracker.changed.wait()
        except TimeoutError:
            return


async def burst(
    bus: Bus, target: Target, load: Load, backend: str, writers: int, seconds: float, limit: int
) -> Run:
    """Publishers hand over as fast as acks come for ``seconds`` (at most ``limit``)."""
    ns = target.ns
    tracker = Tracker()
    sub = await bus.nc.subscribe(SEGMENT_STORED.filter(ns), cb=tracker.on_stored)
    cpu0 = target.cpu()
    run_id = uuid.uuid4().hex[:6]
    next_index = 0
    deadline = time.perf_counter() + seconds

    async def publisher() -> None:
        nonlocal next_index
        while next_index < limit and time.perf_counter() < deadline:
            i = next_index
            next_index += 1
            msg = load.message(run_id, i)
            tracker.mark_closed(msg.idempotency_key)
            await publish(
                bus.js,
                SEGMENT_CLOSED.subject(msg.camera_id, ns),
                msg,
                msg_id=msg.idempotency_key,
                timeout=30.0,
            )

    async with asyncio.TaskGroup() as tg:
        for _ in range(PUBLISHERS):
            tg.create_task(publisher())
    await _drain(tracker, next_index, timeout=30.0)
    await sub.unsubscribe()
    run = Run(
        backend=backend,
        mode="burst",
        writers=writers,
        published=next_index,
        stored=len(tracker.latencies),
        seconds=tracker.last_stored - tracker.first_publish,
        segment_bytes=load.segment_bytes,
        latencies=tracker.latencies,
    )
    run.set_cpu(cpu0, target.cpu())
    return run


async def paced(
    bus: Bus, target: Target, load: Load, backend: str, writers: int, rate: float, seconds: float
) -> Run:
    """An open-loop schedule of ``rate`` segments/s for ``seconds``."""
    ns = target.ns
    tracker = Tracker()
    sub = await bus.nc.subscribe(SEGMENT_STORED.filter(ns), cb=tracker.on_stored)
    cpu0 = target.cpu()
    run_id = uuid.uuid4().hex[:6]
    total = round(rate * seconds)
    inflight = asyncio.Semaphore(64)

    async def hand_over(i: int) -> None:
        try:
            msg = load.message(run_id, i)
            # Closed when the schedule says, even if the publish had to wait for a slot.
            tracker.mark_closed(msg.idempotency_key, start + i / rate)
            await publish(
                bus.js,
                SEGMENT_CLOSED.subject(msg.camera_id, ns),
                msg,
                msg_id=msg.idempotency_key,
                timeout=30.0,
            )
        finally:
            inflight.release()

    start = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await inflight.acquire()
            tg.create_task(hand_over(i))
    await _drain(tracker, total, timeout=30.0)
    await sub.unsubscribe()
    run = Run(
        backend=backend,
        mode="paced",
        writers=writers,
        published=total,
        stored=len(tracker.latencies),
        seconds=tracker.last_stored - tracker.first_publish,
        segment_bytes=load.segment_bytes,
        latencies=tracker.latencies,
        offered_rate=rate,
    )
    run.set_cpu(cpu0, target.cpu())
    return run


async def bench_backend(
    backend: str,
    args: argparse.Namespace,
    nats: NatsServer,
    db: MigratedDatabase,
    pg_pid: int | None,
    load: Load,
    workdir: Path,
) -> list[Run]:
    runs: list[Run] = []
    server = make_server(backend, workdir / backend)
    await asyncio.to_thread(server.start)
    try:
        bus = await connect(nats.url, name="recorder-bench", timeout=10.0)
        try:
            for writers in args.writers:
                pids = Pids(store=server.pid, nats=nats.pid, pg=pg_pid)
                async with recorder(
                    nats, db, server.endpoint, pids, writers, workdir / "logs"
                ) as target:
                    run = await burst(
                        bus, target, load, backend, writers, args.burst_seconds, args.burst_max
                    )
                    runs.append(run)
                    print(f"  {_row(run)}", flush=True)
                    if writers == max(args.writers) and args.paced_seconds > 0:
                        for fraction in args.paced_fractions:
                            await asyncio.sleep(2.0)  # let the previous run's tail settle
                            run = await paced(
                                bus,
                                target,
                                load,
                                backend,
                                writers,
                                args.rate * fraction,
                                args.paced_seconds,
                            )
                            runs.append(run)
                            print(f"  {_row(run)}", flush=True)
        finally:
            await bus.close(timeout=5.0)
    finally:
        await asyncio.to_thread(server.stop)
    return runs


HEADER = (
    f"{'backend':<10} {'mode':<6} {'writers':>7} {'stored':>9} {'seg/s':>7} {'MB/s':>7} "
    f"{'p50 s':>7} {'p99 s':>7} | {'rec':>4} {'s3':>4} {'nats':>4} {'pg':>4} {'load':>4} "
    f"{'sum':>4} ms/seg | target"
)


def _row(r: Run) -> str:
    if r.mode == "paced":
        # Every segment stored with a bounded p99 means the recorder kept up with the schedule
        # (a backlog would grow the latency); the rate column includes the drain of the tail.
        ok = r.stored == r.published and r.quantile(0.99) < TARGET_P99_S
        verdict = "MET" if ok else "MISSED"
        if abs(r.offered_rate - TARGET_RATE) > 0.01:
            verdict = f"p99 < {TARGET_P99_S:.0f} s {'yes' if ok else 'no'}"
        target = (
            f"offered {r.offered_rate:.1f} seg/s; p99 < {TARGET_P99_S:.0f} s at "
            f"{TARGET_RATE:.1f} seg/s -> {verdict}"
        )
    else:
        target = f"(saturation; need >= {TARGET_RATE:.1f} seg/s, "
        target += f"{TARGET_RATE * r.segment_bytes / MB:.0f} MB/s)"
    return (
        f"{r.backend:<10} {r.mode:<6} {r.writers:>7} {r.stored:>4}/{r.published:<4} "
        f"{r.rate:>7.1f} {r.mb_s:>7.1f} {r.quantile(0.50):>7.2f} {r.quantile(0.99):>7.2f} | "
        f"{r.cpu_ms(r.recorder_cpu_s):>4.0f} {r.cpu_ms(r.store_cpu_s):>4.0f} "
        f"{r.cpu_ms(r.nats_cpu_s):>4.0f} {r.cpu_ms(r.pg_cpu_s):>4.0f} "
        f"{r.cpu_ms(r.load_cpu_s):>4.0f} {r.cpu_ms(r.total_cpu_s):>4.0f} ms/seg | {target}"
    )


def _budget(runs: list[Run]) -> list[str]:
    """Per backend: the cores 33.3 segments/s needs at the paced runs' CPU per segment."""
    lines = []
    cores = os.cpu_count() or 1
    for backend in dict.fromkeys(r.backend for r in runs):
        paced = [r for r in runs if r.backend == backend and r.mode == "paced" and r.stored]
        if not paced:
            continue
        stored = sum(r.stored for r in paced)

        def per_seg(attr: str, paced: list[Run] = paced, stored: int = stored) -> float:
            return 1000 * sum(float(getattr(r, attr)) for r in paced) / stored

        parts = {
            "recorder": per_seg("recorder_cpu_s"),
            "S3": per_seg("store_cpu_s"),
            "NATS": per_seg("nats_cpu_s"),
            "PostgreSQL": per_seg("pg_cpu_s"),
            "load generator": per_seg("load_cpu_s"),
        }
        total = sum(parts.values())
        servers = total - parts["recorder"] - parts["load generator"]
        lines.append(
            f"{backend}: CPU per segment (paced runs) "
            + " + ".join(f"{name} {ms:.1f}" for name, ms in parts.items())
            + f" = {total:.1f} ms -> {TARGET_RATE:.1f} seg/s needs {total * TARGET_RATE / 1000:.2f}"
            f" cores of {cores} ({servers * TARGET_RATE / 1000:.2f} for S3+NATS+PostgreSQL alone, "
            f"{parts['recorder'] * TARGET_RATE / 1000:.2f} for the recorder); at most "
            f"{1000 * cores / total:.0f} seg/s fit on {cores} idle cores"
        )
    return lines


def _load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


async def main_async(args: argparse.Namespace) -> int:
    load = Load(int(args.segment_mb * MB))
    print(
        f"tncam recorder benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: "
        f"{args.segment_mb:g} MB segments, hand-off published -> SegmentStored (indexed)"
    )
    print(f"load average before: {_load_avg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tncam-recorder-bench-") as tmp:
        workdir = Path(tmp)
        with NatsServer(workdir / "nats") as nats, PostgresServer(workdir / "pg") as pg:
            base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
            db = await migrate_all(pg.dsn(), base)
            runs: list[Run] = []
            print(HEADER, flush=True)
            for backend in args.backends:
                runs += await bench_backend(backend, args, nats, db, pg.pid, load, workdir)
            row_bytes = await index_bytes_per_segment(pg.dsn())
    print()
    print(HEADER)
    for r in runs:
        print(_row(r))
    print(
        "seg/s, MB/s: stored segments over first hand-off -> last indexed; p50/p99: segment "
        "closed (hand-off publish) -> indexed (SegmentStored); rec/s3/nats/pg/load: CPU ms per "
        "stored segment of the recorder process / the S3 server / the NATS server / PostgreSQL "
        "(all backends) / this load generator (publishing the 3 MB hand-offs)"
    )
    for line in _budget(runs):
        print(line)
    print(f"segment index: {row_bytes:.0f} bytes of PostgreSQL per stored segment (table+indexes)")
    lines, figures = ceiling(
        runs,
        segment_s=SEGMENT_SECONDS,
        core_budget=args.core_budget,
        p99_target_s=TARGET_P99_S,
        targets=(1_000, 10_000),
    )
    print("\n".join(lines))
    figures["index_bytes_per_segment"] = round(row_bytes)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(f"load average after: {_load_avg()}")
    return 0


async def index_bytes_per_segment(dsn: str) -> float:
    """Bytes of the segment index (table, TOAST and indexes) per row, after the runs."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetchval("SELECT count(*) FROM recorder.segments")
        size = await conn.fetchval("SELECT pg_total_relation_size('recorder.segments')")
    finally:
        await conn.close()
    return float(size) / rows if rows else float("nan")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tncam_recorder.bench", description=__doc__)
    parser.add_argument("--backends", type=lambda s: s.split(","), default=["minio", "seaweedfs"])
    parser.add_argument("--writers", type=_ints, default=[1, 4, 16])
    parser.add_argument("--segment-mb", type=float, default=3.0)
    parser.add_argument("--burst-seconds", type=float, default=5.0)
    parser.add_argument("--burst-max", type=int, default=120)
    parser.add_argument("--rate", type=float, default=TARGET_RATE)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument(
        "--paced-fractions",
        type=lambda t: [float(x) for x in t.split(",") if x],
        default=[1.0, 0.5],
        help="paced runs at these fractions of --rate (default 1,0.5)",
    )
    parser.add_argument("--core-budget", type=float, default=0.8, help="share of a core to fill")
    parser.add_argument("--json", type=Path, help="also write the ceiling figures here")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
