"""``python -m tncam_live.bench_naive``: the straightforward live server the bench compares with.

What a first implementation with aiortc would do: every viewer gets its own track that
decodes the camera's H.265 (its own FFmpeg ``hevc`` decoder, in a thread) and hands aiortc
raw frames, so aiortc's sender encodes them again with its own H.264 encoder (libx264,
per viewer, at the camera's size). A viewer starts at the camera's next keyframe (no GOP
cache). Offers arrive as a NATS request (``{"sdp": ...}`` in JSON, the answer back the same
way); a request on the close subject closes every peer connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from fractions import Fraction
from typing import Any

import aioice.ice
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import VideoStreamTrack
from av.frame import Frame
from nats.aio.msg import Msg

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import live_access_unit_subject
from tncam_live.bench_viewers import NAIVE_CLOSE_SUBJECT, NAIVE_OFFER_SUBJECT
from tncam_mesh.bus import connect

log = logging.getLogger("tncam.live.bench.naive")
QUEUE_FRAMES = 50


class DecodingTrack(VideoStreamTrack):
    """One viewer's pictures: the camera's access units decoded by this viewer's decoder."""

    def __init__(self) -> None:
        super().__init__()
        self.codec = av.CodecContext.create("hevc", "r")
        self.queue: asyncio.Queue[tuple[bytes, int]] = asyncio.Queue(QUEUE_FRAMES)
        self.started = False

    def push(self, data: bytes, keyframe: bool, pts: int) -> None:
        if not self.started and not keyframe:
            return
        if self.queue.full():  # fell behind: start again at the next keyframe
            self.started = False
            while not self.queue.empty():
                self.queue.get_nowait()
            return
        self.started = True
        self.queue.put_nowait((data, pts))

    def _decode(self, data: bytes) -> list[Frame]:
        return list(self.codec.decode(av.Packet(data)))

    async def recv(self) -> Frame:
        while True:
            data, pts = await self.queue.get()
            try:
                frames = await asyncio.to_thread(self._decode, data)
            except av.FFmpegError:
                continue
            if frames:
                frame = frames[-1]
                frame.pts = pts
                frame.time_base = Fraction(1, 90_000)
                return frame


class NaiveServer:
    """Peer connections, each with its own decoding track."""

    def __init__(self) -> None:
        self.peers: dict[RTCPeerConnection, DecodingTrack] = {}

    def on_unit(self, unit: live_pb2.LiveAccessUnit) -> None:
        for track in self.peers.values():
            track.push(unit.data, unit.keyframe, unit.pts)

    async def offer(self, msg: Msg) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        track = DecodingTrack()
        self.peers[pc] = track

        @pc.on("connectionstatechange")
        async def changed() -> None:
            if pc.connectionState in ("failed", "closed"):
                self.peers.pop(pc, None)
                await pc.close()

        pc.addTrack(track)
        await pc.setRemoteDescription(RTCSessionDescription(json.loads(msg.data)["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await msg.respond(json.dumps({"sdp": pc.localDescription.sdp}).encode())

    async def close_all(self, msg: Msg) -> None:
        peers = list(self.peers)
        self.peers.clear()
        await asyncio.gather(*(pc.close() for pc in peers), return_exceptions=True)
        await msg.respond(json.dumps({"closed": len(peers)}).encode())


async def serve(nats_url: str, namespace: str, camera_id: str) -> None:
    """Serve until stdin closes."""
    ice: Any = aioice.ice
    ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]
    server = NaiveServer()
    bus = await connect(nats_url, name="live-bench-naive", timeout=10.0)
    subject = live_access_unit_subject(camera_id, live_pb2.LIVE_STREAM_MAIN, namespace)

    async def on_au(msg: Msg) -> None:
        server.on_unit(live_pb2.LiveAccessUnit.FromString(msg.data))

    await bus.nc.subscribe(subject, cb=on_au, pending_bytes_limit=64 * 1024 * 1024)
    await bus.nc.subscribe(NAIVE_OFFER_SUBJECT, cb=server.offer)
    await bus.nc.subscribe(NAIVE_CLOSE_SUBJECT, cb=server.close_all)
    print("ready", flush=True)
    try:
        while await asyncio.to_thread(sys.stdin.readline):
            pass
    finally:
        with contextlib.suppress(Exception):
            await asyncio.gather(*(pc.close() for pc in server.peers), return_exceptions=True)
        await bus.close(timeout=5.0)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    nats_url, namespace, camera_id = sys.argv[1:4]
    asyncio.run(serve(nats_url, namespace, camera_id))


if __name__ == "__main__":
    main()
