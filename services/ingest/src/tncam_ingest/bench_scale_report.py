"""The arithmetic and table of ``tncam_ingest.bench_scale``: per-camera costs and ceilings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol


class Row(Protocol):
    """What the report reads of one measured N (``bench_scale.Measured``)."""

    n: int
    seconds: float
    cpu_s: float
    rss_mb: float
    pss_mb: float
    frames_ratio: float
    handed_off: int
    expected_segments: float
    media_bytes: int
    submitted: int
    segment_s: float
    pending: int
    dropped: int
    snapshots: int
    refusals: list[str]


def fit(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares line ``y = fixed + per_unit * x`` through ``points``: (fixed, per_unit).

    One point: no fixed share known, so all of it is per unit (an upper bound)."""
    if not points:
        raise ValueError("no points to fit")
    if len(points) == 1 or len({x for x, _ in points}) == 1:
        x, y = points[0]
        return 0.0, y / x if x else 0.0
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    per_unit = sxy / sxx
    return my - per_unit * mx, per_unit


def ceiling(budget: float, fixed: float, per_unit: float) -> int:
    """How many units fit in ``budget`` after the ``fixed`` share, at ``per_unit`` each."""
    if per_unit <= 0:
        raise ValueError("the per-unit cost must be positive")
    return max(0, math.floor((budget - fixed) / per_unit))


def kept_up(row: Row, real_time: float) -> bool:
    """Real time kept: frames as expected, the hand-off not behind (at most one segment in
    ten cameras waiting for its acknowledgement at the end), nothing dropped."""
    return row.frames_ratio >= real_time and row.dropped == 0 and row.pending <= max(4, row.n // 10)


def fitted(rows: Sequence[Row], real_time: float) -> list[Row]:
    """The rows to fit costs on: those whose sessions kept real time (a starved process does
    less work than its cameras need, so its CPU per camera is too low), or all when fewer
    than two did."""
    good = [r for r in rows if r.frames_ratio >= real_time]
    return good if len(good) >= 2 else list(rows)


def predicted_ceiling(rows: Sequence[Row], core_budget: float, real_time: float) -> int:
    """The cameras one process should hold at ``core_budget`` of a core, from ``rows``."""
    fixed, per = fit([(r.n, 1000 * r.cpu_s / r.seconds) for r in fitted(rows, real_time)])
    return ceiling(1000 * core_budget, max(fixed, 0.0), per)


def report(
    rows: Sequence[Row],
    core_budget: float,
    mbit_per_camera: float,
    targets: Sequence[int],
    real_time: float,
) -> dict[str, Any]:
    """Print the table, the fitted per-camera costs and the ceilings; return the figures."""
    head = (
        f"{'N':>5} {'CPU ms/cam-s':>12} {'core %':>7} {'RSS MB':>7} {'PSS MB':>7}"
        f" {'real time':>9} {'handed off':>11} {'MB/s out':>8} {'pending':>7} {'dropped':>7}"
        f" {'snapshots':>9}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.n:>5} {1000 * r.cpu_s / r.n / r.seconds:>12.2f}"
            f" {100 * r.cpu_s / r.seconds:>6.1f}% {r.rss_mb:>7.1f} {r.pss_mb:>7.1f}"
            f" {r.frames_ratio:>9.3f} {r.handed_off:>5}/{r.expected_segments:<5.0f}"
            f" {r.media_bytes / r.seconds / 1e6:>8.2f} {r.pending:>7} {r.dropped:>7}"
            f" {r.snapshots:>9}"
        )
    _refusals(rows)
    basis = fitted(rows, real_time)
    cpu_fixed, cpu_per = fit([(r.n, 1000 * r.cpu_s / r.seconds) for r in basis])
    rss_fixed, rss_per = fit([(r.n, r.rss_mb) for r in basis])
    bytes_per = sum(r.media_bytes for r in rows) / sum(r.submitted * r.segment_s for r in rows)
    model = predicted_ceiling(rows, core_budget, real_time)
    good = [r.n for r in rows if kept_up(r, real_time)]
    measured = max(good) if good else 0
    print(
        f"\nper camera (line fit over N = {', '.join(str(r.n) for r in basis)}):"
        f" CPU {cpu_per:.2f} ms/s (+ {cpu_fixed:.1f} ms/s per"
        f" process; snapshots included), RSS {rss_per:.2f} MB (+ {rss_fixed:.0f} MB per process),"
        f" {mbit_per_camera:.2f} Mbit/s in, {bytes_per / 1e6:.3f} MB/s handed off"
    )
    print(
        f"ceiling of one ingest process on one core: {model} cameras at {core_budget:.0%} of the"
        f" core (model); largest N measured that kept real time: {measured or 'none'}"
    )
    if measured < model:
        print(
            f"  (not verified at {model}: the largest N that kept up was {measured or 'none'};"
            " on a shared machine other load competes for the pinned core)"
        )
    plan = [_plan(t, model, rss_fixed, rss_per, mbit_per_camera) for t in targets]
    return {
        "cpu_ms_per_camera_s": round(cpu_per, 3),
        "cpu_ms_fixed_s": round(cpu_fixed, 2),
        "rss_mb_per_camera": round(rss_per, 3),
        "rss_mb_fixed": round(rss_fixed, 1),
        "mbit_s_per_camera": round(mbit_per_camera, 3),
        "handoff_mb_s_per_camera": round(bytes_per / 1e6, 4),
        "ceiling_model": model,
        "ceiling_measured": measured,
        "plan": plan,
    }


def _plan(
    target: int, per_process: int, rss_fixed: float, rss_per: float, mbit: float
) -> dict[str, Any]:
    """Ingest processes (one core each) and their memory for ``target`` cameras."""
    procs = math.ceil(target / per_process) if per_process else 0
    cams = math.ceil(target / procs) if procs else 0
    ram = procs * (rss_fixed + rss_per * cams) / 1024
    print(
        f"  {target:>6} cameras: {procs} ingest processes of <= {per_process} cameras"
        f" (one core each), {ram:.1f} GB RSS, {target * mbit / 1000:.2f} Gbit/s in"
    )
    return {"cameras": target, "processes": procs, "ram_gb": round(ram, 1)}


def _refusals(rows: Sequence[Row]) -> None:
    for r in rows:
        if r.refusals:
            print(f"  N={r.n}: the bus refused {len(r.refusals)} hand-off(s), e.g. {r.refusals[0]}")
