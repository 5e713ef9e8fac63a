"""SQL of fault tickets: opened after a camera is lost too long, closed when it is back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import camera_connection, cameras, fault_tickets
from tncam_registry.domain.model import CameraState


async def close_open(
    session: AsyncSession, camera_id: str, at: dt.datetime, reason: str
) -> str | None:
    """Close the camera's open ticket; returns its id (None if there was none)."""
    ticket_id = await session.scalar(
        sa.update(fault_tickets)
        .where(fault_tickets.c.camera_id == camera_id, fault_tickets.c.closed_at.is_(None))
        .values(closed_at=at, close_reason=reason)
        .returning(fault_tickets.c.id)
    )
    return None if ticket_id is None else str(ticket_id)


async def lost_without_ticket(
    session: AsyncSession, cutoff: dt.datetime, limit: int = 1000
) -> list[tuple[str, dt.datetime]]:
    """Active cameras lost since before ``cutoff`` with no open ticket: (id, lost since)."""
    rows = await session.execute(
        sa.select(camera_connection.c.camera_id, camera_connection.c.lost_since)
        .select_from(camera_connection.join(cameras, cameras.c.id == camera_connection.c.camera_id))
        .where(
            cameras.c.active.is_(True),
            camera_connection.c.state == CameraState.LOST.value,
            camera_connection.c.lost_since < cutoff,
            ~sa.exists().where(
                fault_tickets.c.camera_id == camera_connection.c.camera_id,
                fault_tickets.c.closed_at.is_(None),
            ),
        )
        .limit(limit)
    )
    return [(r.camera_id, r.lost_since) for r in rows.all()]


async def insert_ticket(
    session: AsyncSession,
    *,
    ticket_id: str,
    camera_id: str,
    detected_at: dt.datetime,
    opened_at: dt.datetime,
    due_on: dt.date,
) -> None:
    """Open a fault ticket."""
    await session.execute(
        sa.insert(fault_tickets).values(
            id=ticket_id,
            camera_id=camera_id,
            detected_at=detected_at,
            opened_at=opened_at,
            due_on=due_on,
            close_reason="",
        )
    )


async def open_tickets(session: AsyncSession) -> list[Any]:
    """Every open ticket: id, camera id, due date."""
    rows = await session.execute(
        sa.select(fault_tickets.c.id, fault_tickets.c.camera_id, fault_tickets.c.due_on).where(
            fault_tickets.c.closed_at.is_(None)
        )
    )
    return list(rows.all())


async def count_open(session: AsyncSession) -> int:
    """How many tickets are open."""
    n = await session.scalar(
        sa.select(sa.func.count())
        .select_from(fault_tickets)
        .where(fault_tickets.c.closed_at.is_(None))
    )
    return int(n or 0)


async def tickets_of(session: AsyncSession, camera_id: str, limit: int) -> list[sa.RowMapping]:
    """The camera's latest tickets, newest first."""
    rows = await session.execute(
        sa.select(fault_tickets)
        .where(fault_tickets.c.camera_id == camera_id)
        .order_by(fault_tickets.c.opened_at.desc())
        .limit(limit)
    )
    return list(rows.mappings().all())
