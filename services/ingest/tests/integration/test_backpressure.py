"""Back-pressure: the recorder away, the hand-off stream full, the spool grows, then drains."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict

import nats.errors
import pytest
from nats.js import api

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import RECORDING_HANDOFF_STREAM, SEGMENT_CLOSED
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.cameras import CameraSimulator

pytestmark = pytest.mark.integration

# The scenario is a recorder away for 60 s; 12 s (6 segments per camera) exercises the
# same path and keeps the suite fast.
RECORDER_AWAY_S = 12.0


async def test_spool_grows_while_recorder_away_then_drains_in_order(
    harness, camera_fleet: CameraSimulator
):
    ns = harness.namespace
    js = harness.bus.js
    # A small stream stands in for a full one: it refuses new messages (discard new).
    stream = dataclasses.replace(RECORDING_HANDOFF_STREAM, max_msgs=3).scoped(ns)
    await ensure_stream(js, stream)
    await js.add_consumer(
        stream.name,
        api.ConsumerConfig(
            durable_name="recorder",
            ack_policy=api.AckPolicy.EXPLICIT,
            filter_subject=SEGMENT_CLOSED.filter(ns),
        ),
    )
    psub = await js.pull_subscribe_bind("recorder", stream=stream.name)
    await harness.put_camera("cam1", camera_fleet.url(1))
    await harness.put_camera("cam3", camera_fleet.url(3))
    received: list[segment_pb2.SegmentClosed] = []

    async def recorder(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                msgs = await psub.fetch(8, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for m in msgs:
                received.append(segment_pb2.SegmentClosed.FromString(m.data))
                await m.ack_sync()

    async with harness.worker() as worker:
        handoff = worker.handoff
        await asyncio.sleep(RECORDER_AWAY_S)
        spooled = handoff.spool.count
        assert spooled >= 4, f"spool should have grown, has {spooled}"
        stop = asyncio.Event()
        task = asyncio.create_task(recorder(stop))
        await harness.events.wait_for(
            lambda: handoff.spool.count == 0 and handoff.pending == 0,
            timeout=30,
            what="spool drained",
        )
        await harness.events.wait_for(
            lambda: len({s.idempotency_key for s in received}) >= 14, timeout=10, what="more"
        )
    # The worker stopped: its last segments were handed off before it exited.
    await asyncio.sleep(1.0)
    stop.set()
    await task
    await psub.unsubscribe()
    keys = [s.idempotency_key for s in received]
    assert len(keys) == len(set(keys)), "a segment was delivered twice"
    by_session: dict[str, list[int]] = defaultdict(list)
    for s in received:
        by_session[s.session_id].append(s.sequence)
    for session, seqs in by_session.items():
        # Per camera, in order and without a hole: nothing lost.
        assert seqs == list(range(len(seqs))), (session, seqs)
    assert worker.metrics.dropped.labels(reason="spool_full")._value.get() == 0
