"""Bulk rows of a synthetic fleet, for the benchmark only (bypasses the use cases on purpose)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_registry.db.tables import camera_connection, cameras, sites

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
        await s.execute(sa.delete(camera_connection))
        await s.execute(sa.delete(cameras))
        await s.commit()
