"""B-frames (ADR 0024): decode times derived from presentation times, composition offsets in
``trun``, and the segmenter's and live tap's handling of pictures out of presentation order."""

from __future__ import annotations

import itertools
import struct
from fractions import Fraction

import pytest

from tncam.live.v1 import live_pb2
from tncam_ingest.media.fmp4 import CmafWriter, find_box
from tncam_ingest.media.live import LiveTap
from tncam_ingest.media.reorder import DecodeClock, fragment_decode_times
from tncam_ingest.media.rtp import _Depacketizer

from .test_cmaf import init_segment, rtp

STEP = 3600  # 25 fps on the 90 kHz clock
#: Decode order of a closed GOP of 8 with bframes=3 and a B-pyramid: I0 P4 B2 b1 b3 P7 B6 b5,
#: as presentation indices (what x265 sends).
GOP = [0, 4, 2, 1, 3, 7, 6, 5]


def parse_trun(fragment: bytes) -> tuple[int, int, int, list[tuple[int, int, int, int]]]:
    """(version, flags, tfdt, [(duration, size, flags, composition offset)])."""
    tfdt = find_box(fragment, b"moof", b"traf", b"tfdt")
    trun = find_box(fragment, b"moof", b"traf", b"trun")
    assert tfdt is not None
    assert trun is not None
    word, count = struct.unpack_from(">II", trun, 0)
    version, flags = word >> 24, word & 0xFFFFFF
    width = 16 if flags & 0x800 else 12
    rows = []
    for i in range(count):
        d, s, f = struct.unpack_from(">III", trun, 12 + width * i)
        cts = struct.unpack_from(">i", trun, 24 + width * i)[0] if flags & 0x800 else 0
        rows.append((d, s, f, cts))
    return version, flags, struct.unpack_from(">Q", tfdt, 4)[0], rows


def feed(dep: _Depacketizer, order: list[int], base: int, seq: int) -> list:
    """One single-NAL RTP packet per picture (IDR at presentation index 0), marker set."""
    out: list = []
    for n, i in enumerate(order):
        nal = (bytes(((19 << 1), 1)) if i == 0 else bytes(((1 << 1), 1))) + bytes([i]) * 50
        frame = rtp(seq + n, (base + i) * STEP, nal, marker=True)
        buf = b"$\x00" + struct.pack(">H", len(frame)) + frame
        dep.feed(buf, 0, len(buf), out)
    return out


def test_trun_carries_signed_composition_offsets_for_b_frames() -> None:
    dep = _Depacketizer(True, ())
    writer = CmafWriter(init_segment(), "hevc", 320, 240, dep)
    aus = feed(dep, GOP, 0, 0) + feed(dep, GOP, 8, 8)
    assert [au.pts // STEP for au in aus[:8]] == GOP  # RTP timestamp = presentation time
    for au in aus:
        writer.mux(au)
    version, flags, base, rows = parse_trun(b"".join(bytes(c) for c in writer.take()))
    assert version == 1
    assert flags & 0x800  # sample-composition-time-offsets-present
    assert base == 0  # the first picture presents at 0: no edit list needed
    # Decode times are the presentation times sorted: 0, 1, ... 7 frames, in decode order.
    assert [r[0] for r in rows] == [STEP] * 8
    decode = [i * STEP for i in range(8)]
    assert [r[3] for r in rows] == [p * STEP - d for p, d in zip(GOP, decode, strict=True)]
    assert min(r[3] for r in rows) < 0  # B-frames present before their decode time
    assert [r[2] == 0x02000000 for r in rows] == [True] + [False] * 7
    # The next fragment starts where this one ended, again at its keyframe's time.
    _v, _f, base2, rows2 = parse_trun(b"".join(bytes(c) for c in writer.close()))
    assert base2 == 8 * STEP
    assert [r[3] for r in rows2] == [r[3] for r in rows]


def test_without_b_frames_the_trun_is_version_0_without_offsets() -> None:
    dep = _Depacketizer(True, ())
    writer = CmafWriter(init_segment(), "hevc", 320, 240, dep)
    for au in feed(dep, list(range(8)), 0, 0) + feed(dep, [0], 8, 8):
        writer.mux(au)
    version, flags, base, rows = parse_trun(b"".join(bytes(c) for c in writer.take()))
    assert (version, flags & 0x800, base) == (0, 0, 0)
    assert [r[0] for r in rows] == [STEP] * 8


def test_fragment_decode_times_stay_above_the_previous_fragment() -> None:
    assert fragment_decode_times([0, 1, 2], None) is None
    assert fragment_decode_times([0, 4, 2, 1, 3], None) == [0, 1, 2, 3, 4]
    # An open GOP: leading pictures present before the keyframe and the previous fragment's end.
    assert fragment_decode_times([10, 8, 9, 12, 11], 10) == [10, 11, 12, 13, 14]
    assert fragment_decode_times([10, 11], 10) is None


def test_decode_clock_is_the_presentation_time_without_b_frames() -> None:
    clock = DecodeClock()
    assert [clock(t) for t in range(0, 10 * STEP, STEP)] == list(range(0, 10 * STEP, STEP))
    assert clock.depth == 0


def test_decode_clock_learns_the_reorder_depth_and_stays_monotonic_and_before_display() -> None:
    clock = DecodeClock()
    order = [(g * 8 + i) * STEP for g in range(6) for i in GOP]
    dts = [clock(p) for p in order]
    assert all(b > a for a, b in itertools.pairwise(dts))
    assert 1 <= clock.depth <= 3
    # Once learned (after the first GOP), every picture is decoded before it is presented.
    assert all(d <= p for d, p in zip(dts[8:], order[8:], strict=True))


def test_live_access_units_carry_presentation_and_decode_times() -> None:
    tap = LiveTap("cam", 1, lambda: None)
    tap.restart("hevc", b"", 320, 240, Fraction(1, 90000))
    sc = b"\x00\x00\x00\x01"
    for g in range(3):
        for i in GOP:
            nal = b"\x26\x01idr" if i == 0 else b"\x02\x01trail"
            tap.put(sc + nal, (g * 8 + i) * STEP, i == 0, 0.0)
    aus = [live_pb2.LiveAccessUnit.FromString(m) for m in tap.take()]
    assert [a.pts // STEP for a in aus[:8]] == GOP
    assert all(b.dts > a.dts for a, b in itertools.pairwise(aus))
    assert any(a.pts != a.dts for a in aus)
    assert all(a.dts <= a.pts for a in aus[8:])


@pytest.mark.parametrize("depth", [1, 2])
def test_decode_clock_handles_a_simple_b_frame_pattern(depth: int) -> None:
    # I0 P(d+1) B1..Bd: ``depth`` B-frames between references, no pyramid.
    clock = DecodeClock()
    n = depth + 1
    order = [0]
    for g in range(10):
        ref = (g + 1) * n
        order += [ref, *range(ref - n + 1, ref)]
    dts = [clock(p * STEP) for p in order]
    assert all(b > a for a, b in itertools.pairwise(dts))
    assert all(d <= p * STEP for d, p in zip(dts[2 * n :], order[2 * n :], strict=True))
