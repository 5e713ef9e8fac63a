"""SQL of owning units (with their contacts) and sites (with their notice sign)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import cameras, sites, units


async def all_units(session: AsyncSession) -> list[sa.RowMapping]:
    """Every unit with its contacts, by id."""
    rows = await session.execute(sa.select(units).order_by(units.c.id))
    return list(rows.mappings().all())


async def lock_unit(session: AsyncSession, unit_id: str) -> sa.RowMapping | None:
    """One unit, locked for update."""
    stmt = sa.select(units).where(units.c.id == unit_id).with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def insert_unit(session: AsyncSession, row: dict[str, Any], now: dt.datetime) -> None:
    """A unit added by an operator."""
    await session.execute(sa.insert(units).values(**row, revision=1, updated_at=now))


async def update_unit(
    session: AsyncSession, unit_id: str, values: dict[str, Any], now: dt.datetime
) -> sa.RowMapping:
    """Change a unit; returns the new row."""
    stmt = (
        sa.update(units)
        .where(units.c.id == unit_id)
        .values(**values, revision=units.c.revision + 1, updated_at=now)
        .returning(*units.c)
    )
    return (await session.execute(stmt)).mappings().one()


def _camera_count() -> sa.ScalarSelect[Any]:
    return (
        sa.select(sa.func.count())
        .where(cameras.c.site_id == sites.c.id, cameras.c.active.is_(True))
        .scalar_subquery()
    )


def site_filters(
    *, commune_code: str = "", owner_unit_id: str = "", sector: str = "", notice_missing: bool
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of a site listing (the owner of a site without a unit is its commune's)."""
    cond: list[sa.ColumnElement[bool]] = []
    if commune_code:
        cond.append(sites.c.commune_code == commune_code)
    if owner_unit_id:
        cond.append(
            sa.func.coalesce(sites.c.unit_id, sa.literal("commune-") + sites.c.commune_code)
            == owner_unit_id
        )
    if sector:
        cond.append(
            sa.exists().where(cameras.c.site_id == sites.c.id, cameras.c.sectors.contains([sector]))
        )
    if notice_missing:
        cond.append(sites.c.notice_required.is_(True))
        cond.append(sa.or_(sites.c.notice_present.is_(False), sites.c.notice_checked_on.is_(None)))
    return cond


async def site_page(
    session: AsyncSession, cond: list[sa.ColumnElement[bool]], *, offset: int, size: int
) -> tuple[list[sa.RowMapping], int]:
    """A page of sites (by commune, then id) with their active camera counts, and the total."""
    stmt = (
        sa.select(sites, _camera_count().label("cameras"))
        .where(*cond)
        .order_by(sites.c.commune_code, sites.c.id)
        .offset(offset)
        .limit(size)
    )
    rows = (await session.execute(stmt)).mappings().all()
    total = await session.scalar(sa.select(sa.func.count()).select_from(sites).where(*cond))
    return list(rows), int(total or 0)


async def site(session: AsyncSession, site_id: str, *, lock: bool = False) -> sa.RowMapping | None:
    """One site with its active camera count."""
    stmt = sa.select(sites, _camera_count().label("cameras")).where(sites.c.id == site_id)
    if lock:
        stmt = stmt.with_for_update(of=sites)
    return (await session.execute(stmt)).mappings().first()


async def insert_site(session: AsyncSession, row: dict[str, Any], now: dt.datetime) -> None:
    """A new site."""
    await session.execute(sa.insert(sites).values(**row, updated_at=now))


async def update_site(
    session: AsyncSession, site_id: str, values: dict[str, Any], now: dt.datetime
) -> None:
    """Change a site."""
    await session.execute(
        sa.update(sites).where(sites.c.id == site_id).values(**values, updated_at=now)
    )
