"""``python -m tncam_audit.bench``: sustained appends per second and full verification time.

Starts its own nats-server (JetStream file store, ``sync_interval: always``) and a durable
PostgreSQL (fsync on) in a temporary folder, migrates the audit schema, then measures:

1. appends/s: ``--events`` audit events are published to the AUDIT stream, then the real
   sequencer (writer lock, COPY batches, Merkle tree + hash chain, checkpoints, acks after
   commit) drains them; target >= 5,000 events/s;
2. verification: the log is filled to ``--verify-events`` entries (the same append code,
   without NATS, to save time) and verified in full (every leaf, chain, column, tree root,
   checkpoint signature); target < 60 s for 1,000,000;
3. per camera: the events name 10,000 cameras (the large fleet); one camera's newest page of
   100 entries, p50/p95 over 30 cameras, in that 1,000,000-entry log.

The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from tncam_audit.consumers.sequencer import Sequencer
from tncam_audit.db import pg
from tncam_audit.domain.note import Signer
from tncam_audit.metrics import AuditMetrics
from tncam_audit.service.appender import Appender, CheckpointPolicy
from tncam_audit.service.verification import verify_log
from tncam_audit.settings import AuditSettings

APPEND_TARGET = 5_000.0
VERIFY_TARGET_S = 60.0
ORIGIN = "tncam.bench/audit"
CAMERAS = 10_000  # the events' target cameras: the 10,000-camera fleet


def _event(i: int) -> object:
    from tncam.audit.v1 import audit_event_pb2 as pb
    from tncam.common.v1 import actor_pb2

    e = pb.AuditEvent(
        event_id=f"{secrets.token_hex(4)}-{i:012d}",
        actor=actor_pb2.Actor(
            id=f"user-{i % 500}",
            display_name="Nguyễn Văn An",
            unit_id=f"xa-{i % 92:02d}",
            role=actor_pb2.ROLE_UNIT_OPERATOR,
        ),
        action="footage.playback.viewed",
        purpose_code=pb.PURPOSE_CODE_PUBLIC_ORDER,
        purpose_text="Kiểm tra an ninh trật tự khu vực chợ",
        data_categories=[pb.DATA_CATEGORY_IMAGE],
        outcome=pb.OUTCOME_SUCCESS,
        request_id=f"req-{i}",
        source_service="gateway",
        trace_id=secrets.token_hex(16),
        client_address="10.20.30.40",
        target_unit_ids=[f"xa-{i % 92:02d}"],
    )
    e.target.segments.camera_id = f"CAM-{i % CAMERAS:05d}"
    e.target.segments.start.GetCurrentTime()
    e.target.segments.end.GetCurrentTime()
    e.occurred_at.GetCurrentTime()
    return e


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


async def _appends(settings: AuditSettings, nats_url: str, n: int) -> tuple[float, float]:
    from tncam_contracts.catalog import AUDIT_STREAM
    from tncam_mesh.audit import AuditClient
    from tncam_mesh.bus import connect
    from tncam_mesh.jetstream import ensure_stream

    bus = await connect(nats_url, name="tncam-audit-bench", timeout=10)
    try:
        await ensure_stream(bus.js, AUDIT_STREAM)
        client = AuditClient(bus.js, service="gateway")
        events = [_event(i) for i in range(n)]
        t0 = time.perf_counter()
        window = 500
        for start in range(0, n, window):
            await asyncio.gather(*(client.record(e) for e in events[start : start + window]))  # type: ignore[arg-type]
        publish_rate = n / (time.perf_counter() - t0)

        metrics = AuditMetrics(CollectorRegistry())
        stop = asyncio.Event()
        seq = Sequencer(settings, bus.js, metrics, stop)
        t0 = time.perf_counter()
        task = asyncio.create_task(seq.run())
        while metrics.appended._value.get() < n:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        append_rate = n / (time.perf_counter() - t0)
        stop.set()
        await task
    finally:
        await bus.close(timeout=5)
    return publish_rate, append_rate


async def _fill_and_verify(settings: AuditSettings, total: int) -> tuple[float, float, int]:
    conn = await pg.connect(settings, purpose="bench")
    try:
        appender = Appender(conn, settings.signer(), CheckpointPolicy(10_000, 3600))
        have = await appender.start()
        t0 = time.perf_counter()
        batch = 5_000
        i = have
        while i < total:
            k = min(batch, total - i)
            await appender.append([_event(j) for j in range(i, i + k)])  # type: ignore[misc]
            i += k
            if i % 100_000 < batch:
                print(f"    filled {i:,} entries", flush=True)
        fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = await verify_log(conn, settings.verifiers(), settings.log_origin)
        verify_s = time.perf_counter() - t0
        await _camera_queries(conn, result.tree_size)
    finally:
        await conn.close()
    if not result.ok:
        raise SystemExit(f"verification of the benchmark log failed: {result.problems[:3]}")
    return fill_s, verify_s, result.tree_size


async def _camera_queries(conn: Any, size: int, runs: int = 30) -> None:
    """Who accessed one camera: the newest page of 100 entries naming it, for ``runs`` of the
    10,000 cameras (``db.reader.query_page``, as the gateway's per-camera audit view asks)."""
    from tncam.audit.v1 import query_pb2
    from tncam_audit.db.reader import query_page

    samples, found = [], 0
    for k in range(runs):
        f = query_pb2.LogFilter(camera_id=f"CAM-{(k * 337) % CAMERAS:05d}")
        t0 = time.perf_counter()
        blobs, _ = await query_page(conn, f, after=0, limit=100, newest_first=True)
        samples.append(time.perf_counter() - t0)
        found += len(blobs)
    samples.sort()
    print(
        f"   one camera's newest 100 entries ({CAMERAS:,} cameras, {size:,} entries): "
        f"p50 {1000 * samples[len(samples) // 2]:.1f} ms, "
        f"p95 {1000 * samples[int(0.95 * (len(samples) - 1))]:.1f} ms ({found:,} entries read)"
    )


async def _main(args: argparse.Namespace) -> None:
    from tncam_mesh.migrations import upgrade
    from tncam_testkit.nats import NatsServer
    from tncam_testkit.postgres import PostgresServer
    from tncam_testkit.services import migrations_dir

    with tempfile.TemporaryDirectory(prefix="tncam-audit-bench-") as tmp:
        root = Path(tmp)
        print(f"starting nats-server (sync_interval: always) and PostgreSQL (fsync on) in {tmp}")
        with NatsServer(root / "nats") as nats, PostgresServer(root / "pg", fast=False) as pgs:
            password = secrets.token_urlsafe(18)
            await upgrade(
                pgs.dsn(),
                script_location=migrations_dir("audit"),
                schema="audit",
                role="tncam_audit",
                role_password=password,
            )
            settings = AuditSettings(
                environment="test",
                database_url=f"postgresql://127.0.0.1:{pgs.port}/{pgs.database}",
                db_password=password,
                nats_url=nats.url,
                log_origin=ORIGIN,
                signing_key=Signer.generate(ORIGIN).encode(),
                batch_max=args.batch,
                fetch_timeout_s=0.2,
                checkpoint_every_events=10_000,
            )
            print(f"1. appends: {args.events:,} events through NATS -> sequencer -> PostgreSQL")
            print(f"   before: {_load()}")
            publish_rate, append_rate = await _appends(settings, nats.url, args.events)
            print(f"   after:  {_load()}")
            print(f"2. verification: filling to {args.verify_events:,} entries")
            fill_s, verify_s, size = await _fill_and_verify(settings, args.verify_events)
            print(f"   after:  {_load()}")
    status = "OK" if append_rate >= APPEND_TARGET else "BELOW TARGET"
    vstatus = "OK" if verify_s < VERIFY_TARGET_S or size < 1_000_000 else "ABOVE TARGET"
    print()
    print("tncam audit benchmark")
    print(f"  publish to AUDIT (sync_interval always): {publish_rate:>10,.0f} events/s")
    print(
        f"  sustained appends (chain + Merkle, ack after commit): {append_rate:>10,.0f} events/s"
        f"   target >= {APPEND_TARGET:,.0f}   {status}"
    )
    print(f"  bulk fill without NATS: {size / fill_s:>10,.0f} events/s ({fill_s:.1f} s)")
    print(
        f"  full verification of {size:,} entries: {verify_s:>8.1f} s"
        f"   target < {VERIFY_TARGET_S:.0f} s for 1,000,000   {vstatus}"
    )
    print(f"  ({_load()})")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m tncam_audit.bench", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="events for the append rate")
    parser.add_argument("--verify-events", type=int, default=1_000_000, help="log size to verify")
    parser.add_argument("--batch", type=int, default=1_000, help="sequencer batch size")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
