"""Measured stream properties: which of a batch of stats messages change which camera.

Ingest reports every camera's measured codec, size, frame rate and bitrate every
``STATS_INTERVAL_S``; the registry keeps the newest per camera and notices when it differs
from what was declared (``mismatch_since``). A batch is folded per camera in measurement
order, from the stored row, exactly as applying its messages one by one in that order would:
a measurement older than the stored one is stale, an equal one (a redelivery) is applied again
with the same result, and the newest of the batch is what is stored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tncam_registry.domain.connection import device_mismatch, measured_resolution

Outcome = Literal["applied", "stale", "unknown_camera"]

#: Larger than any real picture side; keeps values inside the database's integer columns.
MAX_SIDE = 65_535
MAX_BITRATE_BPS = 2**63 - 1
MAX_CODEC_CHARS = 32


class InvalidMeasurementError(ValueError):
    """A stats message whose values no camera can have (a permanent error)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One stats message of one camera, validated."""

    camera_id: str
    at: dt.datetime
    codec: str
    width: int
    height: int
    fps: float
    bitrate_bps: int


@dataclass(frozen=True, slots=True)
class StreamFacts:
    """What the registry holds of a camera's stream: declared and last measured."""

    declared_codec: str
    declared_resolution: str
    measured_at: dt.datetime | None
    mismatch_since: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Update:
    """The row to store for one camera: its newest measurement and mismatch start."""

    measurement: Measurement
    mismatch_since: dt.datetime | None


def measurement(
    camera_id: str,
    at: dt.datetime,
    *,
    codec: str,
    width: int,
    height: int,
    fps: float,
    bitrate_bps: int,
) -> Measurement:
    """Validate one message's values; raise :class:`InvalidMeasurementError` if impossible."""
    if not camera_id:
        raise InvalidMeasurementError("stats without a camera id")
    if not (0 <= width <= MAX_SIDE and 0 <= height <= MAX_SIDE):
        raise InvalidMeasurementError(f"impossible picture size {width}x{height}")
    if not (math.isfinite(fps) and fps >= 0):
        raise InvalidMeasurementError(f"impossible frame rate {fps}")
    if not 0 <= bitrate_bps <= MAX_BITRATE_BPS:
        raise InvalidMeasurementError(f"impossible bitrate {bitrate_bps}")
    if len(codec) > MAX_CODEC_CHARS:
        raise InvalidMeasurementError(f"codec name longer than {MAX_CODEC_CHARS} characters")
    return Measurement(camera_id, at, codec.lower(), width, height, fps, bitrate_bps)


def fold(
    batch: Sequence[Measurement], facts: dict[str, StreamFacts]
) -> tuple[list[Outcome], list[Update]]:
    """What each message of ``batch`` does and the one update per changed camera.

    ``facts`` holds the cameras that exist (locked); the others' messages are
    ``unknown_camera``. Per camera the messages are taken in measurement order (stream order
    among equal times), so a batch holding two of a camera's windows stores the newer one.
    """
    outcomes: list[Outcome] = ["unknown_camera"] * len(batch)
    order = sorted(range(len(batch)), key=lambda i: batch[i].at)  # stable: stream order ties
    state: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}
    newest: dict[str, Measurement] = {}
    for i in order:
        m = batch[i]
        fact = facts.get(m.camera_id)
        if fact is None:
            continue
        measured_at, since = state.get(m.camera_id, (fact.measured_at, fact.mismatch_since))
        if measured_at is not None and m.at < measured_at:
            outcomes[i] = "stale"
            continue
        mismatch = device_mismatch(
            declared_codec=fact.declared_codec,
            declared_resolution=fact.declared_resolution,
            measured_codec=m.codec,
            measured_res=measured_resolution(m.width, m.height),
        )
        state[m.camera_id] = (m.at, (since or m.at) if mismatch else None)
        newest[m.camera_id] = m
        outcomes[i] = "applied"
    updates = [Update(m, state[cid][1]) for cid, m in newest.items()]
    return outcomes, updates
