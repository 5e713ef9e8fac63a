"""Queries of exports and deletion certificates (callers own the transaction)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_recorder.db.tables import (
    deletion_certificates,
    exports,
)


async def add_export(s: AsyncSession, values: dict[str, Any]) -> None:
    await s.execute(sa.insert(exports).values(**values))


async def get_export(s: AsyncSession, export_id: uuid.UUID) -> Any:
    return (await s.execute(sa.select(exports).where(exports.c.export_id == export_id))).first()


async def delete_exports_of(s: AsyncSession, camera_id: str | None) -> list[Any]:
    q = sa.delete(exports).returning(exports.c.object_key, exports.c.export_id)
    if camera_id is not None:
        q = q.where(exports.c.camera_id == camera_id)
    return list(await s.execute(q))


async def add_certificate(s: AsyncSession, values: dict[str, Any]) -> None:
    await s.execute(sa.insert(deletion_certificates).values(**values))
