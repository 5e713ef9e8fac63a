"""SQL of fault tickets: opened after a camera is lost too long, closed when it is back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_connection,
    cameras,
    fault_ticket_notes,
    fault_tickets,
    sites,
)
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
            # One ticket per loss: none open, and none (closed by hand) for this same loss.
            ~sa.exists().where(
                fault_tickets.c.camera_id == camera_connection.c.camera_id,
                sa.or_(
                    fault_tickets.c.closed_at.is_(None),
                    fault_tickets.c.detected_at >= camera_connection.c.lost_since,
                ),
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


def _ticket_view() -> sa.Select[Any]:
    return sa.select(fault_tickets, cameras.c.owner_unit_id, sites.c.commune_code).select_from(
        fault_tickets.join(cameras, cameras.c.id == fault_tickets.c.camera_id).join(
            sites, sites.c.id == cameras.c.site_id
        )
    )


def ticket_filters(
    *, camera_id: str = "", owner_unit_id: str = "", sector: str = "", open_only: bool = False
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of a ticket listing."""
    cond: list[sa.ColumnElement[bool]] = []
    if camera_id:
        cond.append(fault_tickets.c.camera_id == camera_id)
    if owner_unit_id:
        cond.append(cameras.c.owner_unit_id == owner_unit_id)
    if sector:
        cond.append(cameras.c.sectors.contains([sector]))
    if open_only:
        cond.append(fault_tickets.c.closed_at.is_(None))
    return cond


async def ticket_page(
    session: AsyncSession, cond: list[sa.ColumnElement[bool]], *, offset: int, size: int
) -> tuple[list[sa.RowMapping], int]:
    """A page of tickets, newest first, and how many match."""
    view = _ticket_view().where(*cond)
    rows = await session.execute(
        view.order_by(fault_tickets.c.opened_at.desc(), fault_tickets.c.id)
        .offset(offset)
        .limit(size)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(view.subquery()))
    return list(rows.mappings().all()), int(total or 0)


async def ticket(
    session: AsyncSession, ticket_id: str, *, lock: bool = False
) -> sa.RowMapping | None:
    """One ticket with its camera's owning unit and commune."""
    stmt = _ticket_view().where(fault_tickets.c.id == ticket_id)
    if lock:
        stmt = stmt.with_for_update(of=fault_tickets)
    row: sa.RowMapping | None = (await session.execute(stmt)).mappings().first()
    return row


async def notes_of(session: AsyncSession, ticket_ids: list[str]) -> dict[str, list[sa.RowMapping]]:
    """The notes of these tickets, oldest first."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        sa.select(fault_ticket_notes)
        .where(fault_ticket_notes.c.ticket_id.in_(ticket_ids))
        .order_by(fault_ticket_notes.c.at, fault_ticket_notes.c.id)
    )
    found: dict[str, list[sa.RowMapping]] = {}
    for r in rows.mappings().all():
        found.setdefault(str(r["ticket_id"]), []).append(r)
    return found


async def add_note(
    session: AsyncSession, ticket_id: str, at: dt.datetime, author: str, text: str
) -> None:
    """A note on a ticket."""
    await session.execute(
        sa.insert(fault_ticket_notes).values(ticket_id=ticket_id, at=at, author=author, text=text)
    )


async def update_ticket(session: AsyncSession, ticket_id: str, values: dict[str, Any]) -> None:
    """Change a ticket (acknowledgement, closing, cause)."""
    await session.execute(
        sa.update(fault_tickets).where(fault_tickets.c.id == ticket_id).values(**values)
    )
