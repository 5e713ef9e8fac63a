"""Back-pressure (issue 4): the recorder stopped for 60 s, the spool grows, then drains.

"Recorder stopped" as the hand-off design has it (ADR 0008): the recorders' durable
work-queue consumer exists on ``RECORDING_HANDOFF`` but nobody pulls from it, so the stream
fills up to its byte limit and, being ``discard=new``, refuses further segments; ingest
spools them to disk in order. When the recorder returns it takes the stream's backlog, the
stream accepts again, and the spool drains in order. Every segment cut by the worker must
arrive exactly once: no loss, no duplicate, no drop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import defaultdict

import nats.errors
import pytest

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import RECORDING_HANDOFF_STREAM, SEGMENT_CLOSED
from tncam_ingest.service.worker import IngestWorker
from tncam_mesh.jetstream import ConsumerSpec, ensure_consumer, ensure_stream
from tncam_testkit.cameras import CameraSimulator

pytestmark = pytest.mark.integration

RECORDER_AWAY_S = 60.0
# Room for a few test segments (320x240, 2 s: ~10-60 KB each): the stream is full long
# before the recorder returns.
STREAM_MAX_BYTES = 256 * 1024
# The recorder's durable consumer (services/recorder: WRITER_DURABLE).
RECORDER_DURABLE = "recorder-writer"


def _sample(worker: IngestWorker, name: str) -> float:
    value = worker.metrics.registry.get_sample_value(name)
    return float(value or 0.0)


async def test_recorder_away_60s_spool_grows_then_drains_exactly_once(
    harness, camera_fleet: CameraSimulator
):
    ns = harness.namespace
    js = harness.bus.js
    stream = dataclasses.replace(RECORDING_HANDOFF_STREAM, max_bytes=STREAM_MAX_BYTES).scoped(ns)
    await js.delete_stream(stream.name)  # the harness made it without the byte limit
    await ensure_stream(js, stream)
    consumer = ConsumerSpec(
        durable=RECORDER_DURABLE,
        filter_subjects=(SEGMENT_CLOSED.filter(),),
        ack_wait_s=30.0,
        max_ack_pending=256,
    ).scoped(ns)
    await ensure_consumer(js, stream.name, consumer)
    await harness.put_camera("cam1", camera_fleet.url(1))
    await harness.put_camera("cam3", camera_fleet.url(3))
    received: list[segment_pb2.SegmentClosed] = []

    async def recorder(stop: asyncio.Event) -> None:
        psub = await js.pull_subscribe_bind(RECORDER_DURABLE, stream=stream.name)
        try:
            while not stop.is_set():
                try:
                    msgs = await psub.fetch(16, timeout=0.5)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                for m in msgs:
                    received.append(segment_pb2.SegmentClosed.FromString(m.data))
                    await m.ack_sync()
        finally:
            await psub.unsubscribe()

    t0 = time.monotonic()
    stop = asyncio.Event()
    async with harness.worker() as worker:
        handoff = worker.handoff
        spool_dir = handoff.spool.directory
        # The recorder is away: sample the spool (metric and files) while it grows.
        series: list[tuple[float, float, int]] = []
        while (elapsed := time.monotonic() - t0) < RECORDER_AWAY_S:
            await asyncio.sleep(1.0)
            files = len(list(spool_dir.glob("*.seg"))) if spool_dir.exists() else 0
            series.append((elapsed, _sample(worker, "tncam_ingest_spool_segments"), files))
        info = await js.stream_info(stream.name)
        assert info.state.messages > 0, "the stream should hold the first segments"
        assert received == [], "nobody consumed while the recorder was away"
        assert info.state.bytes <= STREAM_MAX_BYTES
        peak = max(s[1] for s in series)
        half = max(s[1] for s in series if s[0] <= RECORDER_AWAY_S / 2)
        # 2 cameras x 2 s segments x 60 s = ~60 segments; the stream holds a few of them.
        assert peak >= 30, f"the spool should have grown: {series}"
        assert peak > half, f"the spool should keep growing while the recorder is away: {series}"
        assert series[-1][2] >= 30, f"segments should be on disk: {series}"

        # The recorder returns: the backlog in the stream, then the spool, drain in order.
        back_at = time.monotonic()
        task = asyncio.create_task(recorder(stop))
        await harness.events.wait_for(
            lambda: handoff.spool.count == 0 and handoff.pending <= 1,
            timeout=40,
            what="spool drained",
        )
        drained_s = time.monotonic() - back_at
        assert _sample(worker, "tncam_ingest_spool_segments") == 0
        assert not list(spool_dir.glob("*.seg"))
    # The worker stopped: it hands off what it still held before exiting.
    assert handoff.spool.count == 0
    assert handoff.pending == 0
    submitted = _sample(worker, "tncam_ingest_segment_duration_seconds_count")
    await harness.events.wait_for(
        lambda: len(received) >= submitted, timeout=10, what="the last segments"
    )
    await asyncio.sleep(0.5)  # anything extra (a duplicate) would arrive now
    stop.set()
    await task

    keys = [s.idempotency_key for s in received]
    assert len(keys) == len(set(keys)), "a segment was delivered twice"
    assert len(received) == submitted, f"{submitted} segments cut, {len(received)} received"
    by_camera: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for s in received:
        by_camera[s.camera_id].append((s.session_id, s.sequence))
    assert set(by_camera) == {"cam1", "cam3"}
    for camera, order in by_camera.items():
        # Per camera in arrival order (the hand-off order): a session's segments 0, 1, 2, ...
        # without a hole, and a later session's only after all of the earlier one's.
        sessions: dict[str, list[int]] = defaultdict(list)
        for session, seq in order:
            sessions[session].append(seq)
        for session, seqs in sessions.items():
            assert seqs == list(range(len(seqs))), (camera, session, seqs)
        runs = [
            session for i, (session, _) in enumerate(order) if i == 0 or order[i - 1][0] != session
        ]
        assert len(runs) == len(sessions), f"{camera}: sessions interleaved: {order}"
    assert sum(len(v) for v in by_camera.values()) >= 50, "about 2 cameras x 60 s / 2 s"
    m = worker.metrics
    assert m.dropped.labels(reason="spool_full")._value.get() == 0
    assert m.dropped.labels(reason="rejected")._value.get() == 0
    assert _sample(worker, "tncam_ingest_spool_segments") == 0
    assert drained_s < 40
