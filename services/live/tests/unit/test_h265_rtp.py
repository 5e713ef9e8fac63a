"""RFC 7798 packetizer and depacketizer: packet types, S/E bits, MTU, round trips."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tncam_live.media.h265_rtp import (
    TYPE_AP,
    TYPE_FU,
    PayloadError,
    depacketize,
    nal_type,
    packetize,
    split_annexb,
)
from tncam_testkit.cameras import make_clips

VPS, SPS, PPS, IDR, TRAIL = 32, 33, 34, 19, 1


def nal(kind: int, size: int, *, layer_id: int = 0, tid: int = 1, fill: int = 0xAB) -> bytes:
    """An H.265 NAL unit: the 2-byte header, then ``size - 2`` bytes of ``fill``."""
    header = bytes(((kind << 1) | (layer_id >> 5), ((layer_id & 0x1F) << 3) | tid))
    return header + bytes([fill]) * (size - 2)


def annexb(nals: list[bytes]) -> bytes:
    return b"".join(b"\x00\x00\x00\x01" + n for n in nals)


def test_a_nal_unit_that_fits_goes_alone() -> None:
    unit = nal(TRAIL, 900)
    assert packetize([unit], mtu=1200) == [unit]
    assert packetize([unit], mtu=900) == [unit]  # exactly the budget still fits


def test_small_nal_units_are_aggregated() -> None:
    vps, sps, pps = nal(VPS, 24), nal(SPS, 40), nal(PPS, 8)
    [ap] = packetize([vps, sps, pps], mtu=1200)
    assert nal_type(ap[0]) == TYPE_AP
    assert ap[1] == 0x01  # LayerId 0, TID 1: the lowest of the aggregated units
    body = ap[2:]
    assert body == b"".join(len(n).to_bytes(2, "big") + n for n in (vps, sps, pps))
    assert depacketize([ap]).annexb == annexb([vps, sps, pps])


def test_aggregation_header_takes_the_lowest_layer_and_tid_and_any_f_bit() -> None:
    high = nal(TRAIL, 10, layer_id=5, tid=3)
    low = bytes((high[0] | 0x80,)) + nal(TRAIL, 10, layer_id=2, tid=2)[1:]  # F bit set
    [ap] = packetize([high, low], mtu=100)
    assert ap[0] & 0x80 == 0x80
    assert nal_type(ap[0]) == TYPE_AP
    assert ((ap[0] & 1) << 5) | (ap[1] >> 3) == 2
    assert ap[1] & 0x07 == 2


def test_aggregation_stops_at_the_budget() -> None:
    units = [nal(TRAIL, 100, fill=i) for i in range(5)]
    payloads = packetize(units, mtu=250)  # 2 + 2 * (2 + 100) = 206; a third would be 308
    assert [nal_type(p[0]) for p in payloads] == [TYPE_AP, TYPE_AP, TRAIL]
    assert all(len(p) <= 250 for p in payloads)
    assert depacketize(payloads).annexb == annexb(units)


def test_a_large_nal_unit_is_fragmented_with_s_and_e_bits() -> None:
    unit = nal(IDR, 5000, layer_id=1, tid=2, fill=0x5A)
    payloads = packetize([unit], mtu=1200)
    assert len(payloads) == 5  # 4998 bytes of body in fragments of at most 1197
    for index, payload in enumerate(payloads):
        assert len(payload) <= 1200
        assert nal_type(payload[0]) == TYPE_FU
        assert payload[0] & 0x01 == unit[0] & 0x01  # LayerId's high bit kept
        assert payload[1] == unit[1]  # LayerId's low bits and TID kept
        fu_header = payload[2]
        assert bool(fu_header & 0x80) == (index == 0)  # S only on the first
        assert bool(fu_header & 0x40) == (index == len(payloads) - 1)  # E only on the last
        assert fu_header & 0x3F == IDR
    sizes = [len(p) for p in payloads]
    assert max(sizes) - min(sizes) <= 1  # no runt fragment at the end
    assert depacketize(payloads).annexb == annexb([unit])


def test_fragments_interleave_with_aggregates_in_decoding_order() -> None:
    units = [nal(VPS, 20), nal(SPS, 30), nal(PPS, 10), nal(IDR, 2900), nal(TRAIL, 50)]
    payloads = packetize(units, mtu=1000)  # 2898 bytes of IDR body in 3 fragments of 966
    kinds = [nal_type(p[0]) for p in payloads]
    assert kinds == [TYPE_AP, TYPE_FU, TYPE_FU, TYPE_FU, TRAIL]
    result = depacketize(payloads)
    assert result.annexb == annexb(units)
    assert (result.nal_count, result.incomplete_fu_runs) == (5, 0)


def test_annexb_input_with_3_and_4_byte_start_codes_and_trailing_zeros() -> None:
    a, b, c = nal(VPS, 12), nal(SPS, 20), nal(TRAIL, 30)
    stream = b"\x00\x00\x00\x01" + a + b"\x00\x00" + b"\x00\x00\x01" + b + b"\x00\x00\x01" + c
    assert split_annexb(stream) == [a, b, c]
    assert packetize(stream, mtu=1200) == packetize([a, b, c], mtu=1200)


def test_the_payload_budget_is_checked() -> None:
    with pytest.raises(ValueError, match="mtu"):
        packetize([nal(TRAIL, 10)], mtu=3)
    assert all(len(p) <= 4 for p in packetize([nal(TRAIL, 40)], mtu=4))


@pytest.mark.parametrize("kind", [TYPE_AP, TYPE_FU, 50])
def test_rtp_only_types_are_refused_as_nal_units(kind: int) -> None:
    with pytest.raises(PayloadError, match="reserved"):
        packetize([nal(kind, 10)])


def test_a_nal_unit_shorter_than_its_header_is_refused() -> None:
    with pytest.raises(PayloadError, match="shorter"):
        packetize([b"\x02"])


def _fragments(unit: bytes, mtu: int = 100) -> list[bytes]:
    payloads = packetize([unit], mtu=mtu)
    assert len(payloads) >= 3
    return payloads


def test_a_run_without_its_end_is_dropped_and_reported() -> None:
    before, big, after = nal(TRAIL, 20, fill=1), nal(IDR, 400), nal(TRAIL, 30, fill=2)
    run = _fragments(big)
    result = depacketize([before, *run[:-1], after])
    assert result.annexb == annexb([before, after])
    assert result.incomplete_fu_runs == 1
    # Open at the end of the access unit: dropped as well.
    assert depacketize([before, *run[:-1]]).incomplete_fu_runs == 1


def test_a_run_without_its_start_is_dropped_once() -> None:
    big, after = nal(IDR, 400), nal(TRAIL, 30)
    run = _fragments(big)
    result = depacketize([*run[1:], after])
    assert result.annexb == annexb([after])
    assert result.incomplete_fu_runs == 1


def test_a_new_start_inside_a_run_drops_the_open_one() -> None:
    first, second = nal(IDR, 400, fill=1), nal(TRAIL, 400, fill=2)
    a, b = _fragments(first), _fragments(second)
    result = depacketize([*a[:2], *b])
    assert result.annexb == annexb([second])
    assert result.incomplete_fu_runs == 1


def test_a_continuation_of_another_type_breaks_the_run() -> None:
    a, b = _fragments(nal(IDR, 400)), _fragments(nal(TRAIL, 400))
    result = depacketize([a[0], *b[1:]])
    assert (result.annexb, result.incomplete_fu_runs) == (b"", 2)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x60", "shorter than its header"),  # one byte
        (bytes((TYPE_AP << 1, 1)), "without NAL units"),
        (bytes((TYPE_AP << 1, 1)) + b"\x00", "truncated length"),
        (bytes((TYPE_AP << 1, 1)) + b"\x00\x09\x02\x01", "does not fit"),
        (bytes((TYPE_FU << 1, 1, 0x80 | IDR)), "without data"),
        (bytes((TYPE_FU << 1, 1, 0xC0 | IDR, 7)), "both S and E"),
        (bytes((TYPE_FU << 1, 1, 0x80 | TYPE_AP, 7)), "reserved type"),
        (bytes((50 << 1, 1, 0, 0)), "PACI"),
        (bytes((51 << 1, 1, 0, 0)), "unspecified type"),
    ],
)
def test_malformed_payloads_raise(payload: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        depacketize([payload])


@pytest.fixture(scope="module")
def camera_access_units(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Access units of the simulated cameras' H.265 clip (libx265, headers on each IDR)."""
    clips = make_clips(tmp_path_factory.mktemp("clips"), seconds=2, fps=10, gop=10)
    return _access_units(clips.h265)


def _access_units(path: Path) -> list[bytes]:
    with av.open(str(path), format="hevc") as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


@pytest.mark.parametrize("mtu", [1200, 300, 64])
def test_real_access_units_round_trip_and_decode(
    camera_access_units: list[bytes], mtu: int
) -> None:
    decoder = av.CodecContext.create("hevc", "r")
    kinds: set[int] = set()
    decoded = 0
    for unit in camera_access_units:
        payloads = packetize(unit, mtu=mtu)
        assert all(len(p) <= mtu for p in payloads)
        kinds.update(nal_type(p[0]) for p in payloads)
        result = depacketize(payloads)
        assert result.annexb == annexb(split_annexb(unit))
        assert result.incomplete_fu_runs == 0
        decoded += len(decoder.decode(av.Packet(result.annexb)))
    assert decoded == len(camera_access_units) == 20
    assert {TYPE_AP, TYPE_FU} <= kinds  # parameter sets aggregated, IDR slices fragmented
    first = split_annexb(camera_access_units[0])
    assert [nal_type(n[0]) for n in first][:3] == [VPS, SPS, PPS]


@st.composite
def nal_units(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 47))
    layer_id = draw(st.integers(0, 63))
    tid = draw(st.integers(1, 7))
    size = draw(st.one_of(st.integers(2, 40), st.integers(41, 3000)))
    body = draw(st.binary(min_size=size - 2, max_size=size - 2))
    return nal(kind, 2, layer_id=layer_id, tid=tid) + body


@settings(max_examples=200, deadline=None)
@given(units=st.lists(nal_units(), min_size=1, max_size=12), mtu=st.integers(4, 1500))
def test_any_mix_of_sizes_round_trips_within_the_budget(units: list[bytes], mtu: int) -> None:
    payloads = packetize(units, mtu=mtu)
    assert all(len(p) <= mtu for p in payloads)
    result = depacketize(payloads)
    assert result.annexb == annexb(units)
    assert (result.nal_count, result.incomplete_fu_runs) == (len(units), 0)


@settings(max_examples=100, deadline=None)
@given(
    units=st.lists(nal_units(), min_size=1, max_size=8),
    mtu=st.integers(16, 600),
    pick=st.integers(0, 10_000),
)
def test_losing_a_first_or_last_fragment_drops_exactly_its_nal_unit(
    units: list[bytes], mtu: int, pick: int
) -> None:
    # A lost middle fragment leaves S and E in place: only sequence numbers show it, and
    # aiortc's jitter buffer releases nothing across a gap.
    payloads = packetize(units, mtu=mtu)
    fragments = [i for i, p in enumerate(payloads) if nal_type(p[0]) == TYPE_FU and p[2] & 0xC0]
    if not fragments:
        return
    lost = fragments[pick % len(fragments)]
    # Which NAL unit the lost fragment belonged to: count the runs started before it.
    result = depacketize(payloads[:lost] + payloads[lost + 1 :])
    fragmented = [u for u in units if len(u) > mtu]
    run = sum(1 for p in payloads[: lost + 1] if nal_type(p[0]) == TYPE_FU and p[2] & 0x80) - 1
    kept = [u for u in units if u is not fragmented[run]]
    assert result.incomplete_fu_runs == 1
    assert result.annexb == annexb(kept)
