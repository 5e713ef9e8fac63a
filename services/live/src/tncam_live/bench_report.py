"""The pure part of ``make bench-live``: percentiles, the runs' figures and the printed table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TTFF_P50_TARGET_S = 0.5
TTFF_P95_TARGET_S = 1.0
G2G_TARGET_MS = 300.0
VIEWERS_PER_CORE_TARGET = 20.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class CpuRun:
    """One CPU measurement: a server process (edge or naive) serving ``n`` viewers."""

    side: str  # "passthrough", "transcode" (the edge) or "naive"
    n: int
    opened: int  # viewers that got a first frame
    cpu_s: float  # the server process's CPU seconds over the window
    window_s: float
    frames: int  # pictures the viewers received over the window
    fps: float

    @property
    def cpu_per_viewer_s(self) -> float:
        """Server CPU seconds per second of one held viewer."""
        return self.cpu_s / (self.n * self.window_s) if self.n and self.window_s else math.nan

    @property
    def cores(self) -> float:
        """The server process's CPU over the window, in cores."""
        return self.cpu_s / self.window_s if self.window_s else math.nan

    @property
    def real_time(self) -> float:
        """Pictures received / pictures a real-time stream would give every viewer."""
        expected = self.n * self.fps * self.window_s
        return self.frames / expected if expected else math.nan

    @property
    def cpu_per_delivered_s(self) -> float:
        """Server CPU seconds per viewer-second actually delivered (fair when behind)."""
        delivered = self.frames / self.fps
        return self.cpu_s / delivered if delivered else math.inf

    @property
    def viewers_per_core(self) -> float:
        cost = self.cpu_per_delivered_s
        return 1 / cost if cost and math.isfinite(cost) else 0.0


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def latency_lines(ttff_s: Sequence[float], g2g_ms: Sequence[float], joins: int) -> list[str]:
    """Time to first frame and glass-to-glass, each beside its target."""
    p50, p95 = percentile(ttff_s, 50), percentile(ttff_s, 95)
    g50, g95 = percentile(g2g_ms, 50), percentile(g2g_ms, 95)
    rows = [
        ("figure", "measured", "target", ""),
        (
            f"time to first frame p50 ({len(ttff_s)}/{joins} joins)",
            f"{p50:.3f} s",
            f"<= {TTFF_P50_TARGET_S} s",
            _ok(p50 <= TTFF_P50_TARGET_S),
        ),
        (
            "time to first frame p95",
            f"{p95:.3f} s",
            f"<= {TTFF_P95_TARGET_S} s",
            _ok(p95 <= TTFF_P95_TARGET_S),
        ),
        (
            f"glass-to-glass p50 ({len(g2g_ms)} frames)",
            f"{g50:.0f} ms",
            f"<= {G2G_TARGET_MS:.0f} ms",
            _ok(g50 <= G2G_TARGET_MS),
        ),
        (
            "glass-to-glass p95 / max",
            f"{g95:.0f} / {max(g2g_ms, default=math.nan):.0f} ms",
            f"<= {G2G_TARGET_MS:.0f} ms",
            _ok(g95 <= G2G_TARGET_MS),
        ),
    ]
    return _table(rows)


def cpu_lines(edge: Sequence[CpuRun], naive: Sequence[CpuRun]) -> list[str]:
    """Edge runs beside the naive pipeline at the same N, with the ratio and the target."""
    by_n = {run.n: run for run in naive}
    rows = [
        (
            "path",
            "N",
            "got 1st frame",
            "cores",
            "CPU s/viewer-s",
            "real time",
            "viewers/core",
            "naive cores",
            "naive CPU s/viewer-s",
            "naive real time",
            "naive viewers/core",
            "naive/edge",
        )
    ]
    for run in edge:
        other = by_n.get(run.n)
        ratio = other.cpu_per_delivered_s / run.cpu_per_delivered_s if other else math.nan
        target = (
            f" (target >= {VIEWERS_PER_CORE_TARGET:.0f}: {_ok(run.viewers_per_core >= 20)})"
            if run.side == "passthrough"
            else ""
        )
        rows.append(
            (
                run.side,
                str(run.n),
                f"{run.opened}/{run.n}",
                f"{run.cores:.2f}",
                f"{run.cpu_per_viewer_s:.4f}",
                f"{run.real_time:.2f}",
                f"{run.viewers_per_core:.1f}{target}",
                f"{other.cores:.2f}" if other else "-",
                f"{other.cpu_per_viewer_s:.4f}" if other else "-",
                f"{other.real_time:.2f}" if other else "-",
                f"{other.viewers_per_core:.2f}" if other else "-",
                f"{ratio:.1f}x" if other else "-",
            )
        )
    return _table(rows)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Markdown-style table, columns padded to their widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines
