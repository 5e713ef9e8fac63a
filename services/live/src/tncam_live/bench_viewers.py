"""``python -m tncam_live.bench_viewers``: the bench's aiortc viewers, in their own process.

Driven by ``tncam_live.bench`` with one JSON command per line on stdin, one JSON reply per
line on stdout (so the viewers' CPU is never the edge's). Viewers open their sessions as the
gateway would: ``open_session`` over NATS for the live edge, or a plain offer/answer request
for the naive server (``tncam_live.bench_naive``).

Two kinds of viewer decoder: a *decoding* one (FFmpeg ``hevc``, as the tests use) that also
reads the capture-time stamp ``bench_stream`` puts in each picture, for time to first frame
and glass-to-glass; and a *counting* one that hands the track a tiny placeholder per access
unit without decoding, for the CPU runs (N viewers decoding 1080p would need more cores than
the machine has, and their decoding is not what is measured).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aioice.ice
import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
    rtcrtpreceiver,
)
from aiortc.codecs.base import Decoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from av.frame import Frame

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import LIVE_OPEN_SESSION
from tncam_live.bench_stream import FPS, read_stamp
from tncam_live.media.aiortc_h265 import H265Decoder, register_h265
from tncam_mesh.bus import Bus, connect
from tncam_mesh.rpc import call

log = logging.getLogger("tncam.live.bench.viewers")

NAIVE_OFFER_SUBJECT = "tncambench.naive.offer"
NAIVE_CLOSE_SUBJECT = "tncambench.naive.close"
#: Capture time (Unix ns) of each received picture, by its RTP timestamp (unique per sender:
#: aiortc adds a random origin), written by the decoder thread, read by the viewer.
STAMPS: dict[int, int] = {}


class Mode:
    decode = False


class CountingDecoder(Decoder):
    """No decoding: one 2x2 placeholder frame per access unit, so the track still counts."""

    def decode(self, encoded_frame: JitterFrame) -> list[Frame]:
        frame = av.VideoFrame(2, 2, "yuv420p")
        frame.pts = encoded_frame.timestamp
        return [frame]


class StampingDecoder(H265Decoder):
    """The H.265 decoder, noting each access unit's capture-time stamp first."""

    def decode(self, encoded_frame: JitterFrame) -> list[Frame]:
        captured = read_stamp(encoded_frame.data)
        if captured is not None:
            if len(STAMPS) > 10_000:
                STAMPS.clear()
            STAMPS[encoded_frame.timestamp] = captured
        return super().decode(encoded_frame)


def setup_aiortc() -> None:
    """H.265 in aiortc, loopback host candidates, and the bench's decoders."""
    register_h265()
    ice: Any = aioice.ice
    ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]
    receiver: Any = rtcrtpreceiver
    original = receiver.get_decoder

    def get_decoder(codec: RTCRtpCodecParameters) -> Decoder:
        if not Mode.decode:
            return CountingDecoder()
        if codec.mimeType.lower() == "video/h265":
            return StampingDecoder()
        decoder: Decoder = original(codec)
        return decoder

    receiver.get_decoder = get_decoder


class Viewer:
    """One recvonly aiortc viewer."""

    def __init__(self, codecs: list[str] | None, *, g2g: bool = False) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.codecs = codecs
        self.record_g2g = g2g
        self.frames = 0
        self.offered_at = 0.0
        self.first_frame_at: float | None = None
        self.g2g_ms: list[float] = []
        self._readers: list[asyncio.Task[None]] = []
        self.pc.on("track", lambda t: self._readers.append(asyncio.ensure_future(self._read(t))))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                now = time.time_ns()
                if self.first_frame_at is None:
                    self.first_frame_at = time.perf_counter()
                self.frames += 1
                captured = STAMPS.pop(getattr(frame, "pts", None) or 0, None)
                # The first two seconds may be the edge's cached GOP (older pictures).
                if self.record_g2g and captured is not None and self.frames > 2 * FPS:
                    self.g2g_ms.append((now - captured) / 1e6)

    async def offer(self) -> str:
        self.offered_at = time.perf_counter()
        transceiver = self.pc.addTransceiver("video", direction="recvonly")
        if self.codecs:
            wanted = {f"video/{c}".lower() for c in self.codecs} | {"video/rtx"}
            caps = RTCRtpReceiver.getCapabilities("video")
            codecs = caps.codecs if caps is not None else []
            transceiver.setCodecPreferences([c for c in codecs if c.mimeType.lower() in wanted])
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def wait_frames(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.frames < count:  # noqa: ASYNC110 - the reader has no event to await
                await asyncio.sleep(0.005)

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await self.pc.close()


class Viewers:
    """The process's viewers and its bus connection; one method per command."""

    def __init__(self, bus: Bus, namespace: str, camera_id: str) -> None:
        self.bus = bus
        self.namespace = namespace
        self.camera_id = camera_id
        self.held: list[Viewer] = []

    async def open_edge(self, viewer: Viewer) -> None:
        request = session_pb2.OpenLiveSessionRequest(
            session_id=f"s-{uuid.uuid4().hex[:12]}",
            camera_id=self.camera_id,
            stream=live_pb2.LIVE_STREAM_MAIN,
            offer_sdp=await viewer.offer(),
            account_id="u-bench",
        )
        request.expires_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        reply = await call(
            self.bus,
            LIVE_OPEN_SESSION,
            request,
            session_pb2.OpenLiveSessionReply,
            namespace=self.namespace,
            timeout=20.0,
        )
        await viewer.answer(reply.answer_sdp)

    async def open_naive(self, viewer: Viewer) -> None:
        offer = json.dumps({"sdp": await viewer.offer()}).encode()
        msg = await self.bus.nc.request(NAIVE_OFFER_SUBJECT, offer, timeout=20.0)
        await viewer.answer(json.loads(msg.data)["sdp"])

    async def open(self, target: str, n: int, codecs: list[str] | None) -> dict[str, Any]:
        """N counting viewers, each holding until ``close``; returns when each has a frame."""
        Mode.decode = False
        opener = self.open_edge if target == "edge" else self.open_naive
        gate = asyncio.Semaphore(4)
        failures: list[str] = []

        async def one() -> None:
            viewer = Viewer(codecs)
            self.held.append(viewer)
            async with gate:
                try:
                    await opener(viewer)
                    await viewer.wait_frames(1, 30.0)
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(one() for _ in range(n)))
        return {"opened": n - len(failures), "failures": failures[:3]}

    def count(self) -> dict[str, Any]:
        return {"frames": sum(v.frames for v in self.held), "at": time.monotonic()}

    async def close(self) -> dict[str, Any]:
        held, self.held = self.held, []
        await asyncio.gather(*(v.close() for v in held), return_exceptions=True)
        return {"closed": len(held)}

    async def ttff(self, joins: int, max_delay: float, seed: int) -> dict[str, Any]:
        """One decoding anchor viewer (glass-to-glass), and ``joins`` decoding viewers joining
        one after another at random moments, each until its first decoded frame."""
        Mode.decode = True
        rng = random.Random(seed)  # noqa: S311 - join moments, not secrets
        anchor = Viewer(["H265"], g2g=True)
        await self.open_edge(anchor)
        await anchor.wait_frames(1, 30.0)
        ttff_s: list[float] = []
        failures: list[str] = []
        for _ in range(joins):
            await asyncio.sleep(rng.uniform(0.0, max_delay))
            viewer = Viewer(["H265"])
            try:
                await self.open_edge(viewer)
                await viewer.wait_frames(1, 10.0)
                assert viewer.first_frame_at is not None
                ttff_s.append(viewer.first_frame_at - viewer.offered_at)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                await viewer.close()
        g2g = list(anchor.g2g_ms)
        await anchor.close()
        Mode.decode = False
        return {"ttff_s": ttff_s, "g2g_ms": g2g, "failures": failures[:3]}


async def serve(nats_url: str, namespace: str, camera_id: str) -> None:
    """Answer commands from stdin until ``quit`` or end of input."""
    setup_aiortc()
    bus = await connect(nats_url, name="live-bench-viewers", timeout=10.0)
    viewers = Viewers(bus, namespace, camera_id)
    commands: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
        "open": lambda c: viewers.open(c["target"], int(c["n"]), c.get("codecs")),
        "close": lambda c: viewers.close(),
        "ttff": lambda c: viewers.ttff(int(c["joins"]), float(c["max_delay"]), int(c["seed"])),
    }
    try:
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            op = command["op"]
            if op == "quit":
                break
            reply = viewers.count() if op == "count" else await commands[op](command)
            print(json.dumps(reply), flush=True)
    finally:
        await viewers.close()
        await bus.close(timeout=5.0)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    nats_url, namespace, camera_id = sys.argv[1:4]
    asyncio.run(serve(nats_url, namespace, camera_id))


if __name__ == "__main__":
    main()
