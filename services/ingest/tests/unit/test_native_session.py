"""The native path end to end in one process: RTP packets of a real H.265 stream (encoded
here with libx265) through the depacketizer, the segmenter and the fMP4 writer, into hand-off
messages that decode. The socket is a byte string: no network."""

from __future__ import annotations

import io
import itertools
import struct
import subprocess
import time
from collections.abc import Callable
from fractions import Fraction

import av
import numpy as np
import pytest

from tncam.recording.v1 import segment_pb2
from tncam_ingest.media.rtp import NTP_UNIX_OFFSET, _Depacketizer
from tncam_ingest.media.rtsp import RtspClient, StreamDescription
from tncam_ingest.media.session import RtspSession
from tncam_ingest.media.stream import ClosedSegment, Counters, SessionOptions

FPS = 25
TICKS = 90000 // FPS


def encode_h265(frames: int, gop: int, bframes: int = 0) -> list[bytes]:
    """Annex-B access units of a small H.265 stream, keyframe every ``gop`` frames, in decode
    order; ``shown[au]``: each one's presentation index (B-frames with ``bframes``)."""
    out = av.open(io.BytesIO(), "w", format="hevc")
    params = f"keyint={gop}:min-keyint={gop}:bframes={bframes}:log-level=error"
    stream = out.add_stream("libx265", rate=FPS, options={"x265-params": params})
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    aus: list[bytes] = []
    for i in range(frames):
        img = np.full((64, 64, 3), (i * 7) % 255, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        for p in stream.encode(frame):
            aus.append(bytes(p))
            shown[aus[-1]] = int(p.pts)
    for p in stream.encode(None):
        aus.append(bytes(p))
        shown[aus[-1]] = int(p.pts)
    out.close()
    return aus


#: The presentation index of each access unit ``encode_h265`` made.
shown: dict[bytes, int] = {}


def nal_units(au: bytes) -> list[bytes]:
    parts = au.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01")
    return [p.rstrip(b"\x00") for p in parts if p]


def interleaved(
    aus: list[bytes],
    mtu: int = 300,
    *,
    ts0: int = 0,
    lose: frozenset[int] = frozenset(),
    sender_clock: float | None = None,
    repeat: frozenset[int] = frozenset(),
    step: tuple[int, int] = (0, 0),
    jump: tuple[int, int, int] | None = None,
    reports_from: int = 1,
) -> bytes:
    """RFC 7798 packets (single NAL units and FUs) in RTSP interleaved framing; RTP times
    from ``ts0`` (32 bits: they may wrap), the packets numbered in ``lose`` left out (their
    sequence numbers skipped), with ``sender_clock`` an RTCP sender report after each
    picture saying picture 0 was captured at that Unix time, and the pictures numbered in
    ``repeat`` sent twice with one timestamp (aio-rtsp-toolkit does, now and then); ``step``
    = (picture, ticks): the camera's RTP clock steps by ``ticks`` from that picture on;
    ``jump`` = (first, last, seconds): the camera's clock is that many seconds off for
    pictures first..last-1, in its sender reports and its RTP timestamps alike. Each picture
    is sent at its presentation time (``shown``: B-frames are sent before it). The first
    report before picture ``reports_from`` (a camera whose first report comes late)."""
    out, seq = bytearray(), 0

    def off(n: int) -> int:
        return jump[2] if jump is not None and jump[0] <= n < jump[1] else 0

    def packet(ts: int, payload: bytes, marker: bool) -> None:
        nonlocal seq
        ts &= 0xFFFFFFFF
        rtp = struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | 96, seq, ts, 7) + payload
        if seq not in lose:
            out.extend(b"$\x00" + struct.pack(">H", len(rtp)) + rtp)
        seq = (seq + 1) & 0xFFFF

    def report(n: int) -> None:
        assert sender_clock is not None
        t = sender_clock + n / FPS + NTP_UNIX_OFFSET + off(n)
        sec, frac = int(t), int((t % 1) * 2**32)
        rtp = (ts0 + n * TICKS + off(n) * 90000) & 0xFFFFFFFF
        sr = struct.pack(">BBHIIII", 0x80, 200, 6, 7, sec, frac, rtp)
        sr += struct.pack(">II", n, n * 1000)
        out.extend(b"$\x01" + struct.pack(">H", len(sr)) + sr)

    for n, au in itertools.chain.from_iterable(
        [(n, au)] * (2 if n in repeat else 1) for n, au in enumerate(aus)
    ):
        ts = ts0 + shown[au] * TICKS + (step[1] if step[1] and n >= step[0] else 0) + off(n) * 90000
        if sender_clock is not None and n and n >= reports_from:
            report(n)
        nals = nal_units(au)
        for k, nal in enumerate(nals):
            last = k == len(nals) - 1
            if len(nal) <= mtu:
                packet(ts, nal, last)
                continue
            ftype = (nal[0] >> 1) & 0x3F
            head = bytes(((49 << 1) | (nal[0] & 0x81), nal[1]))
            body = nal[2:]
            chunks = [body[i : i + mtu] for i in range(0, len(body), mtu)]
            for i, chunk in enumerate(chunks):
                flags = (0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0)
                packet(ts, head + bytes((flags | ftype,)) + chunk, last and flags & 0x40 != 0)
    return bytes(out)


class ByteSocket:
    """A socket that returns ``data`` in reads of at most ``chunk`` bytes, then EOF."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk, self.pos = data, chunk, 0

    def settimeout(self, _t: float) -> None:
        pass

    def recv_into(self, view: memoryview) -> int:
        n = min(len(view), self.chunk, len(self.data) - self.pos)
        view[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n

    def sendall(self, _b: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def run_session(
    aus: list[bytes],
    wall: float | Callable[[], float],
    target_s: float,
    data: bytes | None = None,
    max_drift_s: float = 2.0,
    counters: Counters | None = None,
    first_report_wait_s: float = 0.0,
    chunk: int = 5000,
) -> list[ClosedSegment]:
    """The segments of ``aus`` (or the wire ``data``). The first cut waits for no sender report
    unless ``first_report_wait_s`` says so: the first segment is cut like any other. Each
    read of the socket takes at most ``chunk`` bytes. ``wall``: our clock, by default one
    that stands still (the media runs ahead of it)."""
    client = RtspClient("rtsp://127.0.0.1:1/cam", batch_s=0.0)
    wire = interleaved(aus) if data is None else data
    client._sock = ByteSocket(wire, chunk)  # type: ignore[assignment]
    desc = StreamDescription("hevc", 96, 90000, (), "rtsp://127.0.0.1:1/cam/stream=0")
    client.description = desc
    segments: list[ClosedSegment] = []
    session = RtspSession(
        "cam",
        "rtsp://127.0.0.1:1/cam",
        "w",
        SessionOptions(
            segment_target_s=target_s,
            batch_s=0.0,
            max_clock_drift_s=max_drift_s,
            first_report_wait_s=first_report_wait_s,
        ),
        on_connected=lambda _i: None,
        on_segment=segments.append,
        on_snapshot=lambda _p: None,
        wall=wall if callable(wall) else lambda: wall,
        counters=counters or Counters(),
    )
    end = session._stream_native(client, desc, time.monotonic())
    assert end.reason.value == "stream_ended", end
    return segments


@pytest.fixture(scope="module")
def stream() -> list[bytes]:
    return encode_h265(frames=150, gop=10)


def test_segments_decode_whole_and_frame_exact(stream: list[bytes]) -> None:
    segments = run_session(stream, wall=1_800_000_000.0, target_s=2.0)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert len(messages) >= 3
    assert all(m.keyframe_at_start for m in messages)
    assert sum(m.frames for m in messages) == len(stream)
    assert sum(m.duration.ToTimedelta().total_seconds() for m in messages) == pytest.approx(
        len(stream) / FPS
    )
    data = messages[0].init_segment + b"".join(m.media_bytes for m in messages)
    with av.open(io.BytesIO(data), "r") as container:
        vs = container.streams.video[0]
        assert vs.codec_context.codec_tag == "hvc1"
        frames = list(container.decode(vs))
    assert len(frames) == len(stream)
    assert [f.pts * vs.time_base for f in frames[:3]] == [Fraction(i, FPS) for i in range(3)]


def test_segment_keys_rise_when_the_wall_clock_is_re_anchored(stream: list[bytes]) -> None:
    # The wall clock stands still while 6 s of media arrive: the drift passes 2 s and the
    # wall clock is re-anchored, which would put a later segment on an earlier one's start
    # (and the bus would drop it as a duplicate).
    segments = run_session(stream, wall=1_800_000_000.0, target_s=2.0)
    keys = [s.msg_id for s in segments]
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    ms = [m.segment_start.seconds * 1000 + m.segment_start.nanos // 1_000_000 for m in messages]
    assert len(set(keys)) == len(keys), keys
    assert all(b > a for a, b in itertools.pairwise(ms)), ms


# ------------------------------------------------------------------ camera interop (issue 18)


def decoded(messages: list[segment_pb2.SegmentClosed]) -> list[float]:
    """Every picture of the segments joined, decoded; FFmpeg must report nothing (a picture
    whose reference was lost is an error: "Could not find ref", "Error constructing")."""
    data = messages[0].init_segment + b"".join(m.media_bytes for m in messages)
    run = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-i", "-", "-f", "null", "-"],
        input=data,
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert run.stderr == b""
    with av.open(io.BytesIO(data), "r") as container:
        vs = container.streams.video[0]
        return [float(f.pts * vs.time_base) for f in container.decode(vs)]


def test_the_rtp_clock_wraps_inside_a_session(stream: list[bytes]) -> None:
    # The 32-bit RTP clock wraps 1 s into the stream: segments and times run on.
    plain = run_session(stream, 1_800_000_000.0, 2.0)
    data = interleaved(stream, ts0=2**32 - 90_000)
    segments = run_session(stream, 1_800_000_000.0, 2.0, data)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert sum(m.frames for m in messages) == len(stream)
    assert [s.duration_s for s in segments] == [s.duration_s for s in plain]
    times = decoded(messages)
    assert len(times) == len(stream)
    before = decoded([segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in plain])
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx(
        [b - a for a, b in itertools.pairwise(before)]
    )


def test_lost_packets_drop_the_rest_of_the_gop_and_every_segment_decodes(
    stream: list[bytes],
) -> None:
    wire = interleaved(stream)
    total = wire.count(b"$\x00")  # about: the payloads may hold the bytes too
    lose = frozenset(range(40, total, 97))
    segments = run_session(stream, 1_800_000_000.0, 2.0, interleaved(stream, lose=lose))
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert all(m.keyframe_at_start for m in messages)
    recorded = sum(m.frames for m in messages)
    assert len(stream) // 2 < recorded < len(stream)  # GOPs' tails dropped, the rest kept
    for m in messages:  # each segment alone decodes whole: no picture lacks its reference
        assert len(decoded([m])) == m.frames
    assert len(decoded(messages)) == recorded


def test_sender_reports_anchor_the_segments_on_the_camera_clock(stream: list[bytes]) -> None:
    wall = 1_800_000_000.0
    # The camera says picture 0 was captured 1.5 s before our clock reads (it buffered).
    # (Our clock stands still here: the drift allowed is wide, so that it does not matter.)
    data = interleaved(stream, sender_clock=wall - 1.5)
    segments = run_session(stream, wall, 2.0, data, max_drift_s=60.0)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    first = messages[0].segment_start.seconds + messages[0].segment_start.nanos / 1e9
    assert first == pytest.approx(wall - 1.5, abs=0.002)
    for a, b in itertools.pairwise(messages):
        assert a.segment_end == b.segment_start  # the re-based first segment still joins
    # A camera clock further than MAX_CLOCK_DRIFT_S from ours is not believed.
    data = interleaved(stream, sender_clock=wall - 3600)
    far = run_session(stream, wall, 2.0, data, max_drift_s=60.0)
    start = segment_pb2.SegmentClosed.FromString(bytes(far[0].payload)).segment_start
    assert start.seconds + start.nanos / 1e9 == pytest.approx(wall, abs=0.002)


def starts_and_ends(messages: list[segment_pb2.SegmentClosed]) -> list[tuple[float, float]]:
    return [
        (
            m.segment_start.seconds + m.segment_start.nanos / 1e9,
            m.segment_end.seconds + m.segment_end.nanos / 1e9,
        )
        for m in messages
    ]


def test_a_first_sender_report_after_the_target_still_anchors_the_segments(
    stream: list[bytes],
) -> None:
    """The camera's first report comes before picture 65 (2.6 s in), after the keyframe at
    2.0 s that would have cut the first 2 s segment: the first cut waits for it (keyframe 70),
    and every segment starts at the camera's capture time, joined, none overlapping. (Reads
    of 200 bytes: the report is not read before the keyframe at 2.0 s reaches the cut.)"""
    wall = 1_800_000_000.0
    data = interleaved(stream, sender_clock=wall - 1.5, reports_from=65)
    segments = run_session(
        stream, wall, 2.0, data, max_drift_s=60.0, first_report_wait_s=2.0, chunk=200
    )
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    spans = starts_and_ends(messages)
    assert spans[0][0] == pytest.approx(wall - 1.5, abs=0.002)  # capture time, not arrival
    assert messages[0].frames == 70
    assert spans[0][1] - spans[0][0] == pytest.approx(70 / FPS, abs=0.002)
    frame = 0
    for m, (start, _end) in zip(messages, spans, strict=True):  # all on the camera's clock
        assert start == pytest.approx(wall - 1.5 + frame / FPS, abs=0.002), frame
        frame += m.frames
    for a, b in itertools.pairwise(messages):
        assert a.segment_end == b.segment_start  # joined: no gap, no overlap
    assert all(start < end for start, end in spans)
    assert sum(m.frames for m in messages) == len(stream)
    assert len(decoded(messages)) == len(stream)


def test_without_sender_reports_the_first_cut_waits_at_most_the_bound(
    stream: list[bytes],
) -> None:
    """No report ever: the first segment is cut at the first keyframe after target + wait
    (2 + 2 s), on our clock, the rest at the target; a session that ends while its first
    cut waits (2 + 5 s: longer than the stream) hands out every picture it held."""
    wall = 1_800_000_000.0
    segments = run_session(stream, wall, 2.0, max_drift_s=60.0, first_report_wait_s=2.0)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert [m.frames for m in messages] == [100, 40, 10]  # the last two: the end
    assert messages[1].segment_end == messages[2].segment_start
    spans = starts_and_ends(messages)
    assert spans[0] == pytest.approx((wall, wall + 4.0), abs=0.002)
    assert messages[0].segment_end == messages[1].segment_start
    ended = run_session(stream, wall, 2.0, max_drift_s=60.0, first_report_wait_s=5.0)
    held = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in ended]
    assert sum(m.frames for m in held) == len(stream)  # nothing lost
    assert sum(m.duration.ToTimedelta().total_seconds() for m in held) == pytest.approx(
        len(stream) / FPS
    )
    for a, b in itertools.pairwise(held):
        assert a.segment_end == b.segment_start
    assert len(decoded(held)) == len(stream)


def test_a_picture_sent_twice_with_one_timestamp_is_recorded_once(stream: list[bytes]) -> None:
    # Keyframes (0, 30, 120: parameter sets in front) and pictures inside a GOP, a segment's
    # last picture (49) among them, each sent a second time right behind itself.
    repeat = frozenset({0, 7, 30, 49, 50, 51, 120, 149})
    plain = run_session(stream, 1_800_000_000.0, 2.0)
    counters = Counters()
    data = interleaved(stream, repeat=repeat)
    segments = run_session(stream, 1_800_000_000.0, 2.0, data, counters=counters)
    assert (counters.repeated, counters.gaps, counters.damaged) == (len(repeat), 0, 0)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    before = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in plain]
    # The same segments as without the repeats: no gap bridged, the clock not re-anchored.
    assert [(m.segment_start, m.segment_end, m.frames) for m in messages] == [
        (m.segment_start, m.segment_end, m.frames) for m in before
    ]
    assert [m.media_bytes for m in messages] == [m.media_bytes for m in before]
    assert len(decoded(messages)) == len(stream)  # and no "Duplicate POC"


def test_a_later_slice_at_the_same_timestamp_is_not_a_repeat() -> None:
    # A camera that sets the marker on every slice: the second slice of a picture comes as
    # an access unit of its own with the picture's timestamp; it is not a repeated picture.
    dep = _Depacketizer(hevc=True, parameter_sets=())
    idr_first = bytes((19 << 1, 1, 0x80, 0xAA))  # IDR_W_RADL, first_slice_segment_in_pic_flag
    idr_later = bytes((19 << 1, 1, 0x40, 0xBB))  # the same picture's next slice segment
    trail = bytes((1 << 1, 1, 0x80, 0xCC))  # TRAIL_R, a new picture

    def rtp(seq: int, ts: int, nal: bytes) -> bytes:
        return struct.pack(">BBHII", 0x80, 0x80 | 96, seq, ts, 7) + nal

    got = [
        dep.push(rtp(i, ts, nal))
        for i, (ts, nal) in enumerate(
            [(0, idr_first), (0, idr_later), (0, idr_first), (3600, trail), (3600, trail)]
        )
    ]
    assert [au is not None for au in got] == [True, True, False, True, False]
    assert (dep.repeated, dep.gaps, dep.dropped) == (2, 0, 0)


def test_a_keyframe_stepping_back_in_time_is_a_discontinuity(stream: list[bytes]) -> None:
    # A camera clock that steps back 1.5 pictures at a keyframe (LIVE555 re-times its stream
    # once it synchronises on its source's RTCP; the step may go either way). No picture
    # before a keyframe in decode order presents after it (H.265 IRAP, H.264 IDR), so this is
    # no B-frame: it is bridged, and decode times rise across the segments.
    wire = interleaved(stream, step=(50, -3 * TICKS // 2))
    counters = Counters()
    segments = run_session(stream, 1_800_000_000.0, 2.0, wire, counters=counters)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert sum(m.frames for m in messages) == len(stream)
    assert len(decoded(messages)) == len(stream)  # no "non monotonically increasing dts"
    assert counters.gaps == 1


def test_a_camera_clock_jumping_an_hour_ahead_and_back(stream: list[bytes]) -> None:
    """Its sender reports and RTP timestamps jump +1 h for two seconds, then back: no segment
    lands an hour away, the segments join without a gap or an overlap, both steps counted."""
    wall = 1_800_000_000.0
    data = interleaved(stream, sender_clock=wall, jump=(40, 90, 3600))
    counters = Counters()
    segments = run_session(stream, wall, 2.0, data, max_drift_s=60.0, counters=counters)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    starts = [m.segment_start.seconds + m.segment_start.nanos / 1e9 for m in messages]
    assert all(wall - 0.01 <= t <= wall + len(stream) / FPS for t in starts), starts
    for a, b in itertools.pairwise(messages):
        assert a.segment_end == b.segment_start, (a.segment_end, b.segment_start)
    assert counters.clock_jumps == 2
    assert sum(m.frames for m in messages) == len(stream)
    assert len(decoded(messages)) == len(stream)


@pytest.fixture(scope="module")
def bframe_stream() -> list[bytes]:
    return encode_h265(frames=72, gop=24, bframes=3)


@pytest.mark.parametrize("at", range(2, 12))
def test_a_clock_step_among_b_frames_keeps_the_pictures_in_order(
    bframe_stream: list[bytes], at: int
) -> None:
    # LIVE555 re-times its stream once, ~2 s in: its RTP clock steps forward by part of a
    # picture (+21 and +57 ms seen), wherever that falls, also inside a run of B-frames
    # before ingest has seen one: pictures decoded before the step would then be shown
    # after pictures decoded after it. The recording keeps the order the camera shows them in.
    assert [shown[au] for au in bframe_stream] != list(range(len(bframe_stream)))
    wire = interleaved(bframe_stream, step=(at, 57 * 90))
    counters = Counters()
    segments = run_session(bframe_stream, 1_800_000_000.0, 2.0, wire, counters=counters)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert sum(m.frames for m in messages) == len(bframe_stream)
    times = decoded(messages)  # FFmpeg: no "non monotonically increasing dts"
    assert len(times) == len(bframe_stream)
    assert times == sorted(times)


def test_a_backlog_read_as_the_session_starts_does_not_overlap_the_next_segment(
    stream: list[bytes],
) -> None:
    # The session's first 3 s of pictures are read at one instant (the host stalled as the
    # session started, or the camera flushed its buffer), then pictures come in real time.
    # Read late, the first picture was stamped 3 s after it was taken; at the first cut the
    # media is 2 s ahead of our clock (more than the 1 s drift allowed here). The first
    # segment, not handed out yet, is put back to end at its cut: the next one did start
    # there, over it (seen in CI on a loaded machine: 7 s, the first cut waiting for a sender
    # report).
    t0 = 1_800_000_000.0
    calls = itertools.count()
    backlog = 3 * FPS

    def clock() -> float:  # our clock, read once per picture
        return t0 + max(0, next(calls) - backlog) / FPS

    segments = run_session(stream, clock, 2.0, max_drift_s=1.0)
    messages = [segment_pb2.SegmentClosed.FromString(bytes(s.payload)) for s in segments]
    assert len(messages) >= 3
    for a, b in itertools.pairwise(messages):
        assert a.segment_end == b.segment_start
    first_end = messages[0].segment_end.seconds + messages[0].segment_end.nanos / 1e9
    assert first_end == pytest.approx(t0, abs=0.1)  # cut while the backlog was read
