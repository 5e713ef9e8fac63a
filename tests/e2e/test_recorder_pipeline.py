"""The recorder as a process: hand-off in, SegmentStored out, timeline, export verified by the
``tncam export verify`` command, graceful SIGTERM."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import (
    RECORDING_CREATE_EXPORT,
    RECORDING_GET_OBJECT,
    RECORDING_GET_TIMELINE,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    SEGMENT_STORED,
)
from tncam_mesh.bus import Bus
from tncam_mesh.jetstream import ensure_stream
from tncam_mesh.rpc import call
from tncam_recorder.media.fmp4 import fragment_elementary
from tncam_testkit.cameras import make_clips
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.s3 import S3Endpoint
from tncam_testkit.segments import publish_clip
from tncam_testkit.services import ServiceProcess, http_get

from .conftest import run_tncam, ts

pytestmark = pytest.mark.e2e

SIGNING_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
OFFICER = actor_pb2.Actor(id="u-9", display_name="Trần Thị Bình", role=actor_pb2.ROLE_UNIT_OPERATOR)


@pytest.fixture
def recorder(
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    s3_endpoint: S3Endpoint,
    namespace: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(migrated_database.env())
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_NATS_NAMESPACE": namespace,
            "TNCAM_S3_ENDPOINT": s3_endpoint.url,
            "TNCAM_S3_ACCESS_KEY": s3_endpoint.access_key,
            "TNCAM_S3_SECRET_KEY": s3_endpoint.secret_key,
            "TNCAM_RECORDER_BUCKET": f"e2e-{uuid.uuid4().hex[:10]}",
            "TNCAM_RECORDER_SIGNING_KEY": SIGNING_KEY,
            "TNCAM_RECORDER_WRITE_CONCURRENCY": "2",
        }
    )
    proc = ServiceProcess("recorder", env=env, log_dir=tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        log = (tmp_path / "recorder.log").read_text()
        assert s3_endpoint.secret_key not in log
        assert SIGNING_KEY not in log
        assert migrated_database.passwords["recorder"] not in log


async def test_recorder_stores_serves_and_exports(
    recorder: ServiceProcess, bus: Bus, namespace: str, tmp_path: Path
) -> None:
    clips = make_clips(tmp_path / "clips", seconds=6, fps=10, gop=10)
    init, fragments = fragment_elementary(clips.h265, codec="hevc", fps=10)
    await ensure_stream(bus.js, RECORDING_HANDOFF_STREAM.scoped(namespace))
    cam = f"cam-{namespace}"
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    # A 2 s gap after 3 s.
    starts = [t0 + dt.timedelta(seconds=i if i < 3 else i + 2) for i in range(len(fragments))]
    await publish_clip(bus.js, namespace, cam, init, fragments, starts)
    sub = await bus.js.pull_subscribe(
        SEGMENT_STORED.filter(namespace),
        durable=None,
        stream=RECORDING_STREAM.scoped(namespace).name,
    )
    stored: list[segment_pb2.SegmentStored] = []
    async with asyncio.timeout(30):
        while len(stored) < len(fragments):
            try:
                got = await sub.fetch(10, timeout=1)
            except TimeoutError:
                continue
            stored += [segment_pb2.SegmentStored.FromString(m.data) for m in got]
    await sub.unsubscribe()
    assert {s.sequence for s in stored} == set(range(len(fragments)))

    tl = await call(
        bus,
        RECORDING_GET_TIMELINE,
        api.GetTimelineRequest(camera_id=cam, start=ts(t0), end=ts(t0 + dt.timedelta(seconds=8))),
        api.TimelineReply,
        namespace=namespace,
    )
    assert [(g.start.ToDatetime(dt.UTC), g.end.ToDatetime(dt.UTC)) for g in tl.gaps] == [
        (t0 + dt.timedelta(seconds=3), t0 + dt.timedelta(seconds=5))
    ]

    exp = await call(
        bus,
        RECORDING_CREATE_EXPORT,
        api.CreateExportRequest(
            camera_id=cam,
            start=ts(t0),
            end=ts(t0 + dt.timedelta(seconds=8)),
            requester=OFFICER,
            purpose_code=audit_pb.PURPOSE_CODE_PUBLIC_ORDER,
            purpose_text="Kiểm tra an ninh trật tự",
            grant_id="g-1",
        ),
        api.ExportReply,
        namespace=namespace,
        timeout=60,
    )
    data = bytearray()
    while True:
        chunk = await call(
            bus,
            RECORDING_GET_OBJECT,
            api.ReadObjectRequest(export_id=exp.export_id, offset=len(data)),
            api.ObjectChunk,
            namespace=namespace,
        )
        data += chunk.data
        if chunk.eof:
            break
    bundle = tmp_path / "export.zip"
    bundle.write_bytes(bytes(data))
    ok = await asyncio.to_thread(run_tncam, None, "export", "verify", str(bundle))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "HỢP LỆ" in ok.stdout
    data[len(data) // 2] ^= 0xFF
    bundle.write_bytes(bytes(data))
    bad = await asyncio.to_thread(run_tncam, None, "export", "verify", str(bundle))
    assert bad.returncode == 1, bad.stdout + bad.stderr

    status, body = http_get(f"{recorder.url}/metrics")
    assert status == 200
    assert b"tncam_recorder_segments_written_total" in body
    assert b"tncam_recorder_buffer_age_seconds" in body

    assert recorder.proc is not None
    recorder.proc.send_signal(signal.SIGTERM)
    assert recorder.proc.wait(timeout=15) == 0
