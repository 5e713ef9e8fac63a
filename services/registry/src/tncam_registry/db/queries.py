"""Queries of the registry schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_connection,
    cameras,
    communes,
    connection_edges,
    sectors,
    sites,
    units,
)
from tncam_registry.domain.connection import Connection, Edge
from tncam_registry.domain.model import CameraState

#: One camera with its site, commune and connection: what the API returns.
CAMERA_VIEW = sa.select(
    cameras,
    sites.c.kind.label("site_kind"),
    sites.c.commune_code,
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
).select_from(
    cameras.join(sites, sites.c.id == cameras.c.site_id)
    .join(communes, communes.c.code == sites.c.commune_code)
    .join(camera_connection, camera_connection.c.camera_id == cameras.c.id)
)


async def camera_view(session: AsyncSession, camera_id: str) -> sa.RowMapping | None:
    """One camera as the API shows it."""
    return (await session.execute(CAMERA_VIEW.where(cameras.c.id == camera_id))).mappings().first()


async def lock_camera(session: AsyncSession, camera_id: str) -> sa.RowMapping | None:
    """The camera's own row, locked for update (serialises changes of one camera)."""
    stmt = sa.select(cameras).where(cameras.c.id == camera_id).with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def ensure_site(session: AsyncSession, site_id: str, values: dict[str, Any]) -> None:
    """Create a site if it does not exist yet."""
    stmt = sa.dialects.postgresql.insert(sites).values(id=site_id, **values)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


async def site_row(session: AsyncSession, site_id: str) -> sa.RowMapping | None:
    return (await session.execute(sa.select(sites).where(sites.c.id == site_id))).mappings().first()


def _connection(row: sa.RowMapping) -> Connection:
    return Connection(
        state=CameraState(row["state"]),
        connected=row["connected"],
        ever_connected=row["ever_connected"],
        state_changed_at=row["state_changed_at"],
        last_edge_at=row["last_edge_at"],
        lost_since=row["lost_since"],
        handover_since=row["handover_since"],
        last_observed_at=row["last_observed_at"],
        last_reason=row["last_reason"],
        last_detail=row["last_detail"],
    )


async def lock_connection(session: AsyncSession, camera_id: str) -> tuple[Connection, int] | None:
    """The camera's connection (locked) and the last applied stream sequence."""
    stmt = (
        sa.select(camera_connection)
        .where(camera_connection.c.camera_id == camera_id)
        .with_for_update()
    )
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        return None
    return _connection(row), int(row["last_stream_seq"])


async def save_connection(
    session: AsyncSession, camera_id: str, conn: Connection, *, seq: int | None = None
) -> None:
    values: dict[str, Any] = {
        "state": conn.state.value,
        "connected": conn.connected,
        "ever_connected": conn.ever_connected,
        "state_changed_at": conn.state_changed_at,
        "last_edge_at": conn.last_edge_at,
        "lost_since": conn.lost_since,
        "handover_since": conn.handover_since,
        "last_observed_at": conn.last_observed_at,
        "last_reason": conn.last_reason,
        "last_detail": conn.last_detail[:500],
    }
    if seq is not None:
        values["last_stream_seq"] = seq
    await session.execute(
        sa.update(camera_connection)
        .where(camera_connection.c.camera_id == camera_id)
        .values(**values)
    )


async def window_edges(
    session: AsyncSession, camera_id: str, start: dt.datetime, end: dt.datetime | None = None
) -> tuple[list[Edge], bool | None]:
    """Edges in ``[start, end)`` and the connection just before ``start`` (None: never up)."""
    cond = [connection_edges.c.camera_id == camera_id, connection_edges.c.at >= start]
    if end is not None:
        cond.append(connection_edges.c.at < end)
    rows = (
        await session.execute(
            sa.select(connection_edges.c.at, connection_edges.c.up, connection_edges.c.reason)
            .where(*cond)
            .order_by(connection_edges.c.at, connection_edges.c.id)
        )
    ).all()
    before = await session.scalar(
        sa.select(connection_edges.c.up)
        .where(connection_edges.c.camera_id == camera_id, connection_edges.c.at < start)
        .order_by(connection_edges.c.at.desc(), connection_edges.c.id.desc())
        .limit(1)
    )
    return [Edge(r.at, r.up, r.reason) for r in rows], before


async def insert_edge(session: AsyncSession, camera_id: str, edge: Edge) -> None:
    await session.execute(
        sa.insert(connection_edges).values(
            camera_id=camera_id, at=edge.at, up=edge.up, reason=edge.reason
        )
    )


async def reference(
    session: AsyncSession,
) -> tuple[list[sa.Row[Any]], list[sa.Row[Any]], list[str]]:
    """Communes (in file order), units and sector codes."""
    commune_rows = (await session.execute(sa.select(communes).order_by(communes.c.position))).all()
    unit_rows = (await session.execute(sa.select(units))).all()
    sector_codes = list((await session.scalars(sa.select(sectors.c.code))).all())
    return list(commune_rows), list(unit_rows), sector_codes


def filters(
    *,
    commune_codes: Sequence[str] = (),
    owner_unit_id: str = "",
    sector: str = "",
    site_kinds: Sequence[str] = (),
    states: Sequence[str] = (),
    include_inactive: bool = False,
    text: str = "",
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of a camera listing."""
    cond: list[sa.ColumnElement[bool]] = []
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
