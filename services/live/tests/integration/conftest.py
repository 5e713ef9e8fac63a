"""The live edge in-process against the session's real NATS, a stand-in for ingest publishing
a real H.265 clip on the bus, and aiortc viewers that open sessions over NATS."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aioice.ice
import av
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from nats.aio.msg import Msg
from prometheus_client.parser import text_string_to_metric_families

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import (
    LIVE_DEMAND,
    LIVE_OPEN_SESSION,
    LIVE_SESSION_CONTROL,
    live_access_unit_subject,
)
from tncam_live.app import lifespan
from tncam_live.media import aiortc_h265
from tncam_live.media.aiortc_h265 import H265Decoder
from tncam_live.settings import LiveSettings
from tncam_mesh.bus import Bus, connect
from tncam_mesh.rpc import call
from tncam_mesh.runtime import serve
from tncam_testkit.cameras import CameraClips, make_clips
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port
from tncam_testkit.services import http_get

FPS = 20
TICKS = 90_000 // FPS


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    """A 2 s H.265 (and H.264) clip, 20 frames/s, a keyframe every second."""
    return make_clips(tmp_path_factory.mktemp("live-clips"), seconds=2, fps=FPS, gop=FPS)


def access_units(path: Path, codec: str) -> list[tuple[bytes, bool]]:
    """The clip's access units and whether each is a keyframe."""
    with av.open(str(path), format=codec) as container:
        return [
            (bytes(p), bool(p.is_keyframe))
            for p in container.demux(container.streams.video[0])
            if p.size
        ]


async def poll(condition: Callable[[], bool], timeout: float) -> None:
    """Until ``condition()`` holds (checked every 20 ms), at most ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - aiortc's states have no event to await
            await asyncio.sleep(0.02)


@dataclass
class Demand:
    at: float
    holder_id: str
    ttl_ms: int


@dataclass
class FakeIngest:
    """Ingest's part on the real bus (ADR 0020): while a demand holds, publish the clip's
    access units in real time, looping, as one publishing session."""

    bus: Bus
    namespace: str
    camera_id: str
    units: list[tuple[bytes, bool]]
    codec: str = "hevc"
    demands: list[Demand] = field(default_factory=list)
    published: int = 0
    _until: float = 0.0
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bus.nc.subscribe(
            LIVE_DEMAND.subject(self.camera_id, namespace=self.namespace), cb=self._on_demand
        )

    async def _on_demand(self, msg: Msg) -> None:
        demand = live_pb2.LiveDemand.FromString(msg.data)
        self.demands.append(Demand(time.monotonic(), demand.holder_id, demand.ttl_ms))
        self._until = time.monotonic() + min(demand.ttl_ms, 10_000) / 1000
        if demand.ttl_ms and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._publish())

    async def _publish(self) -> None:
        subject = live_access_unit_subject(
            self.camera_id, live_pb2.LIVE_STREAM_MAIN, self.namespace
        )
        session = uuid.uuid4().hex[:8]
        for seq, (data, keyframe) in zip(itertools.count(), itertools.cycle(self.units)):
            if time.monotonic() >= self._until:
                return
            unit = live_pb2.LiveAccessUnit(
                camera_id=self.camera_id,
                stream=live_pb2.LIVE_STREAM_MAIN,
                codec=self.codec,
                pts=seq * TICKS,
                dts=seq * TICKS,
                keyframe=keyframe,
                sequence=seq,
                data=data,
                session_id=session,
            )
            await self.bus.nc.publish(subject, unit.SerializeToString())
            self.published += 1
            await asyncio.sleep(1 / FPS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class RecordingDecoder(H265Decoder):
    """The viewer's H.265 decoder, kept so a test can read its counts."""

    instances: list[RecordingDecoder] = []  # noqa: RUF012 - the test's own record

    def __init__(self) -> None:
        super().__init__()
        RecordingDecoder.instances.append(self)


class Viewer:
    """An aiortc viewer (recvonly video) that opens its session through NATS."""

    def __init__(self, edge: Edge, camera_id: str, codecs: tuple[str, ...] | None = None) -> None:
        self.edge = edge
        self.camera_id = camera_id
        self.session_id = f"s-{uuid.uuid4().hex[:12]}"
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.codecs = codecs
        self.frames: list[av.VideoFrame] = []
        self.track_ended = asyncio.Event()
        self.reply: session_pb2.OpenLiveSessionReply | None = None
        self._readers: list[asyncio.Task[None]] = []
        self.pc.on(
            "track", lambda track: self._readers.append(asyncio.ensure_future(self._read(track)))
        )

    async def _read(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                self.frames.append(frame)
        except MediaStreamError:
            self.track_ended.set()

    async def offer(self) -> str:
        transceiver = self.pc.addTransceiver("video", direction="recvonly")
        if self.codecs is not None:
            wanted = {f"video/{c}".lower() for c in self.codecs} | {"video/rtx"}
            transceiver.setCodecPreferences(
                [
                    c
                    for c in RTCRtpReceiver.getCapabilities("video").codecs
                    if c.mimeType.lower() in wanted
                ]
            )
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def open(self, expires_in_s: float = 60.0) -> session_pb2.OpenLiveSessionReply:
        """Offer, open the session over NATS, apply the answer."""
        request = session_pb2.OpenLiveSessionRequest(
            session_id=self.session_id,
            camera_id=self.camera_id,
            stream=live_pb2.LIVE_STREAM_MAIN,
            offer_sdp=await self.offer(),
            account_id="u-viewer",
        )
        request.expires_at.FromDatetime(
            dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in_s)
        )
        self.reply = await call(
            self.edge.bus,
            LIVE_OPEN_SESSION,
            request,
            session_pb2.OpenLiveSessionReply,
            namespace=self.edge.namespace,
            timeout=15.0,
        )
        await self.pc.setRemoteDescription(RTCSessionDescription(self.reply.answer_sdp, "answer"))
        return self.reply

    async def wait_frames(self, count: int, timeout: float = 10.0) -> None:
        await poll(lambda: len(self.frames) >= count, timeout)

    async def wait_ended(self, timeout: float = 5.0) -> None:
        """Until the edge's side is gone: the connection closed or failed, or the track ended."""
        await poll(
            lambda: self.pc.connectionState in ("closed", "failed") or self.track_ended.is_set(),
            timeout,
        )

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await self.pc.close()


@dataclass
class Edge:
    """A running live edge and a client connection."""

    settings: LiveSettings
    bus: Bus
    namespace: str
    url: str

    async def control(
        self, control: session_pb2.LiveSessionControl
    ) -> session_pb2.LiveSessionControlReply:
        subject = LIVE_SESSION_CONTROL.subject(self.settings.replica_id, namespace=self.namespace)
        msg = await self.bus.nc.request(subject, control.SerializeToString(), timeout=5.0)
        return session_pb2.LiveSessionControlReply.FromString(msg.data)

    async def close(self, session_id: str) -> bool:
        reply = await self.control(
            session_pb2.LiveSessionControl(session_id=session_id, close_reason="test")
        )
        return reply.found

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        _, body = await asyncio.to_thread(http_get, f"{self.url}/metrics")
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
        }

    async def metric(self, name: str, **labels: str) -> float:
        return (await self.metrics()).get((name, tuple(sorted(labels.items()))), 0.0)

    async def wait_metric(
        self, name: str, value: float, timeout: float = 3.0, **labels: str
    ) -> None:
        async with asyncio.timeout(timeout):
            while True:
                if await self.metric(name, **labels) == value:
                    return
                await asyncio.sleep(0.05)


def edge_settings(nats_server: NatsServer, namespace: str, **overrides: Any) -> LiveSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "nats_url": nats_server.url,
        "nats_namespace": namespace,
        "http_port": free_port(),
        "ice_host_addresses": "127.0.0.1",
        "first_keyframe_wait_s": 2.0,
        "demand_interval_s": 0.5,
        "demand_ttl_ms": 1500,
        "shutdown_grace_s": 5.0,
        "log_format": "text",
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return LiveSettings(**values)


@contextlib.asynccontextmanager
async def running_edge(settings: LiveSettings) -> AsyncIterator[str]:
    """Serve the edge until the block ends; yields its ops URL once ready."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, lifespan, stop=stop))
    url = f"http://127.0.0.1:{settings.http_port}"
    try:
        async with asyncio.timeout(20):
            while True:
                if task.done():
                    task.result()
                with contextlib.suppress(OSError):
                    if (await asyncio.to_thread(http_get, f"{url}/readyz"))[0] == 200:
                        break
                await asyncio.sleep(0.05)
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Viewers and the edge on 127.0.0.1 (aioice never offers it by itself)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda **_: ["127.0.0.1"])
    monkeypatch.setattr(aiortc_h265, "H265Decoder", RecordingDecoder)
    RecordingDecoder.instances.clear()


@pytest.fixture
async def client_bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    bus = await connect(nats_server.url, name="live-test", timeout=5.0)
    try:
        yield bus
    finally:
        await bus.close(timeout=5.0)


@pytest.fixture
def make_edge(nats_server: NatsServer, namespace: str, client_bus: Bus, loopback: None) -> Any:
    """``async with make_edge(**settings) as edge``: a live edge in this process."""

    @contextlib.asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Edge]:
        settings = edge_settings(nats_server, namespace, **overrides)
        async with running_edge(settings) as url:
            yield Edge(settings, client_bus, namespace, url)

    return make


@pytest.fixture
async def make_ingest(client_bus: Bus, namespace: str, clips: CameraClips) -> AsyncIterator[Any]:
    """``await make_ingest(camera_id[, "h264"])``: a stand-in ingest publishing a clip."""
    made: list[FakeIngest] = []
    units = {"hevc": access_units(clips.h265, "hevc"), "h264": access_units(clips.h264, "h264")}

    async def make(camera_id: str, codec: str = "hevc") -> FakeIngest:
        ingest = FakeIngest(client_bus, namespace, camera_id, units[codec], codec)
        await ingest.start()
        made.append(ingest)
        return ingest

    yield make
    for ingest in made:
        await ingest.stop()
