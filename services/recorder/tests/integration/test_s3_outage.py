"""S3 stopped for 60 s, then back on the same port, data and credentials: nothing is lost.

A dedicated MinIO (not the session one) is stopped while segments keep arriving on the
RECORDING_HANDOFF work queue. They wait in the stream; once MinIO is back every segment is
stored exactly once (one index row, one object version, the right bytes) and none went to the
dead letters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import (
    DEADLETTER_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    SEGMENT_STORED,
)
from tncam_recorder.domain.keys import segment_id
from tncam_recorder.domain.signing import segment_id_key
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port
from tncam_testkit.s3 import MinioServer, minio_binary

from .conftest import T0, Harness, Media, eventually, make_settings, recorder_harness

pytestmark = pytest.mark.integration

OUTAGE_S = 60.0
BEFORE, DURING = 3, 12  # segments stored before the outage, published during it


@pytest.fixture
def restartable_minio(tmp_path: Path) -> Iterator[MinioServer]:
    """A MinIO of this test alone, with fixed ports and credentials so it can come back."""
    assert minio_binary() is not None, "MinIO binary missing: run scripts/build-minio.sh"
    port = free_port()
    console = free_port()
    while console == port:
        console = free_port()
    server = MinioServer(
        tmp_path / "minio",
        port=port,
        console_port=console,
        credentials=(f"tncam-{secrets.token_hex(4)}", secrets.token_urlsafe(24)),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _stream_messages(h: Harness, name: str) -> int:
    info = await h.bus.js.stream_info(name)
    return int(info.state.messages)


async def test_s3_outage_of_60_s_loses_nothing(
    restartable_minio: MinioServer,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    media: Media,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = restartable_minio
    endpoint = server.endpoint
    # Short timeouts and retry cap so the drain starts within seconds of MinIO's return.
    settings = make_settings(
        endpoint, migrated_database, namespace, s3_timeout_s=3.0, s3_retry_cap_s=2.0
    )
    caplog.set_level(logging.DEBUG)
    async with recorder_harness(
        settings, endpoint, nats_server, migrated_database, media, rpc=False
    ) as h:
        cam = h.camera(1)
        msgs = [
            h.closed(cam, i, start=T0 + dt.timedelta(seconds=i), init=True)
            for i in range(BEFORE + DURING)
        ]
        h.start_writers(2)
        for m in msgs[:BEFORE]:
            await h.publish_closed(m)

        async def rows_are(n: int) -> bool:
            return len(await h.rows(cam)) == n

        await eventually(lambda: rows_are(BEFORE), timeout=30)

        await asyncio.to_thread(server.stop)
        down_at = time.monotonic()
        # A camera keeps sending while the store is down: one segment every 4 s.
        for m in msgs[BEFORE:]:
            await h.publish_closed(m)
            await asyncio.sleep(4.0)
        handoff = RECORDING_HANDOFF_STREAM.scoped(h.ns).name
        assert await _stream_messages(h, handoff) == DURING  # kept in the stream
        assert len(await h.rows(cam)) == BEFORE  # nothing indexed without its object
        assert h.rec.metrics.s3_unavailable._value.get() > 0
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))

        await asyncio.to_thread(server.start)
        assert server.endpoint == endpoint  # same port and credentials: same client works
        back_at = time.monotonic()
        await eventually(lambda: rows_are(BEFORE + DURING), timeout=60)
        drained_in = time.monotonic() - back_at

        async def drained() -> bool:
            return await _stream_messages(h, handoff) == 0

        await eventually(drained, timeout=30)

        rows = await h.rows(cam)
        id_key = segment_id_key(h.rec.signing_key)
        assert [r.segment_id for r in rows] == [segment_id(m.idempotency_key, id_key) for m in msgs]
        client = endpoint.client()
        bucket = h.rec.store.bucket
        for m, row in zip(msgs, rows, strict=True):
            assert row.sha256 == m.sha256
            versions = list(
                client.list_objects(bucket, prefix=row.object_key, include_version=True)
            )
            assert [v.version_id for v in versions] == [row.version_id], row.object_key
            resp = client.get_object(bucket, row.object_key, version_id=row.version_id)
            try:
                assert hashlib.sha256(resp.read()).hexdigest() == m.sha256
            finally:
                resp.close()
                resp.release_conn()
        segment_objects = [
            o for o in client.list_objects(bucket, prefix=f"cameras/{cam}/", recursive=True)
        ]
        assert len([o for o in segment_objects if "/init/" not in o.object_name]) == len(msgs)

        assert await _stream_messages(h, DEADLETTER_STREAM.scoped(h.ns).name) == 0
        stream = RECORDING_STREAM.scoped(h.ns)
        sub = await h.bus.js.pull_subscribe(
            SEGMENT_STORED.filter(h.ns), durable=None, stream=stream.name
        )
        stored: list[segment_pb2.SegmentStored] = []
        async with asyncio.timeout(15):
            while len(stored) < len(msgs):
                try:
                    got = await sub.fetch(50, timeout=1)
                except TimeoutError:
                    continue
                stored += [segment_pb2.SegmentStored.FromString(x.data) for x in got]
        await sub.unsubscribe()
        assert sorted(s.idempotency_key for s in stored) == sorted(m.idempotency_key for m in msgs)
        assert h.rec.metrics.segments_written.labels(result="stored")._value.get() == len(msgs)
        assert drained_in < 30, drained_in
        logging.getLogger("tncam.test").info(
            "s3 outage: drained %d segments in %.1f s after restart", DURING, drained_in
        )
    assert endpoint.secret_key not in caplog.text
