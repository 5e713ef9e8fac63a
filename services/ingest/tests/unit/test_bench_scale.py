"""The scale benchmark's synthetic packet source and its arithmetic (no server, no clock)."""

from __future__ import annotations

import itertools
import struct
from types import SimpleNamespace

import pytest

from tncam_ingest.bench_replay import Recording, Replay, ReplayClient, whole_gops
from tncam_ingest.bench_scale_report import ceiling, fit, fitted, kept_up, predicted_ceiling
from tncam_ingest.media.rtp import AccessUnit, _Depacketizer
from tncam_ingest.media.rtsp import StreamDescription

TICKS = 3600  # 25 fps at 90 kHz
GOP = 5
DESC = StreamDescription("hevc", 96, 90_000, (b"\x40\x01\x0c", b"\x42\x01\x01", b"\x44\x01"), "c")


def _frame(seq: int, ts: int, payload: bytes, marker: bool) -> bytes:
    pkt = struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | 96, seq & 0xFFFF, ts, 7) + payload
    return b"\x24\x00" + len(pkt).to_bytes(2, "big") + pkt


def _camera(frames: int, ts0: int = 4_294_000_000, seq0: int = 65_500) -> bytes:
    """Interleaved RTP of ``frames`` pictures: each keyframe (every GOP) is VPS + an IDR
    slice fragmented in three FUs; the others are one single-NAL P slice. RTCP in between;
    the timestamps and sequence numbers wrap on the way."""
    out = bytearray()
    seq = seq0
    for f in range(frames):
        ts = (ts0 + f * TICKS) & 0xFFFFFFFF
        if f % GOP == 0:
            out += _frame(seq, ts, b"\x40\x01\x0c\x01", False)  # VPS
            seq += 1
            body = bytes(range(200))
            for k, part in enumerate((body[:70], body[70:140], body[140:])):
                fu = (0x80 if k == 0 else 0) | (0x40 if k == 2 else 0) | 19  # IDR_W_RADL
                out += _frame(seq, ts, b"\x62\x01" + bytes([fu]) + part, k == 2)
                seq += 1
        else:
            out += _frame(seq, ts, b"\x02\x01" + bytes(50), True)  # TRAIL_R
            seq += 1
        if f % 7 == 3:
            out += b"\x24\x01\x00\x08" + bytes([0x80, 200, 0, 1]) + bytes(4)  # RTCP
    return bytes(out)


def _aus(data: bytes) -> tuple[list[AccessUnit], _Depacketizer]:
    dep = _Depacketizer(True, DESC.parameter_sets)
    out: list[AccessUnit] = []
    assert dep.feed(data, 0, len(data), out) == len(data)
    return out, dep


def test_whole_gops_keep_keyframe_to_keyframe_and_loop_seamlessly() -> None:
    # Keyframes at frames 0, 5, 10, 15, 20 of 22: the last one and what follows are cut.
    rec = whole_gops(_camera(4 * GOP + 2), DESC)
    assert rec.period_ticks == 4 * GOP * TICKS
    assert rec.period_s == pytest.approx(4 * GOP / 25)
    assert len(rec.offsets) == 4 * (4 + GOP - 1)  # RTCP left out
    # Three loops back to back: one unbroken stream, no gap, timestamps one frame apart.
    aus, dep = _aus(rec.loop(0) + rec.loop(1) + rec.loop(2))
    assert dep.gaps == 0
    assert dep.dropped == 0
    assert len(aus) == 12 * GOP
    assert [b.pts - a.pts for a, b in itertools.pairwise(aus)] == [TICKS] * (12 * GOP - 1)
    assert [i for i, au in enumerate(aus) if au.is_keyframe] == list(range(0, 12 * GOP, GOP))


def test_recording_round_trips_through_its_cache_files(tmp_path: object) -> None:
    from pathlib import Path

    rec = whole_gops(_camera(3 * GOP), DESC)
    path = Path(str(tmp_path)) / "cam.rtp"
    rec.save(path)
    assert Recording.load(path) == rec


def test_replay_client_sends_what_is_due_at_camera_rate() -> None:
    rec = whole_gops(_camera(4 * GOP), DESC)  # three GOPs a loop
    replay = Replay(rec)
    size = len(rec.data)
    assert replay.position(0.0) == rec.offsets[4]  # the first picture's 4 packets: due at once
    assert replay.position(rec.period_s) == size + rec.offsets[4]
    assert replay.position(2.5 * rec.period_s) > 2 * size
    positions = [replay.position(t / 100) for t in range(0, 300)]
    assert positions == sorted(positions)

    client = ReplayClient(replay, phase_s=0.0, batch_s=0.25)
    desc = client.open()
    assert desc.codec == "hevc"
    client._t0 -= 2 * rec.period_s  # two loops later
    n = client._recv_some()
    assert n == 2 * size
    aus, dep = _aus(bytes(client._buf[:n]))
    assert dep.gaps == 0
    assert dep.dropped == 0
    # From the second picture of loop 0 to the first picture of loop 2: 2 + 3 + 1 keyframes.
    assert sum(au.is_keyframe for au in aus) == 6
    assert len(aus) == 2 * 3 * GOP
    assert client._recv_some() == 0  # nothing more is due yet
    client.close()


def test_fit_and_ceiling() -> None:
    fixed, per = fit([(50, 210.0), (100, 380.0)])
    assert (round(fixed, 6), round(per, 6)) == (40.0, 3.4)
    assert ceiling(800.0, fixed, per) == 223
    assert fit([(10, 50.0)]) == (0.0, 5.0)
    with pytest.raises(ValueError, match="no points"):
        fit([])
    with pytest.raises(ValueError, match="must be positive"):
        ceiling(800.0, 0.0, 0.0)


def _row(n: int, cpu_ms_s: float, frames: float = 1.0, pending: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        n=n,
        seconds=20.0,
        cpu_s=cpu_ms_s * 20.0 / 1000,
        rss_mb=100.0 + 3 * n,
        pss_mb=90.0 + 3 * n,
        frames_ratio=frames,
        handed_off=n * 3,
        expected_segments=n * 20 / 6,
        media_bytes=n * 20 * 500_000,
        submitted=n * 3,
        segment_s=6.0,
        pending=pending,
        dropped=0,
        snapshots=0,
        refusals=[],
    )


def test_a_starved_run_is_not_fitted_and_not_counted_as_kept_up() -> None:
    rows = [_row(50, 210.0), _row(100, 380.0), _row(223, 370.0, frames=0.59)]
    assert [r.n for r in fitted(rows, 0.97)] == [50, 100]  # type: ignore[arg-type]
    assert predicted_ceiling(rows, 0.8, 0.97) == 223  # type: ignore[arg-type]
    assert kept_up(rows[1], 0.97)  # type: ignore[arg-type]
    assert not kept_up(rows[2], 0.97)  # type: ignore[arg-type]
    assert not kept_up(_row(100, 380.0, pending=340), 0.97)  # type: ignore[arg-type]
