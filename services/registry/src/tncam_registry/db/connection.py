"""SQL of connection state: the per-camera row, edges, transitions, measured stream."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_connection,
    connection_edges,
    state_transitions,
)
from tncam_registry.domain.connection import Connection, Edge, Transition
from tncam_registry.domain.model import CameraState


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
    """Store the camera's connection (and the stream sequence it reflects, if given)."""
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
    """Record one up/down edge."""
    await session.execute(
        sa.insert(connection_edges).values(
            camera_id=camera_id, at=edge.at, up=edge.up, reason=edge.reason
        )
    )


async def insert_transition(session: AsyncSession, camera_id: str, t: Transition) -> int:
    """Record a state transition; returns its id."""
    transition_id = await session.scalar(
        sa.insert(state_transitions)
        .values(
            camera_id=camera_id,
            at=t.at,
            previous_state=t.previous.value,
            state=t.state.value,
            reason=t.reason,
            detail=t.detail[:500],
        )
        .returning(state_transitions.c.id)
    )
    return int(transition_id or 0)


async def transitions(session: AsyncSession, camera_id: str, limit: int) -> list[sa.RowMapping]:
    """The camera's latest transitions, newest first."""
    rows = await session.execute(
        sa.select(state_transitions)
        .where(state_transitions.c.camera_id == camera_id)
        .order_by(state_transitions.c.id.desc())
        .limit(limit)
    )
    return list(rows.mappings().all())


async def sweep_candidates(session: AsyncSession) -> list[str]:
    """Cameras whose state can change with time alone: in a handover, or unstable."""
    ids = await session.scalars(
        sa.select(camera_connection.c.camera_id).where(
            sa.or_(
                camera_connection.c.handover_since.is_not(None),
                camera_connection.c.state == CameraState.UNSTABLE.value,
            )
        )
    )
    return list(ids.all())
