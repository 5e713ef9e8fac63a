"""Token buckets of the rate limits in PostgreSQL: one atomic upsert per request, shared by every
gateway replica (the time is the database's, the same for all of them)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import rate_limits


@dataclass(frozen=True, slots=True)
class Taken:
    """The outcome of one request on a bucket: allowed, and the tokens left."""

    allowed: bool
    tokens: float


async def take(session: AsyncSession, key: str, *, rate: float, capacity: float) -> Taken:
    """Refill ``key``'s bucket for the time since its last request, then take one token if it
    holds one. Row-locked by the upsert: concurrent requests of one key queue, others do not."""
    t = rate_limits
    now = sa.func.now()
    elapsed = sa.func.greatest(0.0, sa.extract("epoch", now - t.c.at))
    refilled = sa.func.least(capacity, t.c.tokens + elapsed * rate)
    left = sa.case((refilled >= 1.0, refilled - 1.0), else_=refilled)
    seconds_to_full = sa.func.make_interval(0, 0, 0, 0, 0, 0, (capacity - left) / rate)
    upsert = insert(t).values(
        key=key,
        tokens=capacity - 1.0,
        at=now,
        allowed=True,
        full_at=now + sa.func.make_interval(0, 0, 0, 0, 0, 0, 1.0 / rate),
    )
    stmt = upsert.on_conflict_do_update(
        index_elements=[t.c.key],
        set_={
            "tokens": left,
            "at": now,
            "allowed": refilled >= 1.0,
            "full_at": now + seconds_to_full,
        },
    ).returning(t.c.allowed, t.c.tokens)
    row = (await session.execute(stmt)).one()
    return Taken(allowed=bool(row.allowed), tokens=float(row.tokens))


async def prune_full(session: AsyncSession) -> int:
    """Delete the buckets that have refilled completely (they hold no state); return how many."""
    result = await session.execute(
        sa.delete(rate_limits).where(rate_limits.c.full_at <= sa.func.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
