"""The recorder replica's ceiling from benchmark runs: per-camera CPU and cameras per core."""

from __future__ import annotations

import pytest

from tncam_recorder.bench import Run
from tncam_recorder.bench_ceiling import ceiling, per_camera_ms

MB = 1_000_000


def _run(mode: str, stored: int, rate: float, latency_s: float, recorder_s: float) -> Run:
    run = Run(
        backend="minio",
        mode=mode,
        writers=16,
        published=stored,
        stored=stored,
        seconds=stored / rate,
        segment_bytes=3 * MB,
        latencies=[latency_s] * stored,
        offered_rate=rate if mode == "paced" else 0.0,
    )
    run.recorder_cpu_s, run.store_cpu_s = recorder_s, recorder_s / 2
    run.nats_cpu_s, run.pg_cpu_s = recorder_s / 4, recorder_s / 10
    return run


def test_cpu_per_camera_is_cpu_per_segment_over_the_segment_length() -> None:
    # 600 segments, 12 s of recorder CPU: 20 ms a segment, 3.33 ms per camera-second.
    costs = per_camera_ms([_run("paced", 600, 30.0, 0.5, 12.0)], segment_s=6.0)
    assert costs["recorder"] == pytest.approx(20 / 6)
    assert costs["s3"] == pytest.approx(10 / 6)
    assert costs["postgresql"] == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="no stored segment"):
        per_camera_ms([_run("paced", 0, 30.0, 0.5, 0.0)], segment_s=6.0)


def test_ceiling_and_plan() -> None:
    runs = [
        _run("burst", 100, 40.0, 3.0, 2.0),
        _run("paced", 300, 16.7, 0.4, 6.0),
        _run("paced", 600, 33.3, 2.5, 12.0),  # p99 above 2 s: not counted as kept up
    ]
    lines, figures = ceiling(
        runs, segment_s=6.0, core_budget=0.8, p99_target_s=2.0, targets=(1_000, 10_000)
    )
    # 20 ms a segment = 3.33 ms per camera-second: 800 ms / 3.33 = 240 cameras per replica.
    assert figures["ceiling_cameras_per_replica"] == 240
    assert figures["burst_segments_s"] == 40.0
    assert figures["paced_ok_segments_s"] == 16.7
    assert figures["plan"] == [
        {"cameras": 1_000, "replicas": 5},
        {"cameras": 10_000, "replicas": 42},
    ]
    assert any("40.0 segments/s = 120 MB/s" in line for line in lines)
    assert any("1667 S3 PUT/s" in line for line in lines)
