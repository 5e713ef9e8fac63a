"""The edge's media adapters without a network: payloads packed once per frame for every
sender, a slow viewer that drops to the next keyframe without touching the others, the shared
transcode's H.264 (IDR first, one about every second, decodable), aiortc's set-up."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path

import aioice.ice
import av
import pytest
from aiortc import rtcrtpsender
from aiortc.codecs.h264 import H264Encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from tncam_live.media.aiortc_h265 import H265Encoder
from tncam_live.media.payload_cache import (
    CachingH264Encoder,
    CachingH265Encoder,
    live_frame,
    register_payload_cache,
)
from tncam_live.media.peer import configure_aiortc, ice_configuration
from tncam_live.media.tracks import ViewerTrack
from tncam_live.media.transcoder import H264Transcoder, TranscodeOptions, output_size
from tncam_live.service.channel import Channel
from tncam_testkit.cameras import CameraClips, make_clips

FPS = 10


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    return make_clips(tmp_path_factory.mktemp("clips"), seconds=2, fps=FPS, gop=FPS)


def units(path: Path, codec: str) -> list[tuple[bytes, bool]]:
    with av.open(str(path), format=codec) as c:
        return [(bytes(p), bool(p.is_keyframe)) for p in c.demux(c.streams.video[0]) if p.size]


def codec(mime: str) -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(mimeType=mime, clockRate=90_000, payloadType=96)


def test_every_sender_gets_the_payloads_the_first_one_packed(clips: CameraClips) -> None:
    seen: list[tuple[str, bool]] = []
    configure_aiortc(host_addresses=(), retransmission_history=1024)
    register_payload_cache(lambda c, reused: seen.append((c, reused)))
    for mime, name, caching, base, path, fmt in (
        ("video/H265", "H265", CachingH265Encoder, H265Encoder, clips.h265, "hevc"),
        ("video/H264", "H264", CachingH264Encoder, H264Encoder, clips.h264, "h264"),
    ):
        seen.clear()
        senders = [rtcrtpsender.get_encoder(codec(mime)) for _ in range(5)]
        assert all(type(s) is caching and isinstance(s, base) for s in senders)
        data, keyframe = units(path, fmt)[0]
        frame = live_frame(data, 9000, keyframe)
        packed = [s.pack(frame.packet) for s in senders]
        assert all(p is packed[0] for p in packed)
        assert packed[0] == base().pack(frame.packet)  # the same bytes a plain sender packs
        assert packed[0][1] == 9000
        assert seen == [(name, False), *[(name, True)] * 4]
        # A packet the edge did not make is packed by each sender, as aiortc does.
        plain = av.Packet(data)
        plain.pts, plain.time_base = 0, Fraction(1, 90_000)
        assert senders[0].pack(plain) == senders[1].pack(plain)
        assert len(seen) == 5
    register_payload_cache()


def test_configure_offers_only_the_host_addresses_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioice.ice, "get_host_addresses", aioice.ice.get_host_addresses)
    configure_aiortc(host_addresses=("127.0.0.1", "::1"), retransmission_history=1024)
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]


def test_ice_configuration_is_exactly_the_servers_set() -> None:
    assert ice_configuration((), None, None).iceServers == []  # never aiortc's public STUN
    config = ice_configuration(("stun:stun.tn:3478", "turn:turn.tn:3478"), "edge", "pw")
    assert config.iceServers is not None
    stun, turn = config.iceServers
    assert (stun.urls, stun.username, stun.credential) == ("stun:stun.tn:3478", None, None)
    assert (turn.urls, turn.username, turn.credential) == ("turn:turn.tn:3478", "edge", "pw")


async def test_a_slow_viewer_drops_to_the_next_keyframe_and_never_stalls_the_others() -> None:
    channel = Channel(gop_limit=100)
    drops: list[int] = []
    first: list[str] = []

    def track(name: str) -> ViewerTrack:
        return ViewerTrack(
            queue_frames=12,
            on_start=channel.attach,
            on_end=channel.detach,
            on_first_frame=lambda: first.append(name),
            on_drop=drops.append,
        )

    frames = [live_frame(b"\x00\x00\x00\x01\x26\x01", i * 9000, i % 10 == 0) for i in range(30)]
    for f in frames[:3]:
        channel.publish(f)  # the GOP cache: the keyframe and two more
    fast, slow = track("fast"), track("slow")
    async with asyncio.timeout(1):
        got = [await fast.recv()]  # attaches: the cached GOP comes first, from its keyframe
        await slow.recv()
    got += [await fast.recv(), await fast.recv()]
    assert [p.pts for p in got] == [0, 9000, 18000]
    for f in frames[3:]:
        channel.publish(f)
        got.append(await fast.recv())  # the fast viewer keeps up
    assert [p.pts for p in got] == [f.pts for f in frames]
    assert fast.dropped == 0
    # The slow one (still holding frames 1-12) overflowed at 13, lost 13-19 and restarted at
    # keyframe 20.
    assert slow.dropped == sum(drops) == 19
    async with asyncio.timeout(1):
        assert [(await slow.recv()).pts for _ in range(10)] == [f.pts for f in frames[20:]]
    assert first == ["fast", "slow"]
    assert channel.sinks == 2
    fast.stop()
    slow.stop()
    assert channel.sinks == 0
    assert channel.cached_frames == 10  # keyframe 20 and the nine after it
    await asyncio.sleep(0)


def test_transcode_is_baseline_h264_with_an_idr_every_second(clips: CameraClips) -> None:
    transcoder = H264Transcoder(TranscodeOptions(preset="ultrafast"), frame_rate=FPS)
    out = []
    for i, (data, _) in enumerate(units(clips.h265, "hevc") * 2):
        out += transcoder.transcode(data, i * 9000)
    # A picture, not a smear: the camera's clip takes ~1,000 bytes a frame at 320x240; a
    # libx264 that believed the 90 kHz time base was the frame rate gave ~25.
    inter = [f.packet.size for f in out if not f.keyframe]
    assert sum(inter) / len(inter) > 500
    assert len(out) == 2 * clips.frames  # zero latency: one picture in, one out
    assert [f.pts for f in out] == [i * 9000 for i in range(len(out))]
    assert [i for i, f in enumerate(out) if f.keyframe] == list(range(0, len(out), FPS))
    decoder = av.CodecContext.create("h264", "r")
    pictures = []
    for f in out:
        pictures += decoder.decode(f.packet)
    assert len(pictures) == len(out)
    assert {(p.width, p.height) for p in pictures} == {(clips.width, clips.height)}
    assert out[0].packet.opaque is not None  # ready for the shared payload cache
    assert transcoder.decode_errors == 0
    assert transcoder.transcode(b"\x00\x00\x00\x01\x02\x01garbage", 99) == []
    small = H264Transcoder(TranscodeOptions(preset="ultrafast", max_height=144))
    assert small.frame_rate == 25  # unknown yet: a sane default, never 90,000
    frames = small.transcode(units(clips.h265, "hevc")[0][0], 0)
    decoded = av.CodecContext.create("h264", "r").decode(frames[0].packet)
    assert [(p.width, p.height) for p in decoded] == [output_size(clips.width, clips.height, 144)]


def test_output_size_keeps_the_aspect_even() -> None:
    assert output_size(1920, 1080, 720) == (1280, 720)
    assert output_size(320, 240, 720) == (320, 240)
    assert output_size(2560, 1440, 481) == (854, 480)
