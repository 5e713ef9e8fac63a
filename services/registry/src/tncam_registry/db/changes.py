"""SQL of camera change requests (and the visit and update histories the annual report reads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import camera_change_requests as ccr
from tncam_registry.db.tables import cameras, registry_updates, sites


async def insert_request(session: AsyncSession, values: dict[str, Any]) -> None:
    """A new pending request (the unique index refuses a second pending one per camera)."""
    await session.execute(sa.insert(ccr).values(**values))


async def pending_of(session: AsyncSession, camera_id: str) -> sa.RowMapping | None:
    """The camera's pending request, if any."""
    stmt = sa.select(ccr).where(ccr.c.camera_id == camera_id, ccr.c.status == "pending")
    return (await session.execute(stmt)).mappings().first()


async def lock_request(session: AsyncSession, request_id: str) -> sa.RowMapping | None:
    """One request, locked for the decision."""
    stmt = sa.select(ccr).where(ccr.c.id == request_id).with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def decide(session: AsyncSession, request_id: str, values: dict[str, Any]) -> None:
    """Record the decision."""
    await session.execute(sa.update(ccr).where(ccr.c.id == request_id).values(**values))


async def list_requests(
    session: AsyncSession, *, status: str, owner_unit_id: str, camera_id: str, limit: int
) -> list[sa.RowMapping]:
    """Requests newest first, filtered."""
    stmt = sa.select(ccr).order_by(ccr.c.requested_at.desc(), ccr.c.id).limit(limit)
    if status:
        stmt = stmt.where(ccr.c.status == status)
    if owner_unit_id:
        stmt = stmt.where(ccr.c.owner_unit_id == owner_unit_id)
    if camera_id:
        stmt = stmt.where(ccr.c.camera_id == camera_id)
    return list((await session.execute(stmt)).mappings().all())


async def add_registry_update(
    session: AsyncSession, camera_id: str, changed_on: dt.date, due_on: dt.date, at: dt.datetime
) -> None:
    await session.execute(
        sa.insert(registry_updates).values(
            camera_id=camera_id, changed_on=changed_on, due_on=due_on, recorded_at=at
        )
    )


async def places(session: AsyncSession, camera_ids: list[str]) -> dict[str, tuple[str, str, bool]]:
    """camera id -> (commune code, site kind, active) of the cameras that exist."""
    rows = await session.execute(
        sa.select(cameras.c.id, sites.c.commune_code, sites.c.kind, cameras.c.active)
        .select_from(cameras.join(sites, sites.c.id == cameras.c.site_id))
        .where(cameras.c.id.in_(camera_ids))
    )
    return {r.id: (r.commune_code, r.kind, r.active) for r in rows}
