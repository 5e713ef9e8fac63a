"""The capacity model's arithmetic (docs/operations/capacity.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tncam_testkit.capacity import Inputs, from_benchmarks, main, model, per_pod


def test_one_camera_per_input() -> None:
    i = Inputs(bitrate_mbit=4.0, rtp_overhead=1.0, ingest_cpu_ms=4.0, recorder_cpu_ms=2.0)
    f = model(1_000, i)
    assert (f.ingest_per_pod, f.ingest_pods) == (200, 5)  # 800 ms / 4 ms
    assert (f.recorder_per_pod, f.recorder_pods) == (400, 3)
    assert f.gbit_in == 4.0
    assert f.tb_per_day == 43.2  # 0.5 MB/s x 86,400 s x 1,000
    assert f.tb_retained[30] == 1296.0
    assert f.s3_put_s == pytest.approx(1000 / 6 + 1000 / 60, abs=0.1)
    # Hand-off + stored per segment, stats every 10 s, a lease renewal every 3 s.
    assert f.nats_msgs_s == pytest.approx(2000 / 6 + 100 + 1000 / 3, abs=0.1)
    assert f.nats_disk_mb_s == 1500.0
    assert f.pg_rows_s == pytest.approx(1000 / 6 + 100, abs=0.1)
    assert f.pg_index_gb[30] == pytest.approx(
        1000 / 6 * 86_400 * 30 * i.index_bytes_per_segment / 1e9, abs=0.1
    )
    with pytest.raises(ValueError, match="positive"):
        per_pod(0.0, 0.8)


def test_fresh_benchmark_figures_replace_the_committed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest = {"cpu_ms_per_camera_s": 8.0, "rss_mb_per_camera": 4.0, "rss_mb_fixed": -5.0}
    recorder = {
        "cpu_ms_per_camera_s": {"recorder": 1.6, "s3": 1.0, "nats": 1.0, "postgresql": 0.1},
        "index_bytes_per_segment": 500,
    }
    i = from_benchmarks(ingest, recorder)
    assert (i.ingest_cpu_ms, i.ingest_rss_mb, i.ingest_fixed_rss_mb) == (8.0, 4.0, 0.0)
    assert (i.recorder_cpu_ms, i.index_bytes_per_segment) == (1.6, 500.0)
    (tmp_path / "i.json").write_text(json.dumps(ingest))
    (tmp_path / "r.json").write_text(json.dumps(recorder))
    assert (
        main(
            [
                "--ingest",
                str(tmp_path / "i.json"),
                "--recorder",
                str(tmp_path / "r.json"),
                "--cameras",
                "1000",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "| ingest: cameras per pod (1 core) | 100 |" in out
    assert "| recorder pods | 2 |" in out
