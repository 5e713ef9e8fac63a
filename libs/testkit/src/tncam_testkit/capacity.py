"""The capacity model of docs/operations/capacity.md: a fleet's load from per-camera costs.

``python -m tncam_testkit.capacity [--ingest F] [--recorder F]`` prints the model for 1,000
and 10,000 cameras from the figures committed below (``MEASURED``) or from the JSON files the
benchmarks write (``make bench-scale``). Every figure is a product of a per-camera rate and
the number of cameras; the formulas are in the functions below and in the document.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

DAY_S = 86_400
RETENTION_DAYS = (30, 90, 180, 365)  # the recorder's retention classes d30 .. d365


@dataclass(frozen=True)
class Inputs:
    """Per-camera rates and measured costs (docs/operations/capacity.md, "Inputs")."""

    bitrate_mbit: float = 4.0  # video per camera: 1080p25 H.265, the benchmarks' clip
    rtp_overhead: float = 1.014  # interleaved RTP/TCP bytes per video byte (bench_scale)
    segment_s: float = 6.0  # ingest SEGMENT_TARGET_S: one hand-off and one S3 PUT each
    stats_interval_s: float = 10.0  # ingest STATS_INTERVAL_S: one StreamStats each
    snapshot_interval_s: float = 60.0  # ingest SNAPSHOT_INTERVAL_S: one JPEG PUT each
    lease_renew_s: float = 3.0  # ingest LEASE_RENEW_S: one KV write per camera each
    ingest_cpu_ms: float = 4.2  # ingest CPU ms per camera-second (bench_scale, N=50)
    ingest_rss_mb: float = 3.0  # ingest RSS per camera (bench_scale: ~ one 6 s segment)
    ingest_fixed_rss_mb: float = 100.0  # ingest RSS of the process itself
    recorder_cpu_ms: float = 3.1  # recorder CPU ms per camera-second (recorder bench)
    s3_cpu_ms: float = 2.3  # MinIO CPU ms per camera-second (recorder bench)
    nats_cpu_ms: float = 1.7  # nats-server CPU ms per camera-second, one server (recorder bench)
    pg_cpu_ms: float = 0.35  # PostgreSQL CPU ms per camera-second, the index (recorder bench)
    index_bytes_per_segment: float = 1074.0  # segment index row + indexes (recorder bench)
    core_budget: float = 0.8  # share of a core a replica is planned to fill
    nats_replicas: int = 3  # JetStream stream replicas (R3 cluster)


#: The figures measured by ``make bench-scale`` on the development machine (2 shared cores,
#: 2026-12-07; see docs/operations/capacity.md for the runs and the load beside them).
MEASURED = Inputs()


@dataclass(frozen=True)
class Fleet:
    """What ``cameras`` cameras need."""

    cameras: int
    ingest_per_pod: int
    ingest_pods: int
    ingest_cores: float
    ingest_ram_gb: float
    recorder_per_pod: int
    recorder_pods: int
    gbit_in: float
    tb_per_day: float
    tb_retained: dict[int, float]
    s3_put_s: float
    s3_mb_s: float
    nats_msgs_s: float
    nats_mb_s: float
    nats_disk_mb_s: float
    nats_cores: float
    pg_rows_s: float
    pg_index_gb: dict[int, float]
    pg_cores: float
    s3_cores: float


def per_pod(cpu_ms: float, budget: float) -> int:
    """Cameras one single-process replica holds: ``budget`` of a core / CPU per camera."""
    if cpu_ms <= 0:
        raise ValueError("CPU per camera must be positive")
    return max(1, math.floor(1000 * budget / cpu_ms))


def model(cameras: int, i: Inputs = MEASURED) -> Fleet:
    """The load of ``cameras`` cameras (formulas: docs/operations/capacity.md)."""
    ingest_per = per_pod(i.ingest_cpu_ms, i.core_budget)
    recorder_per = per_pod(i.recorder_cpu_ms, i.core_budget)
    ingest_pods = math.ceil(cameras / ingest_per)
    video_bytes_s = cameras * i.bitrate_mbit * 1e6 / 8
    segments_s = cameras / i.segment_s
    # Messages: a hand-off and its SegmentStored per segment, stats, lease renewals (KV).
    msgs_s = 2 * segments_s + cameras / i.stats_interval_s + cameras / i.lease_renew_s
    per_day = video_bytes_s * DAY_S
    rows_per_day = segments_s * DAY_S
    return Fleet(
        cameras=cameras,
        ingest_per_pod=ingest_per,
        ingest_pods=ingest_pods,
        ingest_cores=round(cameras * i.ingest_cpu_ms / 1000, 2),
        ingest_ram_gb=round(
            (ingest_pods * i.ingest_fixed_rss_mb + cameras * i.ingest_rss_mb) / 1024, 1
        ),
        recorder_per_pod=recorder_per,
        recorder_pods=math.ceil(cameras / recorder_per),
        gbit_in=round(video_bytes_s * 8 * i.rtp_overhead / 1e9, 2),
        tb_per_day=round(per_day / 1e12, 2),
        tb_retained={d: round(per_day * d / 1e12, 1) for d in RETENTION_DAYS},
        s3_put_s=round(segments_s + cameras / i.snapshot_interval_s, 1),
        s3_mb_s=round(video_bytes_s / 1e6, 1),
        nats_msgs_s=round(msgs_s, 1),
        nats_mb_s=round(video_bytes_s / 1e6, 1),
        nats_disk_mb_s=round(video_bytes_s * i.nats_replicas / 1e6, 1),
        nats_cores=round(cameras * i.nats_cpu_ms * i.nats_replicas / 1000, 2),
        pg_rows_s=round(segments_s + cameras / i.stats_interval_s, 1),
        pg_index_gb={
            d: round(rows_per_day * d * i.index_bytes_per_segment / 1e9, 1) for d in RETENTION_DAYS
        },
        pg_cores=round(cameras * i.pg_cpu_ms / 1000, 2),
        s3_cores=round(cameras * i.s3_cpu_ms / 1000, 2),
    )


def from_benchmarks(ingest: dict[str, object] | None, recorder: dict[str, object] | None) -> Inputs:
    """``MEASURED`` with the figures of fresh ``--json`` files of the two benchmarks."""
    i = MEASURED
    if ingest:
        i = dataclasses.replace(
            i,
            ingest_cpu_ms=float(str(ingest["cpu_ms_per_camera_s"])),
            ingest_rss_mb=float(str(ingest["rss_mb_per_camera"])),
            ingest_fixed_rss_mb=max(0.0, float(str(ingest["rss_mb_fixed"]))),
        )
    if recorder:
        cpu = recorder["cpu_ms_per_camera_s"]
        assert isinstance(cpu, dict)
        i = dataclasses.replace(
            i,
            recorder_cpu_ms=float(cpu["recorder"]),
            s3_cpu_ms=float(cpu["s3"]),
            nats_cpu_ms=float(cpu["nats"]),
            pg_cpu_ms=float(cpu["postgresql"]),
            index_bytes_per_segment=float(str(recorder["index_bytes_per_segment"])),
        )
    return i


def table(fleets: list[Fleet]) -> str:
    """The model as a Markdown table, one column per fleet."""
    rows: list[tuple[str, list[str]]] = [
        ("ingest: cameras per pod (1 core)", [str(f.ingest_per_pod) for f in fleets]),
        ("ingest pods", [str(f.ingest_pods) for f in fleets]),
        ("ingest cores / RAM", [f"{f.ingest_cores} / {f.ingest_ram_gb} GB" for f in fleets]),
        ("recorder: cameras per pod (1 core)", [str(f.recorder_per_pod) for f in fleets]),
        ("recorder pods", [str(f.recorder_pods) for f in fleets]),
        ("camera traffic in (Gbit/s)", [str(f.gbit_in) for f in fleets]),
        ("footage written (TB/day)", [str(f.tb_per_day) for f in fleets]),
    ]
    for d in RETENTION_DAYS:
        rows.append((f"footage kept, {d} days (TB)", [str(f.tb_retained[d]) for f in fleets]))
    rows += [
        ("S3 PUT/s (segments + snapshots)", [str(f.s3_put_s) for f in fleets]),
        ("S3 write (MB/s)", [str(f.s3_mb_s) for f in fleets]),
        ("S3 server cores", [str(f.s3_cores) for f in fleets]),
        ("NATS msgs/s (hand-off, stored, stats, leases)", [str(f.nats_msgs_s) for f in fleets]),
        (
            "NATS in (MB/s) / disk writes R3 (MB/s)",
            [f"{f.nats_mb_s} / {f.nats_disk_mb_s}" for f in fleets],
        ),
        ("NATS cores (3 servers)", [str(f.nats_cores) for f in fleets]),
        ("PostgreSQL rows/s (index inserts + stats)", [str(f.pg_rows_s) for f in fleets]),
        ("PostgreSQL cores", [str(f.pg_cores) for f in fleets]),
    ]
    for d in (30, 90):
        rows.append((f"segment index, {d} days (GB)", [str(f.pg_index_gb[d]) for f in fleets]))
    head = "| | " + " | ".join(f"{f.cameras:,} cameras" for f in fleets) + " |"
    sep = "|---|" + "---:|" * len(fleets)
    return "\n".join([head, sep, *(f"| {k} | " + " | ".join(v) + " |" for k, v in rows)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tncam_testkit.capacity", description=__doc__)
    p.add_argument("--ingest", type=Path, help="tncam_ingest.bench_scale --json output")
    p.add_argument("--recorder", type=Path, help="tncam_recorder.bench --json output")
    p.add_argument("--cameras", type=int, action="append", help="fleet sizes (1000 10000)")
    args = p.parse_args(argv)

    def read(path: Path | None) -> dict[str, object] | None:
        return json.loads(path.read_text()) if path and path.exists() else None

    inputs = from_benchmarks(read(args.ingest), read(args.recorder))
    print("inputs: " + ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(inputs).items()))
    print(table([model(n, inputs) for n in args.cameras or [1_000, 10_000]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
