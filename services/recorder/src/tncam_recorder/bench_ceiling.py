"""The ceiling of ONE recorder replica from ``tncam_recorder.bench``'s runs (pure arithmetic).

A camera hands over one segment every ``segment_s`` seconds, so a component's CPU per camera
is its CPU per stored segment divided by ``segment_s``. The replica's ceiling on one core is
``core_budget`` of that core over the recorder's own CPU per camera (the replica is one Python
process: one core). Beside it: what the runs reached on this machine, where the S3 server,
NATS, PostgreSQL and the load generator share the same cores (burst: saturation; paced: the
highest offered rate stored whole with p99 close-to-indexed latency under the target).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol


class RunLike(Protocol):
    """What the ceiling reads of one run (``bench.Run``)."""

    mode: str
    published: int
    stored: int
    segment_bytes: int
    offered_rate: float
    recorder_cpu_s: float
    store_cpu_s: float
    nats_cpu_s: float
    pg_cpu_s: float

    @property
    def rate(self) -> float: ...

    def quantile(self, q: float) -> float: ...


def per_camera_ms(runs: Sequence[RunLike], segment_s: float) -> dict[str, float]:
    """CPU ms per camera-second of each component, over all ``runs`` (stored segments)."""
    stored = sum(r.stored for r in runs)
    if not stored:
        raise ValueError("no stored segment to divide by")

    def ms(attr: str) -> float:
        return 1000 * sum(float(getattr(r, attr)) for r in runs) / stored / segment_s

    return {
        "recorder": ms("recorder_cpu_s"),
        "s3": ms("store_cpu_s"),
        "nats": ms("nats_cpu_s"),
        "postgresql": ms("pg_cpu_s"),
    }


def ceiling(
    runs: Sequence[RunLike],
    *,
    segment_s: float,
    core_budget: float,
    p99_target_s: float,
    targets: Sequence[int],
) -> tuple[list[str], dict[str, Any]]:
    """Lines to print and the figures (for the capacity model)."""
    costs = per_camera_ms(runs, segment_s)
    cams = math.floor(1000 * core_budget / costs["recorder"])
    seg_bytes = runs[0].segment_bytes
    burst = max((r.rate for r in runs if r.mode == "burst"), default=0.0)
    paced_ok = [
        r.offered_rate
        for r in runs
        if r.mode == "paced" and r.stored == r.published and r.quantile(0.99) < p99_target_s
    ]
    paced = [r for r in runs if r.mode == "paced" and r.stored]
    lines = [
        "per camera (one segment / "
        f"{segment_s:g} s): CPU ms/s recorder {costs['recorder']:.2f}, S3 {costs['s3']:.2f}, "
        f"NATS {costs['nats']:.2f}, PostgreSQL {costs['postgresql']:.2f}",
        f"ceiling of one recorder replica (one core at {core_budget:.0%}): {cams} cameras = "
        f"{cams / segment_s:.1f} segments/s = {cams / segment_s * seg_bytes / 1e6:.0f} MB/s "
        "into S3",
        f"measured here (all servers on the same cores): burst {burst:.1f} segments/s "
        f"({burst * segment_s:.0f} cameras); paced with p99 < {p99_target_s:g} s up to "
        f"{max(paced_ok, default=0.0):.1f} segments/s "
        f"({max(paced_ok, default=0.0) * segment_s:.0f} cameras)",
    ]
    for r in paced:
        lines.append(
            f"  index latency at {r.offered_rate:.1f} segments/s offered: "
            f"p50 {r.quantile(0.5):.2f} s, p99 {r.quantile(0.99):.2f} s"
        )
    plan = []
    for target in targets:
        replicas = math.ceil(target / cams)
        plan.append({"cameras": target, "replicas": replicas})
        lines.append(
            f"  {target:>6} cameras: {replicas} recorder replicas (one core each), "
            f"{target / segment_s:.0f} S3 PUT/s of segments, "
            f"{target / segment_s * seg_bytes / 1e6:.0f} MB/s into S3"
        )
    figures = {
        "cpu_ms_per_camera_s": {k: round(v, 3) for k, v in costs.items()},
        "ceiling_cameras_per_replica": cams,
        "burst_segments_s": round(burst, 2),
        "paced_ok_segments_s": round(max(paced_ok, default=0.0), 2),
        "plan": plan,
    }
    return lines, figures
