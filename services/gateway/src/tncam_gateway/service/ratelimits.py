"""Rate limiting per account and per address on buckets shared by every replica (PostgreSQL)."""

from __future__ import annotations

import logging

import asyncpg
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_gateway.db import ratelimits as repo
from tncam_gateway.domain.ratelimit import RateLimit
from tncam_mesh.db import unit_of_work

log = logging.getLogger("tncam.gateway.ratelimit")


class RateLimiter:
    """One limit (``RateLimit``) over the shared buckets."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], limit: RateLimit) -> None:
        self.sessions = sessions
        self.limit = limit

    async def take(self, subject: str) -> float:
        """0.0 if the request may go ahead, else the seconds to wait before retrying.

        Fails open when PostgreSQL cannot be reached: every route that needs it answers 503
        anyway, and /livez, /readyz and the rest of the API must not turn into 429s."""
        try:
            async with unit_of_work(self.sessions) as s:
                taken = await repo.take(
                    s, self.limit.key(subject), rate=self.limit.rate, capacity=self.limit.capacity
                )
        except (OSError, TimeoutError, SQLAlchemyError, asyncpg.PostgresError) as e:
            log.warning("rate limit %s not checked: %s", self.limit.scope, type(e).__name__)
            return 0.0
        return 0.0 if taken.allowed else self.limit.retry_after_s(taken.tokens)


async def prune_full_buckets(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Delete the buckets that refilled completely (periodic; they hold no state)."""
    async with unit_of_work(sessions) as s:
        pruned = await repo.prune_full(s)
    if pruned:
        log.debug("pruned %d full rate-limit buckets", pruned)
