"""Ingest's hand-off over 3 partitions (ADR 0030) against a real nats-server.

Every camera's segments go to the one partition stream its id hashes to, in the order they
were cut; a segment spooled before the change of N is published under the new N.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import random
import string
import time
import uuid
from pathlib import Path

import pytest
from nats.aio.msg import Msg

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import segment_idempotency_key
from tncam_contracts.partitions import handoff_partition, handoff_streams
from tncam_ingest.bus.handoff import Drop, HandOff
from tncam_ingest.bus.spool import Spool
from tncam_ingest.media.stream import ClosedSegment
from tncam_ingest.metrics import IngestMetrics
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.nats import NatsServer

pytestmark = pytest.mark.integration

N = 3
T0 = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)


def segment(camera_id: str, index: int) -> tuple[str, bytes]:
    msg = segment_pb2.SegmentClosed(
        camera_id=camera_id,
        sequence=index,
        idempotency_key=segment_idempotency_key(camera_id, T0 + dt.timedelta(seconds=2 * index)),
        media_bytes=b"\0" * 100,
    )
    return msg.idempotency_key, msg.SerializeToString()


async def test_segments_go_to_their_camera_partition_in_order(
    nats_server: NatsServer, namespace: str, tmp_path: Path
) -> None:
    bus = await connect(nats_server.url, name="ingest-partitions-test", timeout=5.0)
    drops: list[Drop] = []
    try:
        for spec in handoff_streams(N):
            await ensure_stream(bus.js, spec.scoped(namespace))
        spool = Spool(tmp_path / "spool", 64 * 1024 * 1024)
        # Left in the spool by a run under another N: published under this one, first.
        await asyncio.to_thread(spool.put, "cam-0", segment("cam-0", 0)[1])
        handoff = HandOff(
            bus.js,
            namespace=namespace,
            spool=spool,
            metrics=IngestMetrics(),
            on_drop=drops.append,
            partitions=N,
        )
        assert await handoff.recover() == 1
        cams = [f"cam-{i}" for i in range(9)]
        for i in range(5):
            for cam in cams:
                if cam == "cam-0" and i == 0:
                    continue  # in the spool
                key, payload = segment(cam, i)
                handoff.submit(ClosedSegment(cam, key, payload, 0.0, 2.0, 100, time.monotonic()))
        stop = asyncio.Event()
        runner = asyncio.create_task(handoff.run(stop))
        async with asyncio.timeout(10.0):  # (drained() gives up while a shard is degraded)
            while handoff.pending:  # noqa: ASYNC110 - the publisher has no event for it
                await asyncio.sleep(0.02)
        stop.set()
        await runner
        assert not drops

        seen: dict[str, list[int]] = collections.defaultdict(list)
        for k, spec in enumerate(handoff_streams(N)):
            name = spec.scoped(namespace).name
            info = await bus.js.stream_info(name)
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                raw = await bus.js.get_msg(name, seq=seq)
                msg = segment_pb2.SegmentClosed.FromString(raw.data or b"")
                assert handoff_partition(msg.camera_id, N) == k
                want = f"{namespace}.tncam.recording.v1.segment_closed.p{k}.{msg.camera_id}"
                assert raw.subject == want
                seen[msg.camera_id].append(msg.sequence)
        # Each camera once, in order (cam-0's spooled segment first).
        assert dict(seen) == {cam: [0, 1, 2, 3, 4] for cam in cams}
        assert {handoff_partition(c, N) for c in cams} == set(range(N))
    finally:
        await bus.close(timeout=5.0)


async def test_the_partition_is_the_one_nats_server_maps_a_camera_id_to(tmp_path: Path) -> None:
    """ADR 0030 computes the partition in the publisher "as nats-server's ``partition()``
    mapping would": a real server's mapping of 600 camera ids of every shape the registry
    accepts (letters, digits, '-', '_'; 1 to 128 characters) gives the same partition."""
    sizes = (2, 9, 18, 64)
    mappings = "\n".join(
        f'  "probe.{n}.*": "mapped.{n}.{{{{partition({n},1)}}}}.{{{{wildcard(1)}}}}"' for n in sizes
    )
    rng = random.Random(18)
    alphabet = string.ascii_letters + string.digits + "-_"
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(200)]
    ids += [f"tn-{rng.randrange(1, 93):03d}-cam-{i}" for i in range(200)]
    ids += ["".join(rng.choices(alphabet, k=rng.randint(1, 128))) for _ in range(200)]
    with NatsServer(tmp_path / "nats", extra_config=f"mappings = {{\n{mappings}\n}}\n") as server:
        bus = await connect(server.url, name="partition-mapping-test", timeout=5.0)
        try:
            got: dict[tuple[int, str], int] = {}
            done = asyncio.Event()

            async def on_msg(msg: Msg) -> None:
                _, n, k, camera_id = msg.subject.split(".")
                got[(int(n), camera_id)] = int(k)
                if len(got) == len(sizes) * len(ids):
                    done.set()

            sub = await bus.nc.subscribe("mapped.>", cb=on_msg)
            await bus.nc.flush()
            for n in sizes:
                for camera_id in ids:
                    await bus.nc.publish(f"probe.{n}.{camera_id}", b"")
            async with asyncio.timeout(10.0):
                await done.wait()
            await sub.unsubscribe()
        finally:
            await bus.close(timeout=5.0)
    want = {(n, c): handoff_partition(c, n) for n in sizes for c in ids}
    assert got == want
    assert {k for (n, _), k in got.items() if n == 18} == set(range(18))
