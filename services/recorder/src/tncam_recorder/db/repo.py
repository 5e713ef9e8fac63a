"""Queries of the recorder schema (one function per question; callers own the transaction)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_mesh.errors import UnavailableError
from tncam_recorder.db.tables import (
    deletion_certificates,
    exports,
    init_segments,
    legal_holds,
    segment_holds,
    segments,
)


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One row of the segment index."""

    segment_id: uuid.UUID
    idempotency_key: str
    camera_id: str
    start_at: dt.datetime
    end_at: dt.datetime
    duration_ms: int
    bytes: int
    sha256: str
    bucket: str
    object_key: str
    version_id: str
    init_sha256: str
    retention_class: str
    commune_code: str
    held: bool
    session_id: str
    sequence: int
    live_seq: int
    codec_string: str
    width: int
    height: int
    stored_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> SegmentRow:
        return cls(**{name: getattr(row, name) for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class InitRow:
    """One init segment of a camera."""

    camera_id: str
    sha256: str
    bucket: str
    object_key: str
    version_id: str
    bytes: int


@dataclass(frozen=True, slots=True)
class HoldRow:
    """One legal hold."""

    hold_id: uuid.UUID
    case_reference: str
    authority: str
    reason: str
    camera_ids: list[str]
    start_at: dt.datetime
    end_at: dt.datetime
    placed_by: dict[str, Any]
    placed_at: dt.datetime
    released_at: dt.datetime | None
    released_by: dict[str, Any] | None
    release_reason: str

    @classmethod
    def of(cls, row: Any) -> HoldRow:
        return cls(**{name: getattr(row, name) for name in cls.__slots__})


# ------------------------------------------------------------------------------ segments


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


# -------------------------------------------------------------------------- init segments


async def get_init(s: AsyncSession, bucket: str, camera_id: str, sha256: str) -> InitRow | None:
    row = (
        await s.execute(
            sa.select(init_segments).where(
                init_segments.c.bucket == bucket,
                init_segments.c.camera_id == camera_id,
                init_segments.c.sha256 == sha256,
            )
        )
    ).first()
    if row is None:
        return None
    return InitRow(row.camera_id, row.sha256, row.bucket, row.object_key, row.version_id, row.bytes)


async def add_init(s: AsyncSession, init: InitRow, now: dt.datetime) -> None:
    await s.execute(
        insert(init_segments)
        .values(
            camera_id=init.camera_id,
            sha256=init.sha256,
            bucket=init.bucket,
            object_key=init.object_key,
            version_id=init.version_id,
            bytes=init.bytes,
            stored_at=now,
        )
        .on_conflict_do_nothing()
    )


async def lock_init(s: AsyncSession, bucket: str, camera_id: str, sha256: str) -> bool:
    """Share-lock an init segment's row until the transaction ends; False if it is gone.

    A segment row is only committed while its init row is share-locked, so the orphan-init
    purge (which locks the row exclusively, skipping locked ones) never deletes an init a
    segment is being indexed with.
    """
    row = (
        await s.execute(
            sa.select(init_segments.c.sha256)
            .where(
                init_segments.c.bucket == bucket,
                init_segments.c.camera_id == camera_id,
                init_segments.c.sha256 == sha256,
            )
            .with_for_update(read=True)
        )
    ).first()
    return row is not None


def _init_used(bucket: Any, camera_id: Any, sha256: Any) -> sa.Exists:
    return sa.exists(
        sa.select(segments.c.segment_id).where(
            segments.c.bucket == bucket,
            segments.c.camera_id == camera_id,
            segments.c.init_sha256 == sha256,
        )
    )


async def lock_orphan_inits(s: AsyncSession, bucket: str, camera_id: str | None) -> list[InitRow]:
    """Init segments of a bucket no remaining segment needs (of a camera, or all), locked.

    Rows a writer holds (share lock) are skipped; each locked row is checked again in a new
    statement, which sees segments committed after this one's snapshot.
    """
    q = (
        sa.select(init_segments)
        .where(
            init_segments.c.bucket == bucket,
            ~_init_used(init_segments.c.bucket, init_segments.c.camera_id, init_segments.c.sha256),
        )
        .with_for_update(skip_locked=True, of=init_segments)
    )
    if camera_id is not None:
        q = q.where(init_segments.c.camera_id == camera_id)
    locked = [
        InitRow(r.camera_id, r.sha256, r.bucket, r.object_key, r.version_id, r.bytes)
        for r in await s.execute(q)
    ]
    orphans = []
    for init in locked:
        used = (
            await s.execute(sa.select(_init_used(init.bucket, init.camera_id, init.sha256)))
        ).scalar_one()
        if not used:
            orphans.append(init)
    return orphans


async def delete_init(s: AsyncSession, init: InitRow) -> None:
    await s.execute(
        sa.delete(init_segments).where(
            init_segments.c.bucket == init.bucket,
            init_segments.c.camera_id == init.camera_id,
            init_segments.c.sha256 == init.sha256,
        )
    )


# ---------------------------------------------------------------------------- legal holds


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


# ------------------------------------------------------------------ exports, certificates


async def add_export(s: AsyncSession, values: dict[str, Any]) -> None:
    await s.execute(sa.insert(exports).values(**values))


async def get_export(s: AsyncSession, export_id: uuid.UUID) -> Any:
    return (await s.execute(sa.select(exports).where(exports.c.export_id == export_id))).first()


async def delete_exports_of(s: AsyncSession, camera_id: str | None) -> list[Any]:
    q = sa.delete(exports).returning(exports.c.object_key, exports.c.export_id)
    if camera_id is not None:
        q = q.where(exports.c.camera_id == camera_id)
    return list(await s.execute(q))


async def add_certificate(s: AsyncSession, values: dict[str, Any]) -> None:
    await s.execute(sa.insert(deletion_certificates).values(**values))


# ---------------------------------------------------------------------------------- gauges


async def storage_by_class(s: AsyncSession) -> dict[str, tuple[int, int]]:
    """retention class -> (segments, bytes)."""
    rows = await s.execute(
        sa.select(
            segments.c.retention_class, sa.func.count(), sa.func.sum(segments.c.bytes)
        ).group_by(segments.c.retention_class)
    )
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}
