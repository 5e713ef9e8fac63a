"""Queries of the init-segment index (callers own the transaction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_recorder.db.rows import InitRow
from tncam_recorder.db.tables import (
    init_segments,
    segments,
)


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
