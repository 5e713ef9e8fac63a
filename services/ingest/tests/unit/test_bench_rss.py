"""The RSS benchmark's arithmetic and its heap probe (no fleet, no server)."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from tncam_ingest.bench_rss import (
    MB,
    Run,
    Sample,
    grown_types,
    growth,
    mallinfo,
    side_by_side,
    slope_per_10min,
)


def test_slope_is_per_ten_minutes_and_needs_two_instants() -> None:
    assert slope_per_10min([(5.0, 100.0), (6.0, 103.0), (7.0, 106.0)]) == pytest.approx(30.0)
    assert slope_per_10min([(5.0, 100.0)]) is None
    assert slope_per_10min([(5.0, 100.0), (5.0, 101.0)]) is None


def test_growth_leaves_the_warm_up_out() -> None:
    # Start-up climbs 10 MB a minute; after minute 5 the RSS grows 0.1 MB a minute.
    samples = [
        Sample(float(m), {"rss": (10 * m if m < 5 else 50 + 0.1 * (m - 5)) * MB})
        for m in range(1, 16)
    ]
    g = growth(samples, warmup=5.0)
    assert g["rss"] == pytest.approx(1.0 * MB)
    assert g["heap_free"] is None  # not sampled


def test_grown_types_compare_the_first_sample_after_warm_up_with_the_last() -> None:
    samples = [
        Sample(4.0, {}, {"dict": 1, "Task": 1}),
        Sample(5.0, {}, {"dict": 100, "Task": 10, "bytes": 5}),
        Sample(9.0, {}, {"dict": 103, "Task": 50, "bytes": 1}),
    ]
    assert grown_types(samples, warmup=5.0) == [("Task", 40), ("dict", 3)]
    assert grown_types(samples[:2], warmup=5.0) == []


def test_mallinfo_reads_glibc_heap() -> None:
    info = mallinfo()
    if platform.libc_ver()[0] != "glibc" or ctypes.util.find_library("c") is None:
        assert info == {}
        return
    before = info["mmapped"] + info["heap_used"]
    # In a mapping of its own or in an arena, by glibc's (dynamic) mmap threshold: in use.
    block = bytearray(8 * 1024 * 1024)
    after = mallinfo()
    assert after["mmapped"] + after["heap_used"] >= before + len(block)
    assert info["heap_used"] > 0
    del block


def test_side_by_side_prints_each_run_in_its_column() -> None:
    def run(label: str, per_min: float) -> Run:
        samples = [
            Sample(float(m), {"rss": 200 * MB + per_min * m, "cpu_s": 0.6 * m})
            for m in range(5, 11)
        ]
        return Run(label, 10, 100, 0, samples, [])

    lines = side_by_side([run("before", 0.5 * MB), run("after", 0.0)], warmup=5.0)
    rss = next(line for line in lines if line.startswith("rss "))
    assert rss.split()[1:] == ["+5.00", "MB", "+0.00", "MB"]
    cpu = next(line for line in lines if line.startswith("CPU"))
    assert cpu.split()[-2:] == ["1.00", "1.00"]  # 0.6 s a minute over 10 cameras
