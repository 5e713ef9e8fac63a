"""Picture-quality checks on one decoded frame's luma plane (R3: "clear, continuous picture").

All metrics run on the luma plane scaled to :data:`CHECK_WIDTH` pixels wide, so thresholds do
not depend on the camera's resolution: black (low mean and spread of luma), blurred (low
variance of the Laplacian), frozen (near-identical consecutive snapshots while packets still
arrive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Width in pixels of the luma plane the checks run on (height keeps the aspect ratio).
CHECK_WIDTH = 320

Luma = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a picture counts as black, blurred or frozen."""

    black_mean_luma: float = 20.0
    black_max_stddev: float = 12.0
    blur_min_laplacian: float = 30.0
    frozen_max_diff: float = 0.5


@dataclass(frozen=True, slots=True)
class Quality:
    """Metrics and verdicts of one snapshot."""

    mean_luma: float
    luma_stddev: float
    laplacian_variance: float
    diff_from_previous: float  # negative: no previous snapshot
    black: bool
    blurred: bool
    frozen: bool


def laplacian_variance(luma: Luma) -> float:
    """Variance of the 4-neighbour Laplacian (a standard focus measure)."""
    y = luma.astype(np.float32)
    if y.shape[0] < 3 or y.shape[1] < 3:
        return 0.0
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4.0 * y[1:-1, 1:-1]
    return float(lap.var())


def mean_abs_diff(a: Luma, b: Luma) -> float:
    """Mean absolute luma difference of two same-sized planes (inf if sizes differ)."""
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def assess(luma: Luma, previous: Luma | None, t: Thresholds) -> Quality:
    """The quality of ``luma`` (already at :data:`CHECK_WIDTH`), given the previous snapshot."""
    mean = float(luma.mean())
    std = float(luma.std())
    lap = laplacian_variance(luma)
    diff = mean_abs_diff(luma, previous) if previous is not None else -1.0
    black = mean <= t.black_mean_luma and std <= t.black_max_stddev
    # A flat picture (black, a lens cap, one colour) has no edges at all: it is reported as
    # black or flat, not additionally as blurred.
    flat = std <= t.black_max_stddev
    return Quality(
        mean_luma=mean,
        luma_stddev=std,
        laplacian_variance=lap,
        diff_from_previous=diff,
        black=black,
        blurred=(not flat) and lap < t.blur_min_laplacian,
        frozen=0.0 <= diff <= t.frozen_max_diff,
    )
