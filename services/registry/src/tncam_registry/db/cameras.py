"""SQL of cameras and their sites: the API view, locking, writes, listing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_change_requests,
    camera_connection,
    camera_quality,
    cameras,
    communes,
    sites,
)
from tncam_registry.domain.access import ReadScope
from tncam_registry.domain.model import CameraState

#: A camera's pending change request (at most one: a unique partial index), left-joined.
_PENDING = camera_change_requests.alias("pending_change")

#: One camera with its site, commune and connection: what the API returns.
CAMERA_VIEW = sa.select(
    cameras,
    sites.c.kind.label("site_kind"),
    sites.c.commune_code,
    sites.c.name.label("site_name"),
    sites.c.notice_required.label("site_notice_required"),
    sites.c.notice_present.label("site_notice_present"),
    sites.c.notice_checked_on.label("site_notice_checked_on"),
    communes.c.name.label("commune_name"),
    communes.c.kind.label("commune_kind"),
    camera_connection.c.state,
    camera_connection.c.state_changed_at,
    camera_connection.c.last_reason,
    camera_connection.c.measured_codec,
    camera_connection.c.measured_width,
    camera_connection.c.measured_height,
    camera_connection.c.measured_fps,
    camera_connection.c.measured_bitrate_bps,
    camera_connection.c.ever_connected,
    camera_connection.c.mismatch_since,
    *(c.label(f"q_{c.name}") for c in camera_quality.c if c.name != "camera_id"),
    sa.cast(_PENDING.c.id, sa.Text).label("pending_change_id"),
    _PENDING.c.kind.label("pending_change_kind"),
).select_from(
    cameras.join(sites, sites.c.id == cameras.c.site_id)
    .join(communes, communes.c.code == sites.c.commune_code)
    .join(camera_connection, camera_connection.c.camera_id == cameras.c.id)
    .outerjoin(camera_quality, camera_quality.c.camera_id == cameras.c.id)
    .outerjoin(
        _PENDING,
        sa.and_(_PENDING.c.camera_id == cameras.c.id, _PENDING.c.status == "pending"),
    )
)

Conditions = list[sa.ColumnElement[bool]]


def scope_filters(scope: ReadScope) -> Conditions:
    """Row filters limiting reads to the actor's unit or sector."""
    if scope.unit_id:
        return [cameras.c.owner_unit_id == scope.unit_id]
    if scope.sector:
        return [cameras.c.sectors.contains([scope.sector])]
    return []


async def camera_view(
    session: AsyncSession, camera_id: str, scope: ReadScope | None = None
) -> sa.RowMapping | None:
    """One camera as the API shows it (None if it does not exist or is out of ``scope``)."""
    cond = scope_filters(scope) if scope is not None else []
    stmt = CAMERA_VIEW.where(cameras.c.id == camera_id, *cond)
    return (await session.execute(stmt)).mappings().first()


async def lock_camera(session: AsyncSession, camera_id: str) -> sa.RowMapping | None:
    """The camera's own row, locked for update (serialises changes of one camera)."""
    stmt = sa.select(cameras).where(cameras.c.id == camera_id).with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def insert_camera(session: AsyncSession, row: dict[str, Any]) -> None:
    """A new camera and its connection row (never connected, nothing measured)."""
    await session.execute(sa.insert(cameras).values(**row))
    await session.execute(
        sa.insert(camera_connection).values(
            camera_id=row["id"],
            state=CameraState.NEVER.value,
            connected=False,
            ever_connected=False,
            last_stream_seq=0,
            last_reason="",
            last_detail="",
            measured_codec="",
            measured_width=0,
            measured_height=0,
            measured_fps=0.0,
            measured_bitrate_bps=0,
        )
    )


async def update_camera(session: AsyncSession, camera_id: str, values: dict[str, Any]) -> None:
    """Change columns of one camera."""
    await session.execute(sa.update(cameras).where(cameras.c.id == camera_id).values(**values))


async def owners(session: AsyncSession, camera_ids: Sequence[str]) -> dict[str, str]:
    """The owning unit of each of ``camera_ids`` that exists."""
    found = await session.execute(
        sa.select(cameras.c.id, cameras.c.owner_unit_id).where(cameras.c.id.in_(camera_ids))
    )
    return {r.id: r.owner_unit_id for r in found.all()}


async def ensure_site(session: AsyncSession, site_id: str, values: dict[str, Any]) -> None:
    """Create a site if it does not exist yet."""
    stmt = pg_insert(sites).values(id=site_id, **values)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def site_row(session: AsyncSession, site_id: str) -> sa.RowMapping | None:
    """One site."""
    return (await session.execute(sa.select(sites).where(sites.c.id == site_id))).mappings().first()


async def site_commune(session: AsyncSession, site_id: str) -> str:
    """The commune code of a site."""
    return str(await session.scalar(sa.select(sites.c.commune_code).where(sites.c.id == site_id)))


async def place(session: AsyncSession, camera_id: str) -> Any:
    """Commune code, site kind and owning unit of a camera."""
    return (
        await session.execute(
            sa.select(sites.c.commune_code, sites.c.kind, cameras.c.owner_unit_id)
            .select_from(cameras.join(sites, sites.c.id == cameras.c.site_id))
            .where(cameras.c.id == camera_id)
        )
    ).one()


async def camera_page(
    session: AsyncSession, cond: Conditions, *, after: str, size: int
) -> tuple[list[sa.RowMapping], int]:
    """Up to ``size + 1`` cameras with ids after ``after``, and the count of all matching."""
    page_cond = [*cond, cameras.c.id > after] if after else cond
    rows = (
        (
            await session.execute(
                CAMERA_VIEW.where(*page_cond).order_by(cameras.c.id).limit(size + 1)
            )
        )
        .mappings()
        .all()
    )
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(CAMERA_VIEW.where(*cond).subquery())
    )
    return list(rows), int(total or 0)


async def active_cameras(session: AsyncSession) -> list[sa.RowMapping]:
    """Every active camera's row with its commune code."""
    rows = await session.execute(
        sa.select(cameras, sites.c.commune_code)
        .select_from(cameras.join(sites, sites.c.id == cameras.c.site_id))
        .where(cameras.c.active.is_(True))
    )
    return list(rows.mappings().all())


async def set_last_maintained(
    session: AsyncSession, camera_id: str, done_on: dt.date, now: dt.datetime
) -> None:
    """Record a maintenance visit."""
    await update_camera(session, camera_id, {"last_maintained_on": done_on, "updated_at": now})


def filters(
    *,
    commune_codes: Sequence[str] = (),
    owner_unit_id: str = "",
    sector: str = "",
    site_kinds: Sequence[str] = (),
    states: Sequence[str] = (),
    include_inactive: bool = False,
    text: str = "",
) -> Conditions:
    """WHERE clauses of a camera listing."""
    cond: Conditions = []
    if not include_inactive:
        cond.append(cameras.c.active.is_(True))
    if commune_codes:
        cond.append(sites.c.commune_code.in_(list(commune_codes)))
    if owner_unit_id:
        cond.append(cameras.c.owner_unit_id == owner_unit_id)
    if sector:
        cond.append(cameras.c.sectors.contains([sector]))
    if site_kinds:
        cond.append(sites.c.kind.in_(list(site_kinds)))
    if states:
        cond.append(camera_connection.c.state.in_(list(states)))
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cond.append(sa.or_(cameras.c.id.ilike(pattern), cameras.c.name.ilike(pattern)))
    return cond
