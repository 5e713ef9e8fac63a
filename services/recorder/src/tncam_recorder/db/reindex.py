"""Queries of ``tncam recorder reindex``: which keys the index already has (callers own the
transaction; the row itself goes in with ``segments.insert_segment``, ON CONFLICT DO NOTHING)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_recorder.db.tables import segments


async def indexed_keys(
    s: AsyncSession, bucket: str, camera_id: str, since: dt.datetime
) -> set[str]:
    """Object keys of a camera's segments in the index starting at or after ``since``."""
    rows = await s.execute(
        sa.select(segments.c.object_key).where(
            segments.c.bucket == bucket,
            segments.c.camera_id == camera_id,
            segments.c.start_at >= since,
        )
    )
    return set(rows.scalars())
