"""The pure parts of ``make bench-live``: percentiles, the runs' figures, the tables, and the
capture-time stamp (a prefix SEI FFmpeg still decodes around)."""

from __future__ import annotations

import math

import av
import pytest

from tncam_live.bench_report import CpuRun, cpu_lines, latency_lines, percentile
from tncam_live.bench_stream import STAMP_TAG, read_access_units, read_stamp, stamp
from tncam_testkit.cameras import make_clips


def test_percentile_interpolates_between_ranks() -> None:
    values = [0.4, 0.1, 0.3, 0.2, 0.5]
    assert percentile(values, 0) == 0.1
    assert percentile(values, 50) == 0.3
    assert percentile(values, 100) == 0.5
    assert percentile(values, 95) == pytest.approx(0.48)
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))


def test_cpu_run_figures() -> None:
    run = CpuRun("passthrough", n=10, opened=10, cpu_s=2.0, window_s=10.0, frames=2500, fps=25)
    assert run.cores == pytest.approx(0.2)
    assert run.cpu_per_viewer_s == pytest.approx(0.02)
    assert run.real_time == pytest.approx(1.0)
    assert run.viewers_per_core == pytest.approx(50.0)
    # Behind real time: the cost is per viewer-second delivered, not per viewer held.
    slow = CpuRun("naive", n=10, opened=10, cpu_s=9.0, window_s=10.0, frames=250, fps=25)
    assert slow.real_time == pytest.approx(0.1)
    assert slow.cpu_per_delivered_s == pytest.approx(0.9)
    assert slow.viewers_per_core == pytest.approx(1 / 0.9)
    nothing = CpuRun("naive", n=5, opened=0, cpu_s=1.0, window_s=10.0, frames=0, fps=25)
    assert nothing.viewers_per_core == 0.0


def test_latency_table_shows_each_figure_beside_its_target() -> None:
    lines = latency_lines([0.1, 0.2, 1.4], [50.0, 60.0, 400.0], joins=4)
    assert lines[0].startswith("| figure")
    assert set(lines[1]) <= {"|", "-"}
    assert len({len(line) for line in lines}) == 1  # columns aligned
    row = next(line for line in lines if "p50 (3/4 joins)" in line)
    assert "0.200 s" in row
    assert "<= 0.5 s" in row
    assert "| ok" in row
    row = next(line for line in lines if "time to first frame p95" in line)
    assert "MISSED" in row  # 1.28 s > 1 s
    row = next(line for line in lines if "glass-to-glass p95" in line)
    assert "/ 400 ms" in row
    assert "MISSED" in row


def test_cpu_table_sets_each_edge_run_beside_the_naive_one_at_the_same_n() -> None:
    edge = [
        CpuRun("passthrough", 5, 5, 0.5, 10.0, 1250, 25),
        CpuRun("transcode", 1, 1, 4.0, 10.0, 250, 25),
        CpuRun("passthrough", 20, 20, 2.0, 10.0, 5000, 25),
    ]
    naive = [CpuRun("naive", 5, 5, 8.0, 10.0, 250, 25), CpuRun("naive", 1, 1, 8.0, 10.0, 250, 25)]
    lines = cpu_lines(edge, naive)
    assert len({len(line) for line in lines}) == 1
    five = next(line for line in lines if line.startswith("| passthrough | 5 "))
    # edge 0.5 CPU s / 50 viewer-s; naive 8 CPU s / 10 viewer-s delivered: 80x.
    assert "100.0 (target >= 20: ok)" in five
    assert "80.0x" in five
    one = next(line for line in lines if line.startswith("| transcode   | 1 "))
    assert "2.0x" in one
    assert "target" not in one
    twenty = next(line for line in lines if line.startswith("| passthrough | 20 "))
    assert twenty.rstrip(" |").endswith("-")  # no naive run at 20


def test_stamp_travels_in_a_prefix_sei_that_ffmpeg_decodes_around(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    clips = make_clips(tmp_path_factory.mktemp("clips"), seconds=1, fps=10, gop=5)
    units = read_access_units(clips.h265)
    assert units[0].keyframe
    stamped = [stamp(u.data, 1_700_000_000_000_000_000 + i) for i, u in enumerate(units)]
    assert [read_stamp(s) for s in stamped] == [
        1_700_000_000_000_000_000 + i for i in range(len(units))
    ]
    # The SEI sits after the parameter sets, right in front of the first slice.
    first = stamped[0]
    sei = first.index(STAMP_TAG) - 4
    assert first[sei - 4 : sei + 4] == b"\x00\x00\x00\x01" + bytes([39 << 1, 1, 5, 32])
    assert first.index(bytes([32 << 1, 1])) < sei  # VPS before it
    assert (first[sei + 41] >> 1) & 0x3F < 32  # the first slice right after it
    assert first[sei + 4 + 32] == 0x80  # RBSP stop bit after the 32-byte payload
    codec = av.CodecContext.create("hevc", "r")
    decoded = [f for s in stamped for f in codec.decode(av.Packet(s))]
    decoded += list(codec.decode(None))
    assert len(decoded) == len(units)
    assert read_stamp(units[0].data) is None
    assert read_stamp(b"tncam-bench-g2g!not-hex-digits!!") is None
