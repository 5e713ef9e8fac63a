"""SQL of ONVIF probes, security assessments and PTZ locks (table ``camera_onvif``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import camera_onvif, cameras


async def lock_row(session: AsyncSession, camera_id: str) -> sa.RowMapping | None:
    """The camera's ONVIF row, locked (None when it has none yet)."""
    stmt = sa.select(camera_onvif).where(camera_onvif.c.camera_id == camera_id).with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def upsert(session: AsyncSession, camera_id: str, values: dict[str, Any]) -> None:
    """Create or change the camera's ONVIF row."""
    stmt = pg_insert(camera_onvif).values(camera_id=camera_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[camera_onvif.c.camera_id], set_=values)
    )


async def due_for_probe(
    session: AsyncSession, older_than: dt.datetime, limit: int
) -> Sequence[sa.Row[Any, Any]]:
    """Active cameras with an ONVIF address and credentials whose last probe attempt is
    older than ``older_than`` (never probed first)."""
    last = sa.func.coalesce(camera_onvif.c.last_attempt_at, camera_onvif.c.probed_at)
    stmt = (
        sa.select(cameras.c.id, last.label("last"))
        .select_from(cameras.outerjoin(camera_onvif, camera_onvif.c.camera_id == cameras.c.id))
        .where(
            cameras.c.active,
            cameras.c.onvif_url != "",
            cameras.c.credentials_sealed.is_not(None),
            sa.or_(last.is_(None), last < older_than),
        )
        .order_by(last.asc().nulls_first(), cameras.c.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def registered_onvif_urls(session: AsyncSession) -> list[str]:
    """Every registered camera's ONVIF address."""
    rows = await session.execute(sa.select(cameras.c.onvif_url).where(cameras.c.onvif_url != ""))
    return [r[0] for r in rows]


async def clear_changes(session: AsyncSession, camera_id: str) -> None:
    """The camera's record was updated: the probe's changes no longer raise a deadline."""
    await session.execute(
        sa.update(camera_onvif)
        .where(camera_onvif.c.camera_id == camera_id)
        .values(changed_since=None, changes=[])
    )


async def assessment_of(session: AsyncSession, camera_id: str) -> str:
    """The camera's assessment status ("not_assessed" when it has no row)."""
    value = await session.scalar(
        sa.select(camera_onvif.c.assessment).where(camera_onvif.c.camera_id == camera_id)
    )
    return value or "not_assessed"


async def cleared_ids(session: AsyncSession) -> set[str]:
    """Cameras whose assessment passed or was accepted by the police."""
    rows = await session.scalars(
        sa.select(camera_onvif.c.camera_id).where(
            camera_onvif.c.assessment.in_(("passed", "accepted"))
        )
    )
    return set(rows.all())
