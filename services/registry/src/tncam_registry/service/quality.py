"""Picture quality: ingest's results stored per camera, the listing filter, the gauges."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tncam.camera.v1 import snapshot_pb2
from tncam.registry.v1 import service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError
from tncam_registry.db import quality as db
from tncam_registry.domain import quality as qd
from tncam_registry.service.context import RegistryContext


async def apply_result(ctx: RegistryContext, msg: snapshot_pb2.SnapshotTaken) -> str:
    """Store a snapshot's quality result as the camera's latest; returns what happened."""
    if not msg.HasField("result"):
        return "no_result"  # an ingest from before quality results
    r = msg.result
    at = msg.taken_at.ToDatetime(dt.UTC) if msg.HasField("taken_at") else ctx.clock()
    flags = qd.known_flags(r.flags)
    async with unit_of_work(ctx.sessions) as s:
        previous = await db.lock_latest(s, msg.camera_id)
        if previous is False:
            return "unknown_camera"
        stored = previous if isinstance(previous, qd.Stored) else None
        if stored is not None and at <= stored.checked_at:
            return "stale"
        values = {
            "flags": list(flags),
            "fps": r.fps,
            "bitrate_bps": r.bitrate_bps,
            "width": r.width,
            "height": r.height,
            "codec": r.codec.lower(),
            "checked_at": at,
            "last_good_at": r.last_good_at.ToDatetime(dt.UTC)
            if r.HasField("last_good_at")
            else None,
            "poor_since": qd.poor_since(flags, at, stored),
        }
        await db.save_result(s, msg.camera_id, values, keep=qd.HISTORY_LENGTH)
    return "applied"


def quality_filters(
    ctx: RegistryContext, req: service_pb2.ListCamerasRequest
) -> list[sa.ColumnElement[bool]]:
    """The listing's quality conditions; an unknown verdict or flag is refused."""
    del ctx
    bad = [v for v in req.qualities if v not in qd.VERDICTS]
    if bad:
        raise InvalidInputError(
            "registry.list_cameras.quality",
            f"unknown quality {bad[0]!r}: one of {', '.join(qd.VERDICTS)}",
        )
    bad = [f for f in req.quality_flags if f not in qd.FLAGS]
    if bad:
        raise InvalidInputError(
            "registry.list_cameras.quality_flag",
            f"unknown quality flag {bad[0]!r}: one of {', '.join(qd.FLAGS)}",
        )
    return db.quality_filters(list(req.qualities), list(req.quality_flags))


async def refresh_quality_gauges(ctx: RegistryContext) -> None:
    """Cameras with a poor picture by commune (all 92 communes, 0 where none)."""
    async with ctx.sessions() as s:
        by_commune = await db.poor_by_commune(s, ctx.clock())
    m = ctx.metrics
    for commune in ctx.ref.communes:
        n, longest = by_commune.get(commune.code, (0, 0.0))
        m.poor_quality.labels(commune=commune.code).set(n)
        m.poor_quality_longest.labels(commune=commune.code).set(longest)
