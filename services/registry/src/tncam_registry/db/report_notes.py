"""SQL of the notes people write over the connection report's generated notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import report_notes


async def notes(session: AsyncSession) -> list[Any]:
    """Every written note: commune code, note, by whom, when."""
    rows = await session.execute(sa.select(report_notes))
    return list(rows.all())


async def lock_note(session: AsyncSession, commune_code: str) -> Any:
    """A commune's note (locked for the change), or None."""
    rows = await session.execute(
        sa.select(report_notes).where(report_notes.c.commune_code == commune_code).with_for_update()
    )
    return rows.first()


async def put_note(
    session: AsyncSession, commune_code: str, note: str, by: str, at: dt.datetime
) -> None:
    """Write (or rewrite) a commune's note."""
    stmt = pg_insert(report_notes).values(
        commune_code=commune_code, note=note, updated_by=by, updated_at=at
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["commune_code"],
            set_={"note": note, "updated_by": by, "updated_at": at},
        )
    )


async def delete_note(session: AsyncSession, commune_code: str) -> None:
    """Remove a commune's note (the generated one shows again)."""
    await session.execute(
        sa.delete(report_notes).where(report_notes.c.commune_code == commune_code)
    )
