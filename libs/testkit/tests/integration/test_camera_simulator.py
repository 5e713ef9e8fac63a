"""The simulated camera fleet against a real RTSP client (PyAV/FFmpeg), no mocks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import av.error
import pytest

from tncam_testkit.cameras import CameraClips, CameraSimulator, make_clips

pytestmark = pytest.mark.integration

# FFmpeg's RTSP ``timeout`` is the socket I/O timeout in microseconds (``stimeout`` is gone and
# silently ignored). A short analysis keeps each open near 1 s instead of 2 s.
RTSP_OPTIONS = {"rtsp_transport": "tcp", "timeout": "5000000", "analyzeduration": "1000000"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    # 2 s loops so that a few seconds of reading crosses the loop seam at least once.
    return make_clips(tmp_path_factory.mktemp("clips"), seconds=2, fps=10, gop=10)


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, clips: CameraClips
) -> Iterator[CameraSimulator]:
    with CameraSimulator(
        tmp_path_factory.mktemp("camsim"), cameras=3, h264_cameras=(3,), clips=clips
    ) as sim:
        yield sim


def open_rtsp(url: str, **extra: str) -> av.container.InputContainer:
    return av.open(url, options={**RTSP_OPTIONS, **extra})


def read_packets(container: av.container.InputContainer, count: int) -> list[av.Packet]:
    stream = container.streams.video[0]
    packets: list[av.Packet] = []
    for packet in container.demux(stream):
        if packet.size == 0:  # the demuxer's end-of-stream flush packet
            break
        packets.append(packet)
        if len(packets) >= count:
            break
    return packets


def test_make_clips_is_cached(clips: CameraClips) -> None:
    mtimes = (clips.h265.stat().st_mtime_ns, clips.h264.stat().st_mtime_ns)
    again = make_clips(clips.h265.parent, seconds=2, fps=10, gop=10)
    assert again == clips
    assert (again.h265.stat().st_mtime_ns, again.h264.stat().st_mtime_ns) == mtimes
    assert clips.h265.read_bytes()[:4] == b"\x00\x00\x00\x01"  # Annex-B start code


def test_h265_camera_streams_forever_with_rising_timestamps(
    fleet: CameraSimulator, clips: CameraClips
) -> None:
    loops = 2
    with open_rtsp(fleet.url(1)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "hevc"
        assert (stream.codec_context.width, stream.codec_context.height) == (
            clips.width,
            clips.height,
        )
        packets = read_packets(container, loops * clips.frames + clips.gop)
    assert len(packets) >= max(30, loops * clips.frames)
    # FFmpeg's RTSP demuxer hands out its very first packet without timestamps (same against a
    # stock gst-rtsp-server + x265enc pipeline), so the checks start at the second packet.
    timed = packets[1:]
    assert all(p.pts is not None and p.dts is not None for p in timed)
    pts = [int(p.pts) for p in timed if p.pts is not None]
    dts = [int(p.dts) for p in timed if p.dts is not None]
    assert all(b > a for a, b in pairwise(pts)), pts
    assert all(b > a for a, b in pairwise(dts)), dts
    # Exactly one frame apart everywhere, loop seams included: no jump, no rewind.
    assert stream.time_base is not None
    step = int(Fraction(1, clips.fps) / stream.time_base)
    assert {b - a for a, b in pairwise(pts)} == {step}
    assert (pts[-1] - pts[0]) * stream.time_base > clips.seconds  # crossed a loop seam
    keyframes = [i for i, p in enumerate(packets) if p.is_keyframe]
    assert len(keyframes) >= 3
    assert {b - a for a, b in pairwise(keyframes)} == {clips.gop}


def test_mid_stream_client_decodes_from_in_band_parameter_sets(
    fleet: CameraSimulator, clips: CameraClips
) -> None:
    with open_rtsp(fleet.url(1)) as container:
        packets = read_packets(container, 2 * clips.gop + 1)
    first_key = next(i for i, p in enumerate(packets) if p.is_keyframe)
    # A decoder without the SDP's extradata: VPS/SPS/PPS must come in-band with the keyframe.
    decoder = av.CodecContext.create("hevc", "r")
    frames = [f for p in packets[first_key:] for f in decoder.decode(p)]
    frames += decoder.decode(None)
    assert len(frames) == len(packets) - first_key
    assert (frames[0].width, frames[0].height) == (clips.width, clips.height)


def test_two_clients_share_one_camera(fleet: CameraSimulator) -> None:
    with open_rtsp(fleet.url(1)) as first, open_rtsp(fleet.url(1)) as second:
        assert len(read_packets(first, 5)) == 5
        assert len(read_packets(second, 5)) == 5


def test_non_compliant_camera_serves_h264(fleet: CameraSimulator) -> None:
    with open_rtsp(fleet.url(3)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert len(read_packets(container, 5)) == 5
    assert [s["codec"] for s in fleet.states()] == ["h265", "h265", "h264"]


def test_unknown_mount_is_not_found(fleet: CameraSimulator) -> None:
    with pytest.raises(av.error.HTTPNotFoundError):
        open_rtsp(fleet.url(1).replace("/cam1", "/cam9"))


def test_unreachable_camera_drops_sessions_and_refuses_new_ones(fleet: CameraSimulator) -> None:
    # A long client timeout: the session must end because the server drops it, not because
    # FFmpeg gives up waiting.
    session = open_rtsp(fleet.url(2), timeout="20000000")
    try:
        assert len(read_packets(session, 5)) == 5
        started = time.monotonic()
        fleet.set_reachable(2, False)
        with pytest.raises(av.error.FFmpegError):  # noqa: PT012 (read until the stream stops)
            for packet in session.demux(session.streams.video[0]):
                if packet.size == 0:
                    raise av.error.EOFError(0, "end of stream")
                assert time.monotonic() - started < 5.0, "packets still arriving"
        assert time.monotonic() - started < 5.0
    finally:
        session.close()
    try:
        assert [s["reachable"] for s in fleet.states()] == [True, False, True]
        with pytest.raises(av.error.HTTPNotFoundError):
            open_rtsp(fleet.url(2))
        with open_rtsp(fleet.url(1)) as other:  # the rest of the fleet is unaffected
            assert len(read_packets(other, 5)) == 5
    finally:
        fleet.set_reachable(2, True)
    with open_rtsp(fleet.url(2)) as container:
        assert container.streams.video[0].codec_context.name == "hevc"
        assert len(read_packets(container, 10)) == 10


def test_protected_camera_requires_credentials(tmp_path: Path, clips: CameraClips) -> None:
    with CameraSimulator(
        tmp_path,
        cameras=2,
        h264_cameras=(),
        clips=clips,
        protected_cameras=(2,),
        credentials=("viewer", "s3cret"),
    ) as sim:
        with pytest.raises(av.error.HTTPUnauthorizedError):
            open_rtsp(sim.url(2))
        with pytest.raises(av.error.HTTPUnauthorizedError):
            open_rtsp(sim.url(2).replace("rtsp://", "rtsp://viewer:wrong@"))
        with open_rtsp(sim.url(2).replace("rtsp://", "rtsp://viewer:s3cret@")) as container:
            assert len(read_packets(container, 5)) == 5
        with open_rtsp(sim.url(1)) as container:  # other mounts stay open to anyone
            assert len(read_packets(container, 5)) == 5


def test_stop_is_prompt_and_idempotent(tmp_path: Path, clips: CameraClips) -> None:
    sim = CameraSimulator(tmp_path, cameras=1, h264_cameras=(), clips=clips)
    sim.start()
    assert sim.running
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 3.0
    assert not sim.running
    sim.stop()
