"""Recorder integration harness: real NATS, PostgreSQL (migrated), S3 (MinIO and SeaweedFS)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from minio.error import S3Error
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from tncam.audit.v1 import audit_event_pb2
from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import (
    AUDIT_STREAM,
    DEADLETTER_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    SEGMENT_CLOSED,
    dead_letter_subject,
    segment_idempotency_key,
)
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus, connect
from tncam_mesh.consumer import consume
from tncam_mesh.db import create_engine, session_factory
from tncam_mesh.jetstream import ensure_stream, publish
from tncam_mesh.rpc import RpcService
from tncam_recorder.api.rpc import add_endpoints
from tncam_recorder.app import make_store, writer_consumer
from tncam_recorder.consumers.segments import SegmentWriter
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.domain.signing import load_private_key
from tncam_recorder.media.fmp4 import fragment_elementary
from tncam_recorder.metrics import RecorderMetrics
from tncam_recorder.service.context import Recorder
from tncam_recorder.service.segments import Segments
from tncam_recorder.settings import RecorderSettings
from tncam_testkit.cameras import make_clips
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.s3 import S3Endpoint

T0 = dt.datetime(2026, 11, 20, 1, 0, 0, tzinfo=dt.UTC)
OFFICER = actor_pb2.Actor(
    id="u-42", display_name="Nguyễn Văn An", unit_id="ca-tn", role=actor_pb2.ROLE_UNIT_OPERATOR
)
ADMIN = actor_pb2.Actor(id="u-1", display_name="Quản trị", role=actor_pb2.ROLE_PROVINCE_ADMIN)


@dataclass(frozen=True)
class Media:
    """Real H.265 fMP4: one init segment and 1-second fragments (10 fps, GOP 10)."""

    init: bytes
    fragments: list[bytes]

    @property
    def init_sha(self) -> str:
        return hashlib.sha256(self.init).hexdigest()


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    clips = make_clips(tmp_path_factory.mktemp("clips"), seconds=12, fps=10, gop=10)
    init, fragments = fragment_elementary(clips.h265, codec="hevc", fps=10)
    assert len(fragments) == 12
    return Media(init, fragments)


class FakeClock:
    """A clock the test moves."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Harness:
    rec: Recorder
    bus: Bus
    ns: str
    settings: RecorderSettings
    engine: AsyncEngine
    endpoint: S3Endpoint
    clock: FakeClock
    media: Media
    prefix: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def camera(self, n: int) -> str:
        return f"{self.prefix}-{n}"

    def closed(
        self, camera_id: str, index: int, *, start: dt.datetime, init: bool = True
    ) -> segment_pb2.SegmentClosed:
        """SegmentClosed of fragment ``index`` (cycled) starting at ``start`` (1 s long)."""
        frag = self.media.fragments[index % len(self.media.fragments)]
        msg = segment_pb2.SegmentClosed(
            camera_id=camera_id,
            sequence=index,
            session_id="s-1",
            worker_id="ingest-test",
            idempotency_key=segment_idempotency_key(camera_id, start),
            init_sha256=self.media.init_sha,
            init_included=init,
            init_segment=self.media.init if init else b"",
            media_bytes=frag,
            size_bytes=len(frag),
            sha256=hashlib.sha256(frag).hexdigest(),
            codec="hevc",
            codec_string="hvc1.1.6.L60.90",
            width=320,
            height=240,
            keyframe_at_start=True,
            frames=10,
        )
        msg.segment_start.FromDatetime(start)
        msg.segment_end.FromDatetime(start + dt.timedelta(seconds=1))
        msg.duration.FromSeconds(1)
        return msg

    async def publish_closed(self, msg: segment_pb2.SegmentClosed, msg_id: str = "") -> None:
        await publish(
            self.bus.js,
            SEGMENT_CLOSED.subject(msg.camera_id, self.ns),
            msg,
            msg_id=msg_id or msg.idempotency_key,
        )

    async def write_direct(
        self, camera_id: str, count: int, start: dt.datetime, *, first: int = 0
    ) -> None:
        """Store ``count`` consecutive 1-s segments without the bus (setup for reading tests);
        fragment ``first + i`` of the clip, so media time runs on like one RTSP session."""
        writer = Segments(self.rec)
        for i in range(count):
            await writer.write(
                self.closed(camera_id, first + i, start=start + dt.timedelta(seconds=i))
            )

    def start_writers(self, n: int = 2) -> None:
        writer = SegmentWriter(self.rec, self.stop)
        stream = RECORDING_HANDOFF_STREAM.scoped(self.ns).name
        for i in range(n):
            self.tasks.append(
                asyncio.create_task(
                    consume(
                        self.bus.js,
                        stream=stream,
                        consumer=writer_consumer(self.settings),
                        handler=writer.handle,
                        stop=self.stop,
                        batch=1,
                        dead_letter_subject=dead_letter_subject(RECORDING_HANDOFF_STREAM, self.ns),
                        fetch_timeout=0.5,
                        service="recorder",
                        worker_id=f"w{i}",
                    )
                )
            )

    async def rows(self, camera_id: str) -> list[Any]:
        async with self.engine.connect() as c:
            return list(
                await c.execute(
                    sa.text("SELECT * FROM segments WHERE camera_id = :c ORDER BY start_at"),
                    {"c": camera_id},
                )
            )

    async def audit_events(self) -> list[audit_event_pb2.AuditEvent]:
        stream = AUDIT_STREAM.scoped(self.ns)
        sub = await self.bus.js.pull_subscribe(stream.subjects[0], durable=None, stream=stream.name)
        events = []
        with contextlib.suppress(TimeoutError):
            while True:
                for m in await sub.fetch(100, timeout=0.5):
                    events.append(audit_event_pb2.AuditEvent.FromString(m.data))
                    await m.ack()
        await sub.unsubscribe()
        return events


async def eventually(predicate: Callable[[], Any], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():  # noqa: ASYNC110 - polls servers, not local state
            await asyncio.sleep(0.1)


def versions(h: Harness, prefix: str, *, exact: bool = False) -> list[Any]:
    """Every version and delete marker under ``prefix`` (or of exactly that key), read
    straight from the store."""
    return [
        v
        for v in h.endpoint.client().list_objects(
            h.rec.store.bucket, prefix=prefix, recursive=True, include_version=True
        )
        if not exact or v.object_name == prefix
    ]


def held_in_store(h: Harness, key: str, version_id: str) -> bool:
    """Whether the version is under S3 legal hold, read straight from the store."""
    try:
        return bool(
            h.endpoint.client().is_object_legal_hold_enabled(h.rec.store.bucket, key, version_id)
        )
    except S3Error as e:  # SeaweedFS: a version never held has no legal-hold configuration
        if e.code == "NoSuchObjectLegalHold":
            return False
        raise


def make_settings(
    endpoint: S3Endpoint, db: MigratedDatabase, ns: str, **extra: Any
) -> RecorderSettings:
    return RecorderSettings(
        environment="test",
        nats_namespace=ns,
        database_url=db.base_url,
        db_password=db.passwords["recorder"],
        s3_endpoint=endpoint.url,
        s3_access_key=endpoint.access_key,
        s3_secret_key=endpoint.secret_key,
        bucket=f"rec-{uuid.uuid4().hex[:12]}",
        signing_key="nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
        **extra,
    )


@pytest.fixture
async def harness(
    s3_endpoint: S3Endpoint,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    media: Media,
) -> AsyncIterator[Harness]:
    settings = make_settings(s3_endpoint, migrated_database, namespace)
    async with recorder_harness(settings, s3_endpoint, nats_server, migrated_database, media) as h:
        yield h


@contextlib.asynccontextmanager
async def recorder_harness(
    settings: RecorderSettings,
    endpoint: S3Endpoint,
    nats_server: NatsServer,
    db: MigratedDatabase,
    media: Media,
    *,
    rpc: bool = True,
) -> AsyncIterator[Harness]:
    ns = settings.nats_namespace
    bus = await connect(nats_server.url, name="recorder-test", timeout=5.0)
    engine = create_engine(
        db.url("recorder"),
        schema="recorder",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        application_name="recorder-test",
    )
    for spec in (RECORDING_HANDOFF_STREAM, RECORDING_STREAM, AUDIT_STREAM, DEADLETTER_STREAM):
        await ensure_stream(bus.js, spec.scoped(ns))
    clock = FakeClock(T0 + dt.timedelta(hours=1))
    store = make_store(settings)
    rec = Recorder(
        settings=settings,
        sessions=session_factory(engine),
        store=store,
        js=bus.js,
        audit=AuditClient(bus.js, service="recorder", namespace=ns),
        metrics=RecorderMetrics(CollectorRegistry()),
        signing_key=load_private_key(settings.signing_key.get_secret_value()),
        clock=clock,
    )
    await store.provision(lifecycle_rules(settings.retention_classes))
    prefix = f"c{uuid.uuid4().hex[:8]}"
    h = Harness(rec, bus, ns, settings, engine, endpoint, clock, media, prefix)
    svc = RpcService(bus, name="recorder", version="0.1.0", namespace=ns)
    if rpc:
        await svc.start()
        await add_endpoints(svc, rec)
    try:
        yield h
    finally:
        h.stop.set()
        for t in h.tasks:
            with contextlib.suppress(Exception):
                await t
        await svc.stop()
        async with engine.begin() as c:
            like = {"p": f"{prefix}-%"}
            await c.execute(
                sa.text(
                    "DELETE FROM segment_holds WHERE segment_id IN "
                    "(SELECT segment_id FROM segments WHERE camera_id LIKE :p)"
                ),
                like,
            )
            for table in ("segments", "init_segments", "exports", "deletion_certificates"):
                await c.execute(sa.text(f"DELETE FROM {table} WHERE camera_id LIKE :p"), like)  # noqa: S608
            await c.execute(sa.text("DELETE FROM legal_holds WHERE camera_ids[1] LIKE :p"), like)
        await engine.dispose()
        store.close()
        await bus.close(timeout=5.0)
