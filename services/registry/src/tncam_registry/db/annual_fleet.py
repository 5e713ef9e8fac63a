"""A year of synthetic history for the annual report's benchmark (bypasses the use cases on
purpose): connection edges, fault tickets, maintenance records, registry updates, needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_registry.db.tables import (
    cameras,
    connection_edges,
    connection_needs,
    fault_tickets,
    maintenance_records,
    registry_updates,
)

_CHUNK = 5000
HISTORY = (connection_edges, fault_tickets, maintenance_records, registry_updates, connection_needs)


async def fleet_ids(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """The ids of the fleet's cameras."""
    async with sessions() as s:
        return list((await s.execute(sa.select(cameras.c.id))).scalars())


async def insert_history(
    sessions: async_sessionmaker[AsyncSession],
    created_at: Any,
    rows: Mapping[str, Sequence[Any]],
) -> None:
    """Back-date every camera's registration and insert the history rows (by table name)."""
    async with sessions() as s:
        await s.execute(sa.update(cameras).values(created_at=created_at))
        for table in HISTORY:
            batch = list(rows.get(table.name, ()))
            for i in range(0, len(batch), _CHUNK):
                await s.execute(sa.insert(table), batch[i : i + _CHUNK])
        await s.commit()
        await s.execute(sa.text("ANALYZE"))


async def delete_history(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        for table in HISTORY:
            await s.execute(sa.delete(table))
        await s.commit()
