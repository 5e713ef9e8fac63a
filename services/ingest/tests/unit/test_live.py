"""Live view's pure parts: demand expiry, parameter sets in-band, keyframe gating, the tap's
bounded queue (ADR 0020)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
import pytest

from tncam.live.v1 import live_pb2
from tncam_ingest.domain.live import (
    MAX_TTL_S,
    DemandBook,
    DemandChange,
    ParameterSets,
    split_annexb,
)
from tncam_ingest.media.live import LiveTap

VPS, SPS, PPS = b"\x40\x01vps", b"\x42\x01sps", b"\x44\x01pps"
IDR, TRAIL, AUD = b"\x26\x01idr", b"\x02\x01trail", b"\x46\x01\x50"
SC = b"\x00\x00\x00\x01"


def annexb(*units: bytes) -> bytes:
    return b"".join(SC + u for u in units)


# ------------------------------------------------------------------------------- demands


def test_demand_starts_with_the_first_holder_and_lapses_with_the_last() -> None:
    book = DemandBook()
    assert book.renew("c1", "main", "edge-a", 2.0, now=0.0) == DemandChange("c1", "main", True)
    assert book.renew("c1", "main", "edge-b", 2.0, now=0.5) is None  # a second viewer-side
    assert book.renew("c1", "main", "edge-a", 2.0, now=1.0) is None  # renewal: until 3.0
    assert book.holders("c1", "main") == 2
    assert book.expire(2.4) == []  # edge-b lapses at 2.5, edge-a at 3.0
    assert book.expire(2.6) == []
    assert book.holders("c1", "main") == 1
    assert book.expire(3.0) == [DemandChange("c1", "main", False)]
    assert book.holders("c1", "main") == 0
    # Watched again later: a new start.
    assert book.renew("c1", "main", "edge-a", 1.0, now=10.0) == DemandChange("c1", "main", True)


def test_streams_are_independent_and_ttl_is_capped() -> None:
    book = DemandBook()
    assert book.renew("c1", "sub", "e", 3600.0, now=0.0) == DemandChange("c1", "sub", True)
    assert book.renew("c1", "main", "e", 1.0, now=0.0) == DemandChange("c1", "main", True)
    assert book.expire(1.0) == [DemandChange("c1", "main", False)]
    assert book.expire(MAX_TTL_S - 0.01) == []
    assert book.expire(MAX_TTL_S) == [DemandChange("c1", "sub", False)]  # a dead holder's


def test_release_and_camera_lost() -> None:
    book = DemandBook()
    book.renew("c1", "main", "a", 5.0, now=0.0)
    book.renew("c1", "main", "b", 5.0, now=0.0)
    assert book.renew("c1", "main", "a", 0.0, now=1.0) is None  # b still watches
    assert book.renew("c1", "main", "b", 0.0, now=1.0) == DemandChange("c1", "main", False)
    assert book.renew("c1", "main", "b", 0.0, now=1.0) is None  # nothing to release
    book.renew("c2", "main", "a", 5.0, now=0.0)
    book.renew("c2", "sub", "a", 5.0, now=0.0)
    assert sorted(book.drop_camera("c2")) == ["main", "sub"]
    assert list(book) == []
    # A renewal never shortens a holder's demand.
    book.renew("c3", "main", "a", 5.0, now=0.0)
    book.renew("c3", "main", "a", 1.0, now=1.0)
    assert book.expire(4.0) == []


# ----------------------------------------------------------------------- parameter sets


def test_split_annexb_takes_both_start_codes() -> None:
    data = b"\x00\x00\x01" + VPS + b"\x00" + SC + SPS + b"\x00\x00\x01" + IDR
    assert split_annexb(data) == [VPS, SPS, IDR]
    assert split_annexb(b"") == []


def test_keyframe_gets_parameter_sets_in_band() -> None:
    ps = ParameterSets("hevc")
    ps.learn([VPS, SPS, PPS])  # from the SDP
    assert ps.complete()
    assert split_annexb(ps.keyframe([IDR])) == [VPS, SPS, PPS, IDR]
    # A newer SPS in-band replaces the SDP's, and stays for later keyframes.
    sps2 = b"\x42\x01sps2"
    assert split_annexb(ps.keyframe([sps2, IDR])) == [VPS, sps2, PPS, IDR]
    assert split_annexb(ps.keyframe([AUD, IDR])) == [AUD, VPS, sps2, PPS, IDR]
    h264 = ParameterSets("h264")
    assert not h264.complete()
    assert split_annexb(h264.keyframe([b"\x67sps", b"\x68pps", b"\x65idr"])) == [
        b"\x67sps",
        b"\x68pps",
        b"\x65idr",
    ]
    assert split_annexb(h264.keyframe([b"\x09\x10", b"\x65idr"])) == [
        b"\x09\x10",
        b"\x67sps",
        b"\x68pps",
        b"\x65idr",
    ]


# ---------------------------------------------------------------------------------- tap


class Wakes:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1


def decode(msgs: list[bytes]) -> list[live_pb2.LiveAccessUnit]:
    return [live_pb2.LiveAccessUnit.FromString(m) for m in msgs]


def test_tap_starts_at_a_keyframe_with_parameter_sets() -> None:
    wakes = Wakes()
    tap = LiveTap("c1", live_pb2.LIVE_STREAM_MAIN, wakes)
    tap.restart("hevc", annexb(VPS, SPS, PPS), 320, 240, Fraction(1, 90000))
    tap.put(annexb(TRAIL), 100, False, 1.0)  # before the first keyframe: not published
    assert tap.take() == []
    assert wakes.n == 0
    tap.put(annexb(IDR), 3700, True, 1.5)
    tap.put(annexb(TRAIL), 7300, False, 1.6)
    assert wakes.n == 1  # one wake per batch, not per picture
    aus = decode(tap.take())
    assert [a.sequence for a in aus] == [0, 1]
    first = aus[0]
    assert first.keyframe
    assert first.camera_id == "c1"
    assert first.codec == "hevc"
    assert split_annexb(first.data) == [VPS, SPS, PPS, IDR]
    assert (first.pts, first.dts, first.width, first.height) == (3700, 3700, 320, 240)
    assert first.received_time_unix_ns == 1_500_000_000
    assert first.session_id
    assert aus[1].session_id == first.session_id
    assert aus[1].data == annexb(TRAIL)
    tap.put(annexb(TRAIL), 10900, False, 1.7)
    assert wakes.n == 2  # the queue was emptied: the next picture wakes the loop again
    # A new session (reconnect): new id, sequence from 0, waits for a keyframe again.
    tap.restart("hevc", b"", 0, 0, Fraction(1, 1000))
    tap.take()
    tap.put(annexb(TRAIL), 5, False, 2.0)
    tap.put(annexb(VPS, SPS, PPS, IDR), 10, True, 2.0)
    (again,) = decode(tap.take())
    assert again.sequence == 0
    assert again.keyframe
    assert again.session_id != first.session_id
    assert again.dts == 900  # 10 ms on the 90 kHz clock


def test_tap_drops_to_the_next_keyframe_when_the_loop_falls_behind() -> None:
    tap = LiveTap("c1", live_pb2.LIVE_STREAM_SUB, lambda: None, max_queued_bytes=400)
    tap.restart("hevc", annexb(VPS, SPS, PPS), 0, 0, Fraction(1, 90000))
    big = annexb(b"\x02\x01" + bytes(150))
    tap.put(annexb(IDR), 0, True, 0.0)
    tap.put(big, 1, False, 0.0)
    tap.put(big, 2, False, 0.0)  # over 400 bytes queued: dropped, and so is what follows
    tap.put(annexb(TRAIL), 3, False, 0.0)
    assert tap.dropped == 2
    tap_msgs = decode(tap.take())
    assert [a.sequence for a in tap_msgs] == [0, 1]
    tap.put(annexb(TRAIL), 4, False, 0.0)  # still waiting for a keyframe
    tap.put(annexb(IDR), 5, True, 0.0)
    (kf,) = decode(tap.take())
    assert kf.keyframe
    assert kf.sequence == 5
    assert split_annexb(kf.data) == [VPS, SPS, PPS, IDR]
    assert tap.dropped == 3


def encode_hevc(frames: int, gop: int) -> list[bytes]:
    """Annex-B access units of a small H.265 stream, keyframe every ``gop`` frames."""
    out = av.open(io.BytesIO(), "w", format="hevc")
    stream = out.add_stream(
        "libx265",
        rate=25,
        options={"x265-params": f"keyint={gop}:min-keyint={gop}:bframes=0:log-level=error"},
    )
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    aus: list[bytes] = []
    for i in range(frames):
        img = np.full((64, 64, 3), (i * 9) % 255, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        aus += [bytes(p) for p in stream.encode(frame)]
    aus += [bytes(p) for p in stream.encode(None)]
    out.close()
    return aus


def is_ps(unit: bytes) -> bool:
    return 32 <= (unit[0] >> 1) & 0x3F <= 34


@pytest.mark.parametrize("join_at", [0, 5])
def test_tapped_stream_decodes_from_its_first_keyframe(join_at: int) -> None:
    aus = encode_hevc(15, gop=5)
    # A camera that sends its parameter sets out of band only (in the SDP): none in-band.
    ps = [u for u in split_annexb(aus[0]) if is_ps(u)]
    assert len(ps) == 3
    aus = [annexb(*(u for u in split_annexb(au) if not is_ps(u))) for au in aus]
    tap = LiveTap("c1", live_pb2.LIVE_STREAM_MAIN, lambda: None)
    tap.restart("hevc", annexb(*ps), 64, 64, Fraction(1, 25))
    for i, au in enumerate(aus[join_at:], start=join_at):
        tap.put(au, i, i % 5 == 0, 0.0)
    msgs = decode(tap.take())
    assert msgs[0].keyframe
    assert len(msgs) == 15 - join_at
    ctx = av.CodecContext.create("hevc", "r")
    frames = 0
    for m in msgs:
        frames += len(ctx.decode(av.Packet(m.data)))
    frames += len(ctx.decode(None))
    assert frames == len(msgs)


def test_tap_starts_with_the_current_gop_when_the_session_has_it() -> None:
    tap = LiveTap("c1", live_pb2.LIVE_STREAM_MAIN, lambda: None)
    tap.restart("hevc", annexb(VPS, SPS, PPS), 0, 0, Fraction(1, 90000))
    assert tap.wants_gop
    gop = [(0, True, annexb(IDR)), (3600, False, annexb(TRAIL))]
    tap.replay(gop, 7200, 10.0)
    tap.put(annexb(TRAIL), 7200, False, 10.0)
    aus = decode(tap.take())
    assert not tap.wants_gop
    assert [(a.dts, a.keyframe, a.sequence) for a in aus] == [
        (0, True, 0),
        (3600, False, 1),
        (7200, False, 2),
    ]
    assert split_annexb(aus[0].data) == [VPS, SPS, PPS, IDR]
    assert [a.received_time_unix_ns for a in aus] == [9_920_000_000, 9_960_000_000, 10 * 10**9]
    # Already publishing (a keyframe came first): a replay adds nothing.
    tap.wants_gop = True
    tap.replay(gop, 7200, 10.0)
    assert tap.take() == []
