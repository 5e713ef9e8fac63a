"""Repository of exports (quick extractions and approved exports) and the analytics gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import camera_analytics, exports


@dataclass(frozen=True)
class ExportRecord:
    """One export row."""

    id: str
    kind: str
    status: str
    requested_by: str
    requester_unit_id: str
    camera_id: str
    owner_unit_id: str
    footage_from: datetime
    footage_to: datetime
    purpose: str
    purpose_text: str
    reason: str
    grant_id: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str
    decision_note: str
    recorder_export_id: str
    file_sha256: str
    file_bytes: int
    ready_at: datetime | None
    download_deadline: datetime | None
    downloaded_at: datetime | None
    error_code: str


def _export(row: Any) -> ExportRecord:
    return ExportRecord(**dict(row._mapping))


async def insert(s: AsyncSession, **values: Any) -> ExportRecord:
    """Insert an export row and return it."""
    row = (await s.execute(sa.insert(exports).values(**values).returning(exports))).one()
    return _export(row)


async def get(s: AsyncSession, export_id: str, *, lock: bool = False) -> ExportRecord | None:
    """One export (locked for update when asked)."""
    q = sa.select(exports).where(exports.c.id == export_id)
    if lock:
        q = q.with_for_update()
    row = (await s.execute(q)).one_or_none()
    return _export(row) if row else None


async def update(s: AsyncSession, export_id: str, **values: Any) -> ExportRecord:
    """Change an export row and return it."""
    row = (
        await s.execute(
            sa.update(exports).where(exports.c.id == export_id).values(**values).returning(exports)
        )
    ).one()
    return _export(row)


async def listing(
    s: AsyncSession,
    *,
    requested_by: str | None = None,
    owner_unit_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ExportRecord], int]:
    """Exports matching the filters, newest first, and how many match in all."""
    conds: list[sa.ColumnElement[bool]] = []
    if requested_by is not None and owner_unit_id is not None:
        conds.append(
            sa.or_(exports.c.requested_by == requested_by, exports.c.owner_unit_id == owner_unit_id)
        )
    elif requested_by is not None:
        conds.append(exports.c.requested_by == requested_by)
    elif owner_unit_id is not None:
        conds.append(exports.c.owner_unit_id == owner_unit_id)
    if kind:
        conds.append(exports.c.kind == kind)
    if status:
        conds.append(exports.c.status == status)
    if since:
        conds.append(exports.c.created_at >= since)
    if until:
        conds.append(exports.c.created_at < until)
    where = sa.and_(sa.true(), *conds)
    # select_from: without a filter the WHERE names no column, and a count without FROM is 1.
    count = sa.select(sa.func.count()).select_from(exports).where(where)
    total = int((await s.execute(count)).scalar_one())
    rows = (
        await s.execute(
            sa.select(exports)
            .where(where)
            .order_by(exports.c.created_at.desc(), exports.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [_export(r) for r in rows], total


@dataclass(frozen=True)
class AnalyticsRecord:
    """The analytics gate of one camera."""

    camera_id: str
    enabled: bool
    basis: str
    document_number: str
    document_issuer: str
    document_date: date | None
    reason: str
    changed_by: str
    changed_at: datetime
    revision: int


async def analytics(
    s: AsyncSession, camera_id: str, *, lock: bool = False
) -> AnalyticsRecord | None:
    """The analytics gate of a camera (None: never set, i.e. off)."""
    q = sa.select(camera_analytics).where(camera_analytics.c.camera_id == camera_id)
    if lock:
        q = q.with_for_update()
    row = (await s.execute(q)).one_or_none()
    return AnalyticsRecord(**dict(row._mapping)) if row else None


async def set_analytics(s: AsyncSession, **values: Any) -> AnalyticsRecord:
    """Write the analytics gate of a camera (insert or update, revision + 1)."""
    stmt = pg_insert(camera_analytics).values(**values, revision=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[camera_analytics.c.camera_id],
        set_={
            **{k: stmt.excluded[k] for k in values if k != "camera_id"},
            "revision": camera_analytics.c.revision + 1,
        },
    ).returning(camera_analytics)
    row = (await s.execute(upsert)).one()
    return AnalyticsRecord(**dict(row._mapping))
