"""The soak's arithmetic: warm-up cut, least-squares slopes, verdicts and tables (pure, no I/O).

A series is a list of ``(minute, value)`` samples. Growth is reported per 10 minutes, the unit
of the target (RSS < 1 MB/10 min per service after warm-up).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Series = Sequence[tuple[float, float]]

MB = 1_000_000
#: Samples before this minute are start-up (caches filling, pools growing), not growth.
WARMUP_MINUTES = 5.0
#: The RSS target of every service: growth below this, in MB per 10 minutes.
RSS_TARGET_MB_PER_10MIN = 1.0


def median_readings(readings: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Per name, the median of a few quick readings: one sample robust to a transient.

    A process's RSS moves by megabytes within seconds (segment buffers allocated and given
    back at each cut, a GC pass); one reading per minute would put that noise into the slope.
    """
    names = {name for r in readings for name in r}
    return {n: statistics.median(r[n] for r in readings if n in r) for n in sorted(names)}


def after_warmup(
    series: Series, warmup_minutes: float = WARMUP_MINUTES
) -> list[tuple[float, float]]:
    """The samples taken at or after ``warmup_minutes``."""
    return [(t, v) for t, v in series if t >= warmup_minutes]


def slope(series: Series) -> float | None:
    """Least-squares slope (value per minute) of ``series``; None with fewer than 2 instants."""
    n = len(series)
    if n < 2:
        return None
    mean_t = math.fsum(t for t, _ in series) / n
    mean_v = math.fsum(v for _, v in series) / n
    var_t = math.fsum((t - mean_t) ** 2 for t, _ in series)
    if var_t == 0:
        return None
    cov = math.fsum((t - mean_t) * (v - mean_v) for t, v in series)
    return cov / var_t


def per_10min(series: Series, warmup_minutes: float = WARMUP_MINUTES) -> float | None:
    """Growth per 10 minutes after the warm-up (None when too few samples remain)."""
    s = slope(after_warmup(series, warmup_minutes))
    return None if s is None else s * 10.0


@dataclass(frozen=True)
class Verdict:
    """One service's RSS growth after warm-up against the target."""

    name: str
    first_mb: float
    last_mb: float
    mb_per_10min: float | None
    target_mb_per_10min: float

    @property
    def passed(self) -> bool:
        """Below the target; a series too short to fit is not a pass."""
        return self.mb_per_10min is not None and self.mb_per_10min < self.target_mb_per_10min

    @property
    def label(self) -> str:
        if self.mb_per_10min is None:
            return "too short"
        return "pass" if self.passed else "FAIL"


def rss_verdicts(
    rss_bytes: Mapping[str, Series],
    *,
    warmup_minutes: float = WARMUP_MINUTES,
    target_mb_per_10min: float = RSS_TARGET_MB_PER_10MIN,
) -> list[Verdict]:
    """One verdict per service from its RSS samples in bytes."""
    verdicts = []
    for name, series in rss_bytes.items():
        in_mb = [(t, v / MB) for t, v in series]
        kept = after_warmup(in_mb, warmup_minutes)
        verdicts.append(
            Verdict(
                name=name,
                first_mb=kept[0][1] if kept else math.nan,
                last_mb=kept[-1][1] if kept else math.nan,
                mb_per_10min=per_10min(in_mb, warmup_minutes),
                target_mb_per_10min=target_mb_per_10min,
            )
        )
    return verdicts


def fmt_rate(value: float | None, digits: int = 2) -> str:
    """A signed rate, or a dash when there is none."""
    return "-" if value is None else f"{value:+.{digits}f}"


def line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """One row of a plain-text table: first column left-aligned, the others right-aligned."""
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table, each column as wide as its widest cell."""
    text = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in text) for i in range(len(headers))]
    out = [line(text[0], widths), "  ".join("-" * w for w in widths)]
    out += [line(r, widths) for r in text[1:]]
    return "\n".join(out)
