"""Queries of the segment index (one function per question; callers own the transaction)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_mesh.errors import UnavailableError
from tncam_recorder.db.rows import SegmentRow
from tncam_recorder.db.tables import (
    segment_holds,
    segments,
)


async def segment_by_key(s: AsyncSession, idempotency_key: str) -> SegmentRow | None:
    row = (
        await s.execute(sa.select(segments).where(segments.c.idempotency_key == idempotency_key))
    ).first()
    return SegmentRow.of(row) if row else None


async def segment_by_id(s: AsyncSession, segment_id: uuid.UUID) -> SegmentRow | None:
    row = (await s.execute(sa.select(segments).where(segments.c.segment_id == segment_id))).first()
    return SegmentRow.of(row) if row else None


async def insert_segment(s: AsyncSession, values: dict[str, Any]) -> SegmentRow | None:
    """Insert a segment with the camera's next ``live_seq``; None if it was already there."""
    next_seq = (
        sa.select(sa.func.coalesce(sa.func.max(segments.c.live_seq), 0) + 1)
        .where(segments.c.camera_id == values["camera_id"])
        .scalar_subquery()
    )
    stmt = (
        insert(segments)
        .values(**values, live_seq=next_seq)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(*segments.c)
    )
    try:
        inserted = (await s.execute(stmt)).first()
    except IntegrityError as e:
        # Two replicas numbered the same camera's segments at once: retry the message (the
        # caller's transaction rolls back).
        raise UnavailableError(
            "recording.index.contention", f"live sequence of {values['camera_id']} taken"
        ) from e
    return SegmentRow.of(inserted) if inserted is not None else None


# A camera's advisory lock: writers indexing its segments take it shared, a legal hold marking
# its segments takes it exclusive, so a segment is either indexed before the hold looks or sees
# the hold (committed before the hold takes the lock) when it is indexed.
_CAMERA_LOCK_CLASS = 0x7265_6330  # "rec0"


async def lock_camera_shared(s: AsyncSession, camera_id: str) -> None:
    """Until the transaction ends, no legal hold can be marking this camera's segments."""
    await s.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock_shared(
                sa.literal(_CAMERA_LOCK_CLASS, sa.Integer), sa.func.hashtext(camera_id)
            )
        )
    )


async def lock_cameras_exclusive(s: AsyncSession, camera_ids: Sequence[str]) -> None:
    """Wait for in-flight writes of these cameras, keep new ones out until the transaction ends
    (locks taken in one global order, by key, so two holds never deadlock)."""
    c = sa.func.unnest(sa.literal(list(camera_ids), pg.ARRAY(sa.Text))).column_valued("c")
    keys = sorted({int(k) for k in (await s.execute(sa.select(sa.func.hashtext(c)))).scalars()})
    for key in keys:
        await s.execute(
            sa.select(
                sa.func.pg_advisory_xact_lock(
                    sa.literal(_CAMERA_LOCK_CLASS, sa.Integer), sa.literal(key, sa.Integer)
                )
            )
        )


async def segments_in_range(
    s: AsyncSession,
    camera_id: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    limit: int,
) -> list[SegmentRow]:
    """Segments of a camera overlapping [start, end), by start time."""
    rows = await s.execute(
        sa.select(segments)
        .where(
            segments.c.camera_id == camera_id,
            segments.c.start_at < end,
            segments.c.end_at > start,
        )
        .order_by(segments.c.start_at, segments.c.segment_id)
        .limit(limit)
    )
    return [SegmentRow.of(r) for r in rows]


async def spans_in_range(
    s: AsyncSession, camera_id: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of every segment of a camera overlapping [start, end)."""
    rows = await s.execute(
        sa.select(segments.c.start_at, segments.c.end_at)
        .where(
            segments.c.camera_id == camera_id,
            segments.c.start_at < end,
            segments.c.end_at > start,
        )
        .order_by(segments.c.start_at)
    )
    return [(r.start_at, r.end_at) for r in rows]


async def newest_segments(s: AsyncSession, camera_id: str, count: int) -> list[SegmentRow]:
    """The camera's last ``count`` segments in arrival order (``live_seq``), oldest first."""
    rows = await s.execute(
        sa.select(segments)
        .where(segments.c.camera_id == camera_id)
        .order_by(segments.c.live_seq.desc())
        .limit(count)
    )
    return sorted((SegmentRow.of(r) for r in rows), key=lambda r: r.live_seq)


async def lock_expired(
    s: AsyncSession, retention_class: str, cutoff: dt.datetime, limit: int
) -> list[SegmentRow]:
    """Unheld segments of a class that ended before ``cutoff``, locked for deletion."""
    rows = await s.execute(
        sa.select(segments)
        .where(
            segments.c.retention_class == retention_class,
            segments.c.end_at < cutoff,
            segments.c.held.is_(False),
        )
        .order_by(segments.c.end_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [SegmentRow.of(r) for r in rows]


async def unknown_classes(s: AsyncSession, known: Sequence[str]) -> list[str]:
    """Retention classes present in the index but missing from the settings."""
    rows = await s.execute(
        sa.select(segments.c.retention_class)
        .where(segments.c.retention_class.not_in(list(known)))
        .distinct()
    )
    return [r[0] for r in rows]


async def lock_camera_segments(s: AsyncSession, camera_id: str | None) -> list[SegmentRow]:
    """Every segment of a camera (or of all cameras), locked."""
    q = sa.select(segments).with_for_update()
    if camera_id is not None:
        q = q.where(segments.c.camera_id == camera_id)
    return [SegmentRow.of(r) for r in await s.execute(q)]


async def delete_segments(s: AsyncSession, ids: Sequence[uuid.UUID]) -> int:
    if not ids:
        return 0
    await s.execute(sa.delete(segment_holds).where(segment_holds.c.segment_id.in_(list(ids))))
    result = await s.execute(sa.delete(segments).where(segments.c.segment_id.in_(list(ids))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def storage_by_class(s: AsyncSession) -> dict[str, tuple[int, int]]:
    """retention class -> (segments, bytes)."""
    rows = await s.execute(
        sa.select(
            segments.c.retention_class, sa.func.count(), sa.func.sum(segments.c.bytes)
        ).group_by(segments.c.retention_class)
    )
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}
