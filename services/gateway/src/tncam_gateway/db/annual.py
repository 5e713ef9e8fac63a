"""SQL of the annual report's gateway facts: exports and break-glass grants per unit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import exports, grants
from tncam_gateway.domain.roles import BREAK_GLASS_BASES

#: Exports refused or failed were not extractions.
NOT_EXTRACTED = ("rejected", "failed")


async def exports_by_unit(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[tuple[str, str], int]:
    """(owning unit, kind quick|approval) -> exports requested in ``[start, end)``."""
    e = exports.c
    rows = await session.execute(
        sa.select(e.owner_unit_id, e.kind, sa.func.count())
        .where(e.created_at >= start, e.created_at < end, e.status.not_in(NOT_EXTRACTED))
        .group_by(e.owner_unit_id, e.kind)
    )
    return {(unit, kind): int(n) for unit, kind, n in rows.all()}


async def break_glass_by_unit(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[str, int]:
    """unit -> break-glass grants issued in ``[start, end)`` on its cameras."""
    g = grants.c
    unit = sa.func.unnest(g.unit_ids).label("unit_id")
    inner = (
        sa.select(g.id, unit)
        .where(
            g.created_at >= start,
            g.created_at < end,
            g.legal_basis.in_([b.value for b in BREAK_GLASS_BASES]),
        )
        .subquery()
    )
    rows = await session.execute(
        sa.select(inner.c.unit_id, sa.func.count(sa.distinct(inner.c.id))).group_by(inner.c.unit_id)
    )
    return {u: int(n) for u, n in rows.all()}
