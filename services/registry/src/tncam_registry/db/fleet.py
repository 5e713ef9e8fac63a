"""Bulk rows of a synthetic fleet, for the benchmark only (bypasses the use cases on purpose)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_registry.db.tables import camera_connection, cameras, sites, state_transitions

_CHUNK = 2000


async def insert_fleet(
    sessions: async_sessionmaker[AsyncSession],
    site_rows: Sequence[dict[str, Any]],
    camera_rows: Sequence[dict[str, Any]],
    connection_rows: Sequence[dict[str, Any]],
) -> None:
    """Insert sites, cameras and connection rows directly, then refresh the planner's stats."""
    async with sessions() as s:
        await s.execute(pg_insert(sites).on_conflict_do_nothing(), list(site_rows))
        for i in range(0, len(camera_rows), _CHUNK):
            await s.execute(sa.insert(cameras), list(camera_rows[i : i + _CHUNK]))
            await s.execute(sa.insert(camera_connection), list(connection_rows[i : i + _CHUNK]))
        await s.commit()
        await s.execute(sa.text("ANALYZE"))


async def delete_fleet(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Remove every camera (sites and reference data stay)."""
    async with sessions() as s:
        await s.execute(sa.delete(state_transitions))
        await s.execute(sa.delete(camera_connection))
        await s.execute(sa.delete(cameras))
        await s.commit()


#: A year of flapping: every camera goes down and comes back every ``period`` from ``start``,
#: at a per-camera offset, the first transition out of "never". Generated in the database.
_HISTORY = sa.text(
    """
    INSERT INTO state_transitions (camera_id, at, previous_state, state, reason, detail)
    SELECT c.id,
           CAST(:start AS timestamptz) + n * CAST(:period AS interval)
               + (abs(hashtext(c.id)) % 3600) * interval '1 second',
           CASE WHEN n = 0 THEN 'never' WHEN n % 2 = 1 THEN 'connected' ELSE 'lost' END,
           CASE WHEN n % 2 = 0 THEN 'connected' ELSE 'lost' END,
           'bench', ''
    FROM cameras c CROSS JOIN generate_series(0, CAST(:count AS integer) - 1) AS n
    """
)


async def insert_history(
    sessions: async_sessionmaker[AsyncSession],
    start: dt.datetime,
    period: dt.timedelta,
    count: int,
) -> int:
    """``count`` state transitions per camera from ``start``, one every ``period``."""
    async with sessions() as s:
        # The cameras were in service over the whole history.
        await s.execute(sa.update(cameras).values(created_at=start))
        result = await s.execute(_HISTORY, {"start": start, "period": period, "count": count})
        await s.commit()
        await s.execute(sa.text("ANALYZE state_transitions"))
    return int(getattr(result, "rowcount", 0) or 0)
