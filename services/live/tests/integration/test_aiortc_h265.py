"""H.265 passthrough between two real aiortc peers on 127.0.0.1, decoded by PyAV's hevc.

The sender's track yields the camera clip's access units as ``av.Packet`` (nothing decodes
or encodes on that side); the receiver offers what aiortc offers by default, the sender
prefers H.265, and the receiver must decode every frame, in order, without an error.
"""

from __future__ import annotations

import asyncio
import re
from fractions import Fraction
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
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from tncam_live.media import aiortc_h265
from tncam_live.media.aiortc_h265 import H265Decoder, H265Encoder, register_h265
from tncam_testkit.cameras import CameraClips, make_clips

pytestmark = pytest.mark.integration

FRAME_TICKS = 9000  # 90 kHz at 10 frames/s
SEND_INTERVAL_S = 0.01  # faster than real time: the timestamps carry the real rate


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    return make_clips(tmp_path_factory.mktemp("clips"), seconds=2, fps=10, gop=10)


def access_units(path: Path) -> list[bytes]:
    with av.open(str(path), format="hevc") as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


class ClipTrack(MediaStreamTrack):
    """Pre-encoded access units as ``av.Packet``s, released once the receiver listens."""

    kind = "video"

    def __init__(self, units: list[bytes], go: asyncio.Event) -> None:
        super().__init__()
        self.units = units
        self.go = go
        self.sent = 0

    async def recv(self) -> av.Packet:  # type: ignore[override]
        await self.go.wait()
        if self.sent == len(self.units):
            self.stop()
            raise MediaStreamError
        await asyncio.sleep(SEND_INTERVAL_S)
        packet = av.Packet(self.units[self.sent])
        packet.pts = self.sent * FRAME_TICKS
        packet.time_base = Fraction(1, 90_000)
        self.sent += 1
        return packet


class RecordingDecoder(H265Decoder):
    instances: list[RecordingDecoder] = []  # noqa: RUF012 - the test's own record

    def __init__(self) -> None:
        super().__init__()
        RecordingDecoder.instances.append(self)


async def wait_connected(*pcs: RTCPeerConnection) -> None:
    while any(pc.connectionState != "connected" for pc in pcs):
        if any(pc.connectionState == "failed" for pc in pcs):
            raise AssertionError("ICE/DTLS failed")
        await asyncio.sleep(0.02)


async def test_h265_passthrough_decodes_every_frame(
    clip: CameraClips, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aioice never offers 127.0.0.1; keep the peers on loopback, whatever the machine has.
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda **_: ["127.0.0.1"])
    codec = register_h265()
    calls = {"encode": 0, "pack": 0}
    real_pack = H265Encoder.pack

    def spy_encode(self: H265Encoder, frame: Any, force_keyframe: bool = False) -> Any:
        calls["encode"] += 1
        raise AssertionError("the sender re-encoded")

    def spy_pack(self: H265Encoder, packet: av.Packet) -> tuple[list[bytes], int]:
        calls["pack"] += 1
        return real_pack(self, packet)

    monkeypatch.setattr(H265Encoder, "encode", spy_encode)
    monkeypatch.setattr(H265Encoder, "pack", spy_pack)
    monkeypatch.setattr(aiortc_h265, "H265Decoder", RecordingDecoder)
    RecordingDecoder.instances.clear()

    units = access_units(clip.h265)
    assert len(units) == clip.frames
    # The jitter buffer releases a frame when the next one starts: one more keyframe after
    # the clip lets the last of its frames out.
    go = asyncio.Event()
    track = ClipTrack([*units, units[0]], go)
    config = RTCConfiguration(iceServers=[])
    viewer, edge = RTCPeerConnection(config), RTCPeerConnection(config)
    frames: list[av.VideoFrame] = []
    all_received = asyncio.Event()

    async def read(remote: MediaStreamTrack) -> None:
        while len(frames) < len(units):
            frame = await remote.recv()
            assert isinstance(frame, av.VideoFrame)
            frames.append(frame)
        all_received.set()

    reader: list[asyncio.Task[None]] = []
    viewer.on("track", lambda remote: reader.append(asyncio.ensure_future(read(remote))))
    try:
        async with asyncio.timeout(20):
            # The viewer offers every codec aiortc has, as a browser would; H.265 is listed.
            viewer.addTransceiver("video", direction="recvonly")
            await viewer.setLocalDescription(await viewer.createOffer())
            assert f"a=rtpmap:{codec.payloadType} H265/90000" in viewer.localDescription.sdp
            offered = [c.mimeType for c in RTCRtpReceiver.getCapabilities("video").codecs]
            assert offered.index("video/H265") > offered.index("video/H264")

            # The edge: addTrack, then the preference, then the remote description.
            sender = edge.addTrack(track)
            transceiver = next(t for t in edge.getTransceivers() if t.sender == sender)
            transceiver.setCodecPreferences(
                [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType in ("video/H265", "video/rtx")
                ]
            )
            await edge.setRemoteDescription(viewer.localDescription)
            await edge.setLocalDescription(await edge.createAnswer())
            answer = edge.localDescription.sdp
            m_video = re.search(r"^m=video \d+ \S+ (\d+)", answer, re.MULTILINE)
            assert m_video is not None
            assert m_video.group(1) == str(codec.payloadType)
            assert f"a=rtpmap:{codec.payloadType} H265/90000" in answer
            assert "H264/90000" not in answer
            assert "VP8/90000" not in answer
            await viewer.setRemoteDescription(
                RTCSessionDescription(sdp=answer, type=edge.localDescription.type)
            )

            await wait_connected(viewer, edge)
            await asyncio.sleep(0.05)  # the viewer registers its receiver right after DTLS
            go.set()
            await all_received.wait()
    finally:
        for task in reader:
            task.cancel()
        await asyncio.gather(viewer.close(), edge.close())

    assert calls == {"encode": 0, "pack": len(units) + 1}
    assert [f.pts for f in frames] == [i * FRAME_TICKS for i in range(len(units))]
    assert {(f.width, f.height) for f in frames} == {(clip.width, clip.height)}
    [decoder] = RecordingDecoder.instances
    assert decoder.stats.frames == len(units)
    assert decoder.stats.errors == decoder.stats.malformed == 0
    assert decoder.stats.incomplete_fu_runs == 0
