"""SQL of the annual report: the year's cameras, connection edges, fault tickets, maintenance
visits, registry updates and next year's connection needs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    cameras,
    connection_edges,
    connection_needs,
    fault_tickets,
    maintenance_records,
    registry_updates,
)
from tncam_registry.domain.annual_compose import YearRows


# long: one query per table the report reads, side by side
async def year_rows(
    session: AsyncSession, start: dt.datetime, end: dt.datetime, year: int, unit_id: str = ""
) -> YearRows:
    """The rows of ``[start, end)`` (one unit's when ``unit_id`` is given)."""
    cam_cond = [
        cameras.c.created_at < end,
        sa.or_(cameras.c.deactivated_at.is_(None), cameras.c.deactivated_at >= start),
    ]
    if unit_id:
        cam_cond.append(cameras.c.owner_unit_id == unit_id)
    cams = (
        await session.execute(
            sa.select(
                cameras.c.id,
                cameras.c.owner_unit_id,
                cameras.c.created_at,
                cameras.c.installed_on,
                cameras.c.last_maintained_on,
            ).where(*cam_cond)
        )
    ).all()
    ids = sa.select(cameras.c.id).where(*cam_cond).scalar_subquery()
    e = connection_edges.c
    edges = (
        await session.execute(
            sa.select(e.camera_id, e.at, e.up)
            .where(e.camera_id.in_(ids), e.at >= start, e.at < end)
            .order_by(e.camera_id, e.at, e.id)
        )
    ).all()
    ranked = (
        sa.select(
            e.camera_id,
            e.up,
            sa.func.row_number()
            .over(partition_by=e.camera_id, order_by=(e.at.desc(), e.id.desc()))
            .label("rn"),
        )
        .where(e.camera_id.in_(ids), e.at < start)
        .subquery()
    )
    before = (
        await session.execute(sa.select(ranked.c.camera_id, ranked.c.up).where(ranked.c.rn == 1))
    ).all()
    t = fault_tickets.c
    tickets = (
        await session.execute(
            sa.select(t.camera_id, t.detected_at, t.closed_at, t.close_reason).where(
                t.camera_id.in_(ids), t.detected_at >= start, t.detected_at < end
            )
        )
    ).all()
    v = maintenance_records.c
    visits = (
        await session.execute(sa.select(v.camera_id, v.done_on).where(v.camera_id.in_(ids)))
    ).all()
    u = registry_updates.c
    updates = (
        await session.execute(
            sa.select(u.camera_id, u.due_on, u.recorded_at).where(
                u.camera_id.in_(ids), u.recorded_at >= start, u.recorded_at < end
            )
        )
    ).all()
    n = connection_needs.c
    needs = (
        await session.execute(sa.select(n.unit_id, n.recorded_at).where(n.year == year + 1))
    ).all()
    return YearRows(
        cameras=list(cams),
        edges=list(edges),
        before={r.camera_id: r.up for r in before},
        tickets=list(tickets),
        visits=list(visits),
        updates=list(updates),
        needs={r.unit_id: r.recorded_at for r in needs},
    )
