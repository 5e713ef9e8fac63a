"""SQL of the province-wide figures: the connection report, deadlines, needs, gauges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_connection,
    cameras,
    communes,
    connection_needs,
    sites,
    state_transitions,
)
from tncam_registry.domain.access import ReadScope
from tncam_registry.domain.model import CameraState

_WITH_SITE_AND_CONNECTION = cameras.join(sites, sites.c.id == cameras.c.site_id).join(
    camera_connection, camera_connection.c.camera_id == cameras.c.id
)


def _scope_filters(scope: ReadScope) -> list[sa.ColumnElement[bool]]:
    if scope.unit_id:
        return [cameras.c.owner_unit_id == scope.unit_id]
    if scope.sector:
        return [cameras.c.sectors.contains([scope.sector])]
    return []


async def report_cameras(
    session: AsyncSession, scope: ReadScope, as_of: dt.datetime | None = None
) -> list[Any]:
    """Cameras the report counts: id, commune code, site kind, owner unit, state.

    Now: the active cameras and their current state. ``as_of`` a past instant: the cameras in
    service then (created before it, not yet deactivated) and each one's state then, the
    target of its latest transition at or before it ("never" before any), computed in the
    database from ``state_transitions`` (one index probe per camera)."""
    if as_of is None:
        rows = await session.execute(
            sa.select(
                cameras.c.id,
                sites.c.commune_code,
                sites.c.kind,
                cameras.c.owner_unit_id,
                camera_connection.c.state,
            )
            .select_from(_WITH_SITE_AND_CONNECTION)
            .where(cameras.c.active.is_(True), *_scope_filters(scope))
        )
        return list(rows.all())
    latest = (
        sa.select(state_transitions.c.state)
        .where(state_transitions.c.camera_id == cameras.c.id, state_transitions.c.at <= as_of)
        .order_by(state_transitions.c.at.desc(), state_transitions.c.id.desc())
        .limit(1)
        .lateral("latest")
    )
    rows = await session.execute(
        sa.select(
            cameras.c.id,
            sites.c.commune_code,
            sites.c.kind,
            cameras.c.owner_unit_id,
            sa.func.coalesce(latest.c.state, CameraState.NEVER.value).label("state"),
        )
        .select_from(
            cameras.join(sites, sites.c.id == cameras.c.site_id).outerjoin(latest, sa.true())
        )
        .where(
            cameras.c.created_at <= as_of,
            sa.or_(cameras.c.active.is_(True), cameras.c.deactivated_at > as_of),
            *_scope_filters(scope),
        )
    )
    return list(rows.all())


async def deadline_facts(session: AsyncSession) -> list[Any]:
    """What the deadlines of every active camera depend on, by camera id."""
    rows = await session.execute(
        sa.select(
            cameras.c.id,
            cameras.c.owner_unit_id,
            sites.c.commune_code,
            cameras.c.installed_on,
            cameras.c.last_maintained_on,
            cameras.c.declared_codec,
            cameras.c.resolution,
            camera_connection.c.ever_connected,
            camera_connection.c.mismatch_since,
            camera_connection.c.measured_codec,
            camera_connection.c.measured_width,
            camera_connection.c.measured_height,
        )
        .select_from(_WITH_SITE_AND_CONNECTION)
        .where(cameras.c.active.is_(True))
        .order_by(cameras.c.id)
    )
    return list(rows.all())


async def needs_registered(session: AsyncSession, year: int) -> set[str]:
    """Units that registered their connection needs for ``year``."""
    ids = await session.scalars(
        sa.select(connection_needs.c.unit_id).where(connection_needs.c.year == year)
    )
    return set(ids.all())


async def upsert_needs(
    session: AsyncSession, *, unit_id: str, year: int, needs: Any, at: dt.datetime, by: str
) -> None:
    """A unit's connection needs for a year (the latest record wins)."""
    stmt = pg_insert(connection_needs).values(
        unit_id=unit_id, year=year, needs=needs, recorded_at=at, recorded_by=by
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["unit_id", "year"],
            set_={"needs": needs, "recorded_at": at, "recorded_by": by},
        )
    )


async def cameras_by_state(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Active cameras counted by (state, commune code)."""
    rows = await session.execute(
        sa.select(camera_connection.c.state, sites.c.commune_code, sa.func.count())
        .select_from(_WITH_SITE_AND_CONNECTION)
        .where(cameras.c.active.is_(True))
        .group_by(camera_connection.c.state, sites.c.commune_code)
    )
    return [(state, code, int(n)) for state, code, n in rows.all()]


async def commune_labels(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every commune of the reference data: code, name, kind (the gauges' bounded labels)."""
    rows = await session.execute(
        sa.select(communes.c.code, communes.c.name, communes.c.kind).order_by(communes.c.position)
    )
    return [(code, name, kind) for code, name, kind in rows.all()]


async def lost_over_15_minutes(session: AsyncSession) -> int:
    """Active cameras lost for more than 15 minutes."""
    n = await session.scalar(
        sa.select(sa.func.count())
        .select_from(cameras.join(camera_connection, camera_connection.c.camera_id == cameras.c.id))
        .where(
            cameras.c.active.is_(True),
            camera_connection.c.state == CameraState.LOST.value,
            camera_connection.c.lost_since < sa.func.now() - sa.text("interval '15 minutes'"),
        )
    )
    return int(n or 0)


async def communes_all_lost(session: AsyncSession) -> int:
    """Communes with cameras, every one of them lost."""
    per_commune = (
        sa.select(
            sites.c.commune_code,
            sa.func.count().label("total"),
            sa.func.count()
            .filter(camera_connection.c.state == CameraState.LOST.value)
            .label("lost"),
        )
        .select_from(_WITH_SITE_AND_CONNECTION)
        .where(cameras.c.active.is_(True))
        .group_by(sites.c.commune_code)
        .subquery()
    )
    n = await session.scalar(
        sa.select(sa.func.count())
        .select_from(per_commune)
        .where(per_commune.c.total > 0, per_commune.c.lost == per_commune.c.total)
    )
    return int(n or 0)
