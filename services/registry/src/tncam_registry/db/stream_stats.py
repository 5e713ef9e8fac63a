"""SQL of measured stream properties, a batch at a time: one locking read, one update."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import camera_connection, cameras
from tncam_registry.domain.stream_stats import StreamFacts, Update

# One statement for the whole batch: the arrays are zipped by unnest into rows.
_SAVE = sa.text(
    """
    UPDATE camera_connection AS c SET
        measured_codec = u.codec,
        measured_width = u.width,
        measured_height = u.height,
        measured_fps = u.fps,
        measured_bitrate_bps = u.bitrate_bps,
        measured_at = u.at,
        mismatch_since = u.mismatch_since
    FROM unnest(
        CAST(:ids AS text[]), CAST(:codecs AS text[]), CAST(:widths AS integer[]),
        CAST(:heights AS integer[]), CAST(:fps AS double precision[]),
        CAST(:bitrates AS bigint[]), CAST(:ats AS timestamptz[]),
        CAST(:sinces AS timestamptz[])
    ) AS u(camera_id, codec, width, height, fps, bitrate_bps, at, mismatch_since)
    WHERE c.camera_id = u.camera_id
    """
)


async def lock_stream_facts(
    session: AsyncSession, camera_ids: Sequence[str]
) -> dict[str, StreamFacts]:
    """Declared and last measured stream of the cameras that exist, their rows locked.

    Rows are locked in camera id order, so two replicas locking overlapping batches wait for
    each other instead of deadlocking.
    """
    rows = await session.execute(
        sa.select(
            cameras.c.id,
            cameras.c.declared_codec,
            cameras.c.resolution,
            camera_connection.c.measured_at,
            camera_connection.c.mismatch_since,
        )
        .select_from(cameras.join(camera_connection, camera_connection.c.camera_id == cameras.c.id))
        .where(
            cameras.c.id == sa.any_(sa.bindparam("ids", sorted(set(camera_ids)), ARRAY(sa.Text)))
        )
        .order_by(cameras.c.id)
        .with_for_update(of=camera_connection)
    )
    return {
        r.id: StreamFacts(
            declared_codec=r.declared_codec,
            declared_resolution=r.resolution,
            measured_at=r.measured_at,
            mismatch_since=r.mismatch_since,
        )
        for r in rows
    }


async def save_measurements(session: AsyncSession, updates: Sequence[Update]) -> None:
    """Store the newest measured stream of each camera in ``updates`` (one statement)."""
    if not updates:
        return
    ms = [u.measurement for u in updates]
    await session.execute(
        _SAVE,
        {
            "ids": [m.camera_id for m in ms],
            "codecs": [m.codec for m in ms],
            "widths": [m.width for m in ms],
            "heights": [m.height for m in ms],
            "fps": [m.fps for m in ms],
            "bitrates": [m.bitrate_bps for m in ms],
            "ats": [m.at for m in ms],
            "sinces": [u.mismatch_since for u in updates],
        },
    )
