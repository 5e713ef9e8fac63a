"""Measured stream properties from ingest's stats: a batch in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tncam.camera.v1 import stats_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError
from tncam_registry.db import stream_stats as db
from tncam_registry.domain import stream_stats as domain
from tncam_registry.service.context import RegistryContext


def measurement(ctx: RegistryContext, msg: stats_pb2.StreamStats) -> domain.Measurement:
    """The validated measurement of one message (``camera_id`` set by the caller)."""
    try:
        at = msg.window_end.ToDatetime(dt.UTC) if msg.HasField("window_end") else ctx.clock()
    except (ValueError, OverflowError) as e:
        raise InvalidInputError("registry.stats.invalid", f"impossible window end: {e}") from e
    try:
        return domain.measurement(
            msg.camera_id,
            at,
            codec=msg.codec,
            width=msg.width,
            height=msg.height,
            fps=msg.fps,
            bitrate_bps=msg.bitrate_bps,
        )
    except domain.InvalidMeasurementError as e:
        raise InvalidInputError("registry.stats.invalid", str(e)) from e


async def apply_stats_batch(
    ctx: RegistryContext, batch: Sequence[domain.Measurement]
) -> list[domain.Outcome]:
    """Store the newest measurement of every camera of ``batch`` in one transaction.

    Returns what happened to each message, in order (for metrics): ``applied``, ``stale``
    (older than the stored or a newer one of the batch) or ``unknown_camera`` (no such
    camera, or deleted). Nothing is stored if this raises.
    """
    if not batch:
        return []
    async with unit_of_work(ctx.sessions) as s:
        facts = await db.lock_stream_facts(s, [m.camera_id for m in batch])
        outcomes, updates = domain.fold(batch, facts)
        await db.save_measurements(s, updates)
    for outcome in outcomes:
        ctx.metrics.status_events.labels(event="stats", result=outcome).inc()
    return outcomes
