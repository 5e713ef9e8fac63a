"""SQL of maintenance records (Art. 14) and of the units' annual needs (Art. 22)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import cameras, connection_needs, maintenance_records


async def insert_record(session: AsyncSession, row: dict[str, Any]) -> None:
    """A maintenance visit."""
    await session.execute(sa.insert(maintenance_records).values(**row))


def record_filters(
    *, camera_id: str = "", owner_unit_id: str = "", sector: str = ""
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of a maintenance listing."""
    cond: list[sa.ColumnElement[bool]] = []
    if camera_id:
        cond.append(maintenance_records.c.camera_id == camera_id)
    if owner_unit_id:
        cond.append(cameras.c.owner_unit_id == owner_unit_id)
    if sector:
        cond.append(cameras.c.sectors.contains([sector]))
    return cond


async def record_page(
    session: AsyncSession, cond: list[sa.ColumnElement[bool]], *, offset: int, size: int
) -> tuple[list[sa.RowMapping], int]:
    """A page of maintenance records, newest visit first, and how many match."""
    view = (
        sa.select(maintenance_records, cameras.c.owner_unit_id)
        .select_from(
            maintenance_records.join(cameras, cameras.c.id == maintenance_records.c.camera_id)
        )
        .where(*cond)
    )
    rows = await session.execute(
        view.order_by(
            maintenance_records.c.done_on.desc(), maintenance_records.c.recorded_at.desc()
        )
        .offset(offset)
        .limit(size)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(view.subquery()))
    return list(rows.mappings().all()), int(total or 0)


async def upsert_structured(
    session: AsyncSession, unit_id: str, year: int, structured: dict[str, Any]
) -> None:
    """The structured form of a unit's needs (the row exists: written just before)."""
    await session.execute(
        sa.update(connection_needs)
        .where(connection_needs.c.unit_id == unit_id, connection_needs.c.year == year)
        .values(structured=structured)
    )


async def needs_page(
    session: AsyncSession, year: int, unit_id: str, *, offset: int, size: int
) -> tuple[list[sa.RowMapping], int]:
    """A page of the needs registered for ``year`` (one unit's if given), by unit."""
    cond = [connection_needs.c.year == year]
    if unit_id:
        cond.append(connection_needs.c.unit_id == unit_id)
    rows = await session.execute(
        sa.select(connection_needs)
        .where(*cond)
        .order_by(connection_needs.c.unit_id)
        .offset(offset)
        .limit(size)
    )
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(connection_needs).where(*cond)
    )
    return list(rows.mappings().all()), int(total or 0)


async def registered_units(session: AsyncSession, year: int) -> set[str]:
    """The units that registered needs for ``year``."""
    rows = await session.execute(
        sa.select(connection_needs.c.unit_id).where(connection_needs.c.year == year)
    )
    return {r.unit_id for r in rows.all()}
