"""Queries of legal holds and the segments they keep (callers own the transaction)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_recorder.db.rows import HoldRow, SegmentRow
from tncam_recorder.db.segments import lock_cameras_exclusive
from tncam_recorder.db.tables import (
    legal_holds,
    segment_holds,
    segments,
)


async def active_hold_ids(
    s: AsyncSession, camera_id: str, start: dt.datetime, end: dt.datetime
) -> list[uuid.UUID]:
    """Active holds covering any part of a camera's [start, end)."""
    rows = await s.execute(
        sa.select(legal_holds.c.hold_id).where(
            legal_holds.c.released_at.is_(None),
            sa.literal(camera_id) == sa.any_(legal_holds.c.camera_ids),
            legal_holds.c.start_at < end,
            legal_holds.c.end_at > start,
        )
    )
    return [r[0] for r in rows]


async def active_hold_spans(
    s: AsyncSession, camera_ids: Sequence[str], start: dt.datetime, end: dt.datetime
) -> list[tuple[list[str], dt.datetime, dt.datetime]]:
    """(cameras, start, end) of the active holds on any of ``camera_ids`` overlapping
    [start, end): one query for a batch of segments, filtered per segment by the caller."""
    rows = await s.execute(
        sa.select(legal_holds.c.camera_ids, legal_holds.c.start_at, legal_holds.c.end_at).where(
            legal_holds.c.released_at.is_(None),
            legal_holds.c.camera_ids.overlap(sa.literal(list(camera_ids), pg.ARRAY(sa.Text))),
            legal_holds.c.start_at < end,
            legal_holds.c.end_at > start,
        )
    )
    return [(list(r[0]), r[1], r[2]) for r in rows]


async def link_holds(s: AsyncSession, segment_id: uuid.UUID, hold_ids: Sequence[uuid.UUID]) -> None:
    """Record which holds keep a segment (its row already says ``held``)."""
    if not hold_ids:
        return
    await s.execute(
        insert(segment_holds)
        .values([{"hold_id": h, "segment_id": segment_id} for h in hold_ids])
        .on_conflict_do_nothing()
    )


async def insert_hold(s: AsyncSession, hold: HoldRow) -> None:
    """Record an active hold (committed on its own, before its segments are marked: from then
    on writers and the retention sweep see it)."""
    await s.execute(
        sa.insert(legal_holds).values({name: getattr(hold, name) for name in HoldRow.__slots__})
    )


async def mark_held(s: AsyncSession, hold: HoldRow) -> list[SegmentRow]:
    """Mark every segment the hold covers held (locked); returns those segments.


    Takes the cameras' advisory locks first: segments being indexed right now are committed
    before the covered rows are selected, later ones see the hold themselves.
    """
    await lock_cameras_exclusive(s, hold.camera_ids)
    covered = [
        SegmentRow.of(r)
        for r in await s.execute(
            sa.select(segments)
            .where(
                segments.c.camera_id.in_(hold.camera_ids),
                segments.c.start_at < hold.end_at,
                segments.c.end_at > hold.start_at,
            )
            .with_for_update()
        )
    ]
    if covered:
        await s.execute(
            insert(segment_holds)
            .values([{"hold_id": hold.hold_id, "segment_id": c.segment_id} for c in covered])
            .on_conflict_do_nothing()
        )
        await s.execute(
            sa.update(segments)
            .where(segments.c.segment_id.in_([c.segment_id for c in covered]))
            .values(held=True)
        )
    return covered


async def get_hold(s: AsyncSession, hold_id: uuid.UUID, *, lock: bool = False) -> HoldRow | None:
    q = sa.select(legal_holds).where(legal_holds.c.hold_id == hold_id)
    if lock:
        q = q.with_for_update()
    row = (await s.execute(q)).first()
    return HoldRow.of(row) if row else None


async def release_hold(
    s: AsyncSession,
    hold_id: uuid.UUID,
    *,
    released_at: dt.datetime,
    released_by: dict[str, Any],
    reason: str,
) -> list[SegmentRow]:
    """Mark a hold released; returns the segments no other active hold keeps."""
    await s.execute(
        sa.update(legal_holds)
        .where(legal_holds.c.hold_id == hold_id)
        .values(released_at=released_at, released_by=released_by, release_reason=reason)
    )
    linked = [
        r[0]
        for r in await s.execute(
            sa.delete(segment_holds)
            .where(segment_holds.c.hold_id == hold_id)
            .returning(segment_holds.c.segment_id)
        )
    ]
    if not linked:
        return []
    still = sa.select(segment_holds.c.segment_id).where(
        segment_holds.c.segment_id == segments.c.segment_id
    )
    freed = [
        SegmentRow.of(r)
        for r in await s.execute(
            sa.update(segments)
            .where(segments.c.segment_id.in_(linked), ~sa.exists(still))
            .values(held=False)
            .returning(*segments.c)
        )
    ]
    return freed


async def held_segments(s: AsyncSession, camera_id: str | None) -> int:
    q = sa.select(sa.func.count()).select_from(segments).where(segments.c.held.is_(True))
    if camera_id is not None:
        q = q.where(segments.c.camera_id == camera_id)
    return int((await s.execute(q)).scalar_one())


async def active_holds(s: AsyncSession, camera_id: str | None) -> int:
    q = (
        sa.select(sa.func.count())
        .select_from(legal_holds)
        .where(legal_holds.c.released_at.is_(None))
    )
    if camera_id is not None:
        q = q.where(sa.literal(camera_id) == sa.any_(legal_holds.c.camera_ids))
    return int((await s.execute(q)).scalar_one())


async def cameras_with_footage(
    s: AsyncSession, camera_ids: Sequence[str], start: dt.datetime, end: dt.datetime
) -> set[str]:
    """Which of ``camera_ids`` have at least one indexed segment in [start, end)."""
    rows = await s.execute(
        sa.select(segments.c.camera_id)
        .where(
            segments.c.camera_id.in_(list(camera_ids)),
            segments.c.start_at < end,
            segments.c.end_at > start,
        )
        .distinct()
    )
    return {r[0] for r in rows}


async def list_holds(
    s: AsyncSession,
    *,
    active_only: bool,
    camera_id: str,
    case_reference: str,
    limit: int,
    offset: int,
) -> tuple[list[HoldRow], int]:
    """One page of holds, newest first, and how many match."""
    conditions: list[sa.ColumnElement[bool]] = []
    if active_only:
        conditions.append(legal_holds.c.released_at.is_(None))
    if camera_id:
        conditions.append(sa.literal(camera_id) == sa.any_(legal_holds.c.camera_ids))
    if case_reference:
        conditions.append(legal_holds.c.case_reference == case_reference)
    total = (
        await s.execute(sa.select(sa.func.count()).select_from(legal_holds).where(*conditions))
    ).scalar_one()
    rows = await s.execute(
        sa.select(legal_holds)
        .where(*conditions)
        .order_by(legal_holds.c.placed_at.desc(), legal_holds.c.hold_id)
        .limit(limit)
        .offset(offset)
    )
    return [HoldRow.of(r) for r in rows], int(total)
