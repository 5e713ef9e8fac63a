"""The hand-off over 3 partitions (ADR 0030), real NATS, PostgreSQL and MinIO.

Ingest's subjects route each camera to one partition stream, in order; the recorder's writers
(the production ``HandoffWriters``, pull loops as ``rt.consume`` runs them) store every segment
exactly once; streams left from other partition counts (the single stream of N = 1 and
partition 4 of N = 5) are drained too, and a removed one stops its writer.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import (
    DEADLETTER_STREAM,
    RECORDING_HANDOFF_STREAM,
    StreamSpec,
    dead_letter_subject,
)
from tncam_contracts.partitions import (
    handoff_partition,
    handoff_partition_stream,
    handoff_streams,
    segment_closed_subject,
)
from tncam_mesh.consumer import consume
from tncam_mesh.errors import UnavailableError
from tncam_mesh.jetstream import ConsumerSpec, ensure_stream, publish
from tncam_recorder.consumers.segments import SegmentWriter
from tncam_recorder.service.gauges import refresh_gauges
from tncam_recorder.service.writers import HandoffWriters
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.s3 import S3Endpoint

from .conftest import T0, Harness, Media, eventually, make_settings, recorder_harness, versions

pytestmark = pytest.mark.integration

N = 3
PER_CAMERA = 4
OLD = handoff_partition_stream(4)  # left from an earlier N = 5


@pytest.fixture
async def h(
    s3_endpoint: S3Endpoint,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    media: Media,
) -> AsyncIterator[Harness]:
    settings = make_settings(
        s3_endpoint,
        migrated_database,
        namespace,
        handoff_partitions=N,
        write_concurrency=2,
        handoff_rescan_s=0.3,
        gauges_interval_s=1.0,
    )
    async with recorder_harness(
        settings, s3_endpoint, nats_server, migrated_database, media, rpc=False
    ) as harness:
        for spec in (*handoff_streams(N), OLD):
            await ensure_stream(harness.bus.js, spec.scoped(namespace))
        yield harness


def cameras(h: Harness) -> list[str]:
    """Two cameras of each partition (of N = 3), the first two also of partition 4 of N = 5."""
    by_partition: dict[int, list[str]] = collections.defaultdict(list)
    old: list[str] = []
    for i in range(500):
        cam = h.camera(i)
        if len(old) < 2 and handoff_partition(cam, 5) == 4:
            old.append(cam)
        elif len(by_partition[handoff_partition(cam, N)]) < 2 and cam not in old:
            by_partition[handoff_partition(cam, N)].append(cam)
    assert len(old) == 2
    assert all(len(by_partition[k]) == 2 for k in range(N))
    return old + [c for k in range(N) for c in by_partition[k]]


async def publish_on(h: Harness, subject: str, msg: segment_pb2.SegmentClosed) -> None:
    await publish(h.bus.js, subject, msg, msg_id=msg.idempotency_key)


async def subjects_of(h: Harness, spec: StreamSpec) -> dict[str, int]:
    info = await h.bus.js.stream_info(spec.scoped(h.ns).name, subjects_filter=">")
    return dict(info.state.subjects or {})


async def camera_order(h: Harness, spec: StreamSpec) -> dict[str, list[int]]:
    """Each camera's segment sequence numbers in the stream's order."""
    name = spec.scoped(h.ns).name
    info = await h.bus.js.stream_info(name)
    order: dict[str, list[int]] = collections.defaultdict(list)
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        raw = await h.bus.js.get_msg(name, seq=seq)
        msg = segment_pb2.SegmentClosed.FromString(raw.data or b"")
        order[msg.camera_id].append(msg.sequence)
    return dict(order)


def start(h: Harness) -> HandoffWriters:
    async def pull(
        stream: StreamSpec, spec: ConsumerSpec, worker: str, stop: asyncio.Event
    ) -> None:
        await consume(
            h.bus.js,
            stream=stream.scoped(h.ns).name,
            consumer=spec,
            handler=writer.handle,
            stop=stop,
            batch=1,
            dead_letter_subject=dead_letter_subject(stream, h.ns),
            fetch_timeout=0.5,
            service="recorder",
            worker_id=worker,
        )

    writer = SegmentWriter(h.rec, h.stop)
    writers = HandoffWriters(h.rec, pull, h.stop)
    h.tasks.append(asyncio.create_task(writers.run()))
    return writers


@pytest.mark.parametrize("s3_endpoint", ["minio"], indirect=True)
async def test_partitions_store_each_segment_once_and_drain_other_partition_counts(
    h: Harness,
) -> None:
    cams = cameras(h)
    old_n5, moved_from_single = cams[:2], cams[2]
    # Before the change: the first two cameras' first segments went to partition 4 of N = 5,
    # one camera's to the single stream of N = 1; then everything under N = 3.
    for cam in old_n5:
        for i in range(2):
            msg = h.closed(cam, i, start=T0 + dt.timedelta(seconds=i))
            await publish_on(h, segment_closed_subject(cam, 5, h.ns), msg)
    for i in range(2):
        msg = h.closed(moved_from_single, i, start=T0 + dt.timedelta(seconds=i))
        await publish_on(h, segment_closed_subject(moved_from_single, 1, h.ns), msg)
    for i in range(PER_CAMERA):
        for cam in cams:
            if i < 2 and (cam in old_n5 or cam == moved_from_single):
                continue
            msg = h.closed(cam, i, start=T0 + dt.timedelta(seconds=i))
            await publish_on(h, segment_closed_subject(cam, N, h.ns), msg)

    # Routing: each partition holds exactly its cameras, each camera's segments in order.
    for k, spec in enumerate(handoff_streams(N)):
        held = await subjects_of(h, spec)
        want = {c for c in cams if handoff_partition(c, N) == k}
        assert {s.rsplit(".", 1)[1] for s in held} == want
        assert all(s.split(".")[-2] == f"p{k}" for s in held)
        for cam, seqs in (await camera_order(h, spec)).items():
            assert seqs == sorted(seqs), (k, cam, seqs)
            assert seqs == list(range(PER_CAMERA - len(seqs), PER_CAMERA))
    assert sum((await subjects_of(h, OLD)).values()) == 4
    assert sum((await subjects_of(h, RECORDING_HANDOFF_STREAM)).values()) == 2

    writers = start(h)

    async def all_stored() -> bool:
        counts = [len(await h.rows(c)) for c in cams]
        return all(n == PER_CAMERA for n in counts)

    await eventually(all_stored, timeout=20.0)
    for cam in cams:
        rows = await h.rows(cam)
        assert [r.sequence for r in rows] == list(range(PER_CAMERA)), cam
        assert len({r.idempotency_key for r in rows}) == PER_CAMERA
        media = [v for v in versions(h, f"cameras/{cam}/") if v.object_name.endswith(".m4s")]
        assert len(media) == PER_CAMERA, cam  # one object version each: stored exactly once

    # Every stream empty, nothing dead-lettered, stale streams counted in the gauges.
    for spec in (*handoff_streams(N), OLD, RECORDING_HANDOFF_STREAM):
        assert (await h.bus.js.stream_info(spec.scoped(h.ns).name)).state.messages == 0
    dead = await h.bus.js.stream_info(DEADLETTER_STREAM.scoped(h.ns).name, subjects_filter=">")
    assert not dead.state.subjects
    assert set(writers.draining) == {
        OLD.scoped(h.ns).name,
        RECORDING_HANDOFF_STREAM.scoped(h.ns).name,
    }
    await refresh_gauges(h.rec)
    m = h.rec.metrics
    assert m.stale_partitions._value.get() == 2
    for label in ("0", "1", "2", "4", "all"):
        assert m.partition_messages.labels(partition=label)._value.get() == 0

    # The operator removes the drained stream of N = 5: its writer stops; one left.
    await h.bus.js.delete_stream(OLD.scoped(h.ns).name)

    async def one_left() -> bool:
        return list(writers.draining) == [RECORDING_HANDOFF_STREAM.scoped(h.ns).name]

    await eventually(one_left, timeout=5.0)
    assert m.stale_partitions._value.get() == 1

    # Readiness: every partition of this N must exist.
    await writers.check()
    p2 = handoff_streams(N)[2].scoped(h.ns)
    await h.bus.js.delete_stream(p2.name)
    with pytest.raises(UnavailableError, match=p2.name):
        await writers.check()
    await ensure_stream(h.bus.js, p2)
    await writers.check()
