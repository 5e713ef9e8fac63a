"""Live view from ingest (ADR 0020) against real NATS and a real simulated RTSP camera: access
units only while watched, decodable from the first one, no second session to the main URL,
the sub-stream opened only while watched."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import av
import pytest
from nats.aio.msg import Msg

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import LIVE_ACCESS_UNITS, LIVE_DEMAND
from tncam_ingest.service.worker import IngestWorker
from tncam_testkit.cameras import CameraSimulator

pytestmark = pytest.mark.integration

MAIN, SUB = live_pb2.LIVE_STREAM_MAIN, live_pb2.LIVE_STREAM_SUB
TTL_MS = 2000


@pytest.fixture(scope="module")
def cameras(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraSimulator]:
    """cam1: H.265 (a camera's main stream), cam2: H.264 (its sub-stream); of this module only,
    so that the session counts are this test's."""
    with CameraSimulator(
        tmp_path_factory.mktemp("live-cameras"), cameras=2, h264_cameras=(2,)
    ) as sim:
        yield sim


@dataclass
class Received:
    """Access units as they arrive, with the monotonic time of arrival."""

    aus: list[tuple[float, live_pb2.LiveAccessUnit]] = field(default_factory=list)

    def of(self, stream: int) -> list[live_pb2.LiveAccessUnit]:
        return [au for _, au in self.aus if au.stream == stream]

    def last_at(self) -> float:
        return self.aus[-1][0] if self.aus else 0.0


@contextlib.asynccontextmanager
async def watching(harness, received: Received) -> AsyncIterator[None]:
    async def on_msg(msg: Msg) -> None:
        received.aus.append((time.monotonic(), live_pb2.LiveAccessUnit.FromString(msg.data)))

    sub = await harness.bus.nc.subscribe(LIVE_ACCESS_UNITS.filter(harness.namespace), cb=on_msg)
    try:
        yield
    finally:
        await sub.unsubscribe()


@contextlib.asynccontextmanager
async def demand(harness, camera_id: str, stream: int) -> AsyncIterator[None]:
    """A viewer-side service's demand, renewed every second while the block runs."""
    msg = live_pb2.LiveDemand(camera_id=camera_id, stream=stream, holder_id="edge-1", ttl_ms=TTL_MS)
    subject = LIVE_DEMAND.subject(camera_id, namespace=harness.namespace)

    async def renew() -> None:
        while True:
            await harness.bus.nc.publish(subject, msg.SerializeToString())
            await asyncio.sleep(1.0)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def decode_all(codec: str, aus: list[live_pb2.LiveAccessUnit]) -> int:
    """Decode every access unit in order (each must give its picture); the frame count."""
    ctx = av.CodecContext.create(codec, "r")
    frames = 0
    for au in aus:
        out = ctx.decode(av.Packet(au.data))
        frames += len(out)
        assert all(f.width and f.height for f in out)
    frames += len(ctx.decode(None))
    return frames


def check_stream(aus: list[live_pb2.LiveAccessUnit], codec: str, size: tuple[int, int]) -> None:
    assert aus, "no access unit"
    assert aus[0].keyframe
    assert len({a.session_id for a in aus}) == 1
    assert [a.sequence for a in aus] == list(range(len(aus)))  # none lost, none dropped
    assert all(b.dts > a.dts for a, b in itertools.pairwise(aus))
    assert all(a.pts == a.dts for a in aus)
    assert {a.codec for a in aus} == {codec}
    assert {(a.width, a.height) for a in aus} == {size}
    assert all(a.received_time_unix_ns > 0 for a in aus)
    # The camera's capture time, from its RTCP sender reports once one arrived (the simulator
    # sends them; its clock is this machine's): shortly before ingest received the picture.
    with_time = [a for a in aus if a.capture_time_unix_ns]
    print(f"{len(with_time)} of {len(aus)} access units with a capture time")
    assert with_time, "no capture time from the camera's sender reports"
    # Once the first report arrived, every picture has one (the replayed GOP's too).
    first = aus.index(with_time[0])
    assert len(with_time) == len(aus) - first
    lags = [(a.received_time_unix_ns - a.capture_time_unix_ns) / 1e9 for a in with_time]
    print(f"capture -> received: {min(lags):.3f} .. {max(lags):.3f} s")
    assert all(-0.05 < lag < 1.0 for lag in lags), (min(lags), max(lags))
    assert decode_all(codec, aus) == len(aus)


def sample(worker: IngestWorker, name: str, **labels: str) -> float:
    return float(worker.metrics.registry.get_sample_value(name, labels) or 0.0)


def clients(sim: CameraSimulator, n: int) -> tuple[int, int]:
    state = sim.states()[n - 1]
    assert state["name"] == f"cam{n}"
    return int(state["clients"]), int(state["max_clients"])


async def wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def test_main_stream_published_only_while_watched(harness, cameras: CameraSimulator):
    await harness.put_camera("cam1", cameras.url(1), rtsp_sub_url=cameras.url(2))
    ev, received = harness.events, Received()
    async with harness.worker() as worker, watching(harness, received):
        await ev.wait_for(lambda: ev.of("segments", "cam1"), timeout=20, what="a segment")
        await asyncio.sleep(2.0)
        assert received.aus == [], "published while nobody watches"

        asked = time.monotonic()
        async with demand(harness, "cam1", MAIN):
            await wait_until(lambda: received.aus, 5, "the first access unit")
            first_after = received.aus[0][0] - asked
            await wait_until(lambda: len(received.aus) >= 40, 10, "4 s of access units")
            assert sample(worker, "tncam_ingest_live_holders", camera_id="cam1", stream="main") == 1
        stopped = time.monotonic()
        await asyncio.sleep(TTL_MS / 1000 + 1.5)
        quiet_since = received.last_at()
        count = len(received.aus)
        await asyncio.sleep(1.0)
        assert len(received.aus) == count, "still published after the demand lapsed"
        # One RTSP session to the camera the whole time: the live view used the recording's.
        assert clients(cameras, 1) == (1, 1)
        assert clients(cameras, 2)[0] == 0
        assert sample(worker, "tncam_ingest_connects_total") == 1
        published = sample(worker, "tncam_ingest_live_access_units_total", stream="main")
        holders = sample(worker, "tncam_ingest_live_holders", camera_id="cam1", stream="main")
    print(f"main: first access unit {first_after:.3f} s after the demand")
    # The reader starts with the current GOP: no wait for the camera's next keyframe.
    assert first_after < 1.0, f"first access unit {first_after:.2f} s after the demand"
    assert quiet_since - stopped < TTL_MS / 1000 + 1.0
    assert published == count
    assert holders == 0
    aus = received.of(MAIN)
    assert len(aus) == count
    assert {a.camera_id for a in aus} == {"cam1"}
    check_stream(aus, "hevc", (320, 240))


async def test_sub_stream_opened_only_while_watched(harness, cameras: CameraSimulator):
    await harness.put_camera("cam1", cameras.url(1), rtsp_sub_url=cameras.url(2))
    ev, received = harness.events, Received()
    async with harness.worker() as worker, watching(harness, received):
        await ev.wait_for(lambda: ev.of("segments", "cam1"), timeout=20, what="a segment")
        await asyncio.sleep(1.0)
        assert clients(cameras, 2)[0] == 0, "sub-stream opened while nobody watches"
        asked = time.monotonic()
        async with demand(harness, "cam1", SUB):
            await wait_until(lambda: received.aus, 5, "the first access unit")
            first_after = received.aus[0][0] - asked
            await wait_until(lambda: len(received.aus) >= 30, 10, "3 s of access units")
            assert clients(cameras, 2)[0] == 1
        stopped = time.monotonic()
        await wait_until(lambda: clients(cameras, 2)[0] == 0, TTL_MS / 1000 + 3, "sub closed")
        closed_after = time.monotonic() - stopped
        count = len(received.aus)
        await asyncio.sleep(1.0)
        assert len(received.aus) == count, "still published after the demand lapsed"
        assert clients(cameras, 1) == (1, 1)  # the main stream: still the recording's session
        assert sample(worker, "tncam_ingest_live_access_units_total", stream="sub") == count
        assert sample(worker, "tncam_ingest_live_access_units_total", stream="main") == 0
    print(f"sub: first access unit {first_after:.3f} s, closed {closed_after:.3f} s")
    assert first_after < 1.0, f"first access unit {first_after:.2f} s after the demand"
    assert closed_after < TTL_MS / 1000 + 1.5
    aus = received.of(SUB)
    assert len(aus) == count
    check_stream(aus, "h264", (320, 240))
