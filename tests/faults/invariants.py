"""What must hold after every fault, written once: nothing accepted is lost or stored twice.

``Observer`` listens to every event of the platform's namespace (core NATS, beside the
services' JetStream consumers), from its own thread, so it sees each segment ingest hands off
and each audit event the services publish, whatever the test's thread is doing. ``check``
then compares what was handed off with what the recorder indexed and stored in S3, what was
published to the audit log with its chain, the cameras' states and the services' readiness.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from nats.aio.msg import Msg

from tncam.audit.v1 import audit_event_pb2
from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import AUDIT_STREAM, EVENTS, HEADER_TYPE, SEGMENT_CLOSED
from tncam_mesh.bus import connect
from tncam_recorder.domain.keys import segment_key

from .platform import Platform

#: A hole between two consecutive segments of a camera counted as a gap (the recorder's own
#: gap tolerance is 1.5 s).
GAP_TOLERANCE_S = 1.5
DROP_ACTION = "ingest.segment.drop"


@dataclass
class Handed:
    camera_id: str
    start: dt.datetime
    seen_at: float  # time.monotonic() when the observer saw it


@dataclass
class Observer:
    """Every segment handed off and audit event published in ``platform``'s namespace."""

    platform: Platform
    handed: dict[str, Handed] = field(default_factory=dict)
    audit_ids: set[str] = field(default_factory=set)
    #: The last raw message of each event type (``Tncam-Type``): subject, headers, body.
    samples: dict[str, tuple[str, dict[str, str], bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "observer did not connect to NATS"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    async def _run(self) -> None:
        ns = self.platform.namespace
        bus = await connect(self.platform.nats_urls, name="faults-observer", timeout=5.0)
        events = {e.filter(ns).removesuffix("*"): e.type_name for e in EVENTS}

        async def on_msg(msg: Msg) -> None:
            headers = dict(msg.headers or {})
            kind = next((k for p, k in events.items() if msg.subject.startswith(p)), None)
            if kind is None or headers.get(HEADER_TYPE) != kind:
                return  # an RPC request or reply
            with self._lock:
                self.samples[kind] = (msg.subject, headers, msg.data)
            if kind == SEGMENT_CLOSED.type_name:
                seg = segment_pb2.SegmentClosed.FromString(msg.data)
                with self._lock:
                    self.handed.setdefault(
                        seg.idempotency_key,
                        Handed(
                            seg.camera_id, seg.segment_start.ToDatetime(dt.UTC), time.monotonic()
                        ),
                    )
            elif kind == audit_event_pb2.AuditEvent.DESCRIPTOR.full_name:
                event = audit_event_pb2.AuditEvent.FromString(msg.data)
                with self._lock:
                    self.audit_ids.add(event.event_id)

        sub = await bus.nc.subscribe(f"{ns}.tncam.>", cb=on_msg, pending_bytes_limit=512 * 2**20)
        await bus.nc.flush()
        self._ready.set()
        await asyncio.to_thread(self._stop.wait)
        await sub.unsubscribe()
        await bus.close(timeout=5.0)

    def handed_before(self, cutoff: float) -> dict[str, Handed]:
        with self._lock:
            return {k: h for k, h in self.handed.items() if h.seen_at <= cutoff}


# ------------------------------------------------------------------------------ the database


def query(platform: Platform, sql: str, *args: object) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(platform.pg.dsn(), timeout=5)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(go())


def stored_rows(platform: Platform) -> list[asyncpg.Record]:
    return query(
        platform,
        "SELECT idempotency_key, camera_id, start_at, end_at, object_key "
        "FROM recorder.segments ORDER BY camera_id, start_at",
    )


def drops_audited(platform: Platform) -> int:
    return int(
        query(platform, "SELECT count(*) FROM audit.log_entries WHERE action = $1", DROP_ACTION)[0][
            0
        ]
    )


def camera_states(platform: Platform) -> dict[str, str]:
    rows = query(platform, "SELECT camera_id, state FROM registry.camera_connection")
    return {r["camera_id"]: r["state"] for r in rows}


def not_connected(platform: Platform) -> dict[str, str]:
    states = camera_states(platform)
    return {c: states.get(c, "-") for c in platform.camera_ids if states.get(c) != "connected"}


def latest_start(platform: Platform) -> dict[str, dt.datetime]:
    rows = query(
        platform, "SELECT camera_id, max(start_at) AS t FROM recorder.segments GROUP BY camera_id"
    )
    return {r["camera_id"]: r["t"] for r in rows}


def recording_since(platform: Platform, t: dt.datetime) -> list[str]:
    """The cameras with no segment stored that started after ``t`` (empty: all record)."""
    latest = latest_start(platform)
    return [c for c in platform.camera_ids if c not in latest or latest[c] <= t]


# ------------------------------------------------------------------------------ the checks


@dataclass
class Outcome:
    """The figures of one case: for the table, and the problems that fail it."""

    handed: int = 0
    lost: int = 0
    duplicated: int = 0
    dropped: int = 0
    audit_events: int = 0
    problems: list[str] = field(default_factory=list)


def segments_outcome(
    platform: Platform, observer: Observer, cutoff: float, drops_before: int, *, s3: bool = True
) -> Outcome:
    """Each segment handed off before ``cutoff`` stored exactly once, else counted as dropped."""
    handed = observer.handed_before(cutoff)
    rows = stored_rows(platform)
    keys = Counter(r["idempotency_key"] for r in rows)
    starts = Counter((r["camera_id"], r["start_at"]) for r in rows)
    missing = [k for k in handed if k not in keys]
    dropped = drops_audited(platform) - drops_before
    out = Outcome(handed=len(handed), dropped=dropped)
    out.lost = max(0, len(missing) - dropped)
    out.duplicated = sum(n - 1 for n in keys.values() if n > 1)
    out.duplicated += sum(n - 1 for n in starts.values() if n > 1)
    if not s3:
        return out
    versions = Counter(
        o.object_name
        for o in platform.s3.endpoint.client().list_objects(
            platform.bucket, prefix="cameras/", recursive=True, include_version=True
        )
        if o.object_name is not None and "/init/" not in o.object_name
    )
    out.duplicated += sum(n - 1 for n in versions.values() if n > 1)
    # Objects of segments still being written (after the cutoff) may not be indexed yet.
    expected = {segment_key(h.camera_id, h.start) for h in handed.values()}
    unindexed = (set(versions) & expected) - {r["object_key"] for r in rows}
    if out.lost:
        out.problems.append(f"{out.lost} segments handed off but neither stored nor dropped")
    if out.duplicated:
        out.problems.append(f"{out.duplicated} segments stored more than once")
    if unindexed:
        out.problems.append(f"objects in S3 with no index row: {sorted(unindexed)[:5]}")
    return out


def gaps(
    platform: Platform, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Each camera's holes longer than GAP_TOLERANCE_S between its segments in [start, end]."""
    out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {c: [] for c in platform.camera_ids}
    by_camera: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for r in stored_rows(platform):
        if r["end_at"] > start and r["start_at"] < end:
            by_camera.setdefault(r["camera_id"], []).append((r["start_at"], r["end_at"]))
    for camera in platform.camera_ids:
        spans = by_camera.get(camera, [])
        cursor = start
        for s, e in spans:
            if (s - cursor).total_seconds() > GAP_TOLERANCE_S:
                out[camera].append((cursor, s))
            cursor = max(cursor, e)
        if (end - cursor).total_seconds() > GAP_TOLERANCE_S:
            out[camera].append((cursor, end))
    return {c: g for c, g in out.items() if g}


@dataclass(frozen=True)
class Window:
    """Where a camera may have gaps, each at most ``longest`` long (None: any length)."""

    start: dt.datetime
    end: dt.datetime
    longest: dt.timedelta | None = None

    def holds(self, s: dt.datetime, e: dt.datetime) -> bool:
        inside = self.start <= s and e <= self.end
        return inside and (self.longest is None or e - s <= self.longest)


def outside(
    found: dict[str, list[tuple[dt.datetime, dt.datetime]]],
    allowed: dict[str, list[Window]],
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """The gaps that no window ``allowed`` for their camera holds (none allowed: every gap)."""
    out = {}
    for camera, spans in found.items():
        windows = allowed.get(camera, [])
        bad = [(s, e) for s, e in spans if not any(w.holds(s, e) for w in windows)]
        if bad:
            out[camera] = bad
    return out


#: Consecutive segments of a camera overlapping by more than this were recorded twice (one
#: session's segments join end to start).
OVERLAP_TOLERANCE_S = 0.5


def overlaps(platform: Platform, start: dt.datetime, end: dt.datetime) -> dict[str, list[str]]:
    """Each camera's segments in [start, end] that begin before an earlier one of it ends (two
    sessions at once): ``<key> starts <s> before <key> ends <e>``."""
    out: dict[str, list[str]] = {}
    last: dict[str, asyncpg.Record] = {}
    for r in stored_rows(platform):  # ordered by camera, start
        if not (r["end_at"] > start and r["start_at"] < end):
            continue
        camera = r["camera_id"]
        prev = last.get(camera)
        if (
            prev is not None
            and (prev["end_at"] - r["start_at"]).total_seconds() > OVERLAP_TOLERANCE_S
        ):
            out.setdefault(camera, []).append(
                f"{r['idempotency_key']} starts {r['start_at']:%T.%f} before "
                f"{prev['idempotency_key']} ends {prev['end_at']:%T.%f}"
            )
        if prev is None or r["end_at"] > prev["end_at"]:
            last[camera] = r
    return out


def audit_outcome(platform: Platform, observer: Observer) -> Outcome:
    """Every audit event the stream accepted is in the chain once; ``tncam audit verify`` passes."""
    out = Outcome()
    rows = query(
        platform,
        "SELECT count(*) AS n, coalesce(max(seq), 0) AS top, count(DISTINCT event_id) AS ids "
        "FROM audit.log_entries",
    )[0]
    out.audit_events = int(rows["n"])
    if not rows["n"] == rows["top"] == rows["ids"]:
        out.duplicated += int(rows["n"]) - int(rows["ids"])
        out.problems.append(f"audit chain: {dict(rows)} (rows, max seq, distinct ids differ)")
    logged = {r["event_id"] for r in query(platform, "SELECT event_id FROM audit.log_entries")}
    with observer._lock:
        published = set(observer.audit_ids)
    missing = published - logged
    if missing:
        out.lost += len(missing)
        out.problems.append(f"{len(missing)} audit events published but not in the chain")
    verified = verify_audit_log(platform)
    if not verified.ok or verified.tree_size != out.audit_events:
        out.problems.append(f"audit verify ({out.audit_events} rows): {verified}")
    return out


def verify_audit_log(platform: Platform) -> Any:
    """What ``tncam audit verify`` does (the chain, the tree, every checkpoint, the S3
    anchors), in this process: the command itself takes ~15 s to start on a loaded machine."""
    from tncam_audit.db import pg
    from tncam_audit.service.verification import timed_verify
    from tncam_audit.settings import AuditSettings
    from tncam_audit.storage.checkpoints import CheckpointStore
    from tncam_mesh.settings import load_settings

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(platform.env)
    try:
        settings = load_settings(AuditSettings)
    finally:
        os.environ.clear()
        os.environ.update(saved)

    async def go() -> Any:
        conn = await pg.connect(settings, purpose="faults-verify")
        try:
            return await timed_verify(
                conn, settings.verifiers(), settings.log_origin, store=CheckpointStore(settings)
            )
        finally:
            await conn.close()

    return asyncio.run(go())


def audit_drained(platform: Platform, observer: Observer) -> int:
    """How many audit events published are not in the chain yet (0: drained)."""
    logged = {r["event_id"] for r in query(platform, "SELECT event_id FROM audit.log_entries")}
    with observer._lock:
        return len(observer.audit_ids - logged)


def audit_stream_name(platform: Platform) -> str:
    return AUDIT_STREAM.scoped(platform.namespace).name
