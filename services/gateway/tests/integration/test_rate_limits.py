"""Rate limits shared by every gateway replica (PostgreSQL token buckets), never wiped."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import sqlalchemy as sa

from tncam_gateway.db.tables import rate_limits
from tncam_gateway.domain.ratelimit import RateLimit
from tncam_gateway.service.ratelimits import RateLimiter, prune_full_buckets
from tncam_mesh.db import session_factory

from .conftest import Gateway


async def test_two_replicas_share_one_limit_per_address(gateway_factory: Any) -> None:
    # Two gateways (two apps, two connection pools): a client alternating between them gets
    # the limit once, not once per replica.
    a: Gateway = await gateway_factory(rate_limit_address_per_minute=4)
    b: Gateway = await gateway_factory(rate_limit_address_per_minute=4)
    address = f"10.51.{uuid.uuid4().int % 250}.7"
    codes = []
    async with a.client(address) as ca, b.client(address) as cb:
        for i in range(6):
            codes.append((await (ca if i % 2 else cb).get("/api/v1/me")).status_code)
        refused = await ca.get("/api/v1/me")
    assert codes == [401] * 4 + [429, 429]
    assert refused.json()["code"] == "gateway.rate_limited.address"
    assert 1 <= int(refused.headers["retry-after"]) <= 16  # one token every 15 s


async def test_many_keys_never_wipe_an_exhausted_bucket(gw: Gateway) -> None:
    sessions = session_factory(gw.engine)
    strict = RateLimiter(sessions, RateLimit(f"t{uuid.uuid4().hex[:6]}", per_minute=1))
    # Quick to refill (a bucket is full again 10 ms after its request): pruned soon.
    quick = RateLimiter(sessions, RateLimit(f"q{uuid.uuid4().hex[:6]}", per_minute=6000))
    assert await strict.take("abuser") == 0.0
    wait = await strict.take("abuser")
    assert 55.0 < wait <= 60.0
    # Thousands of other keys: the in-memory limiter cleared every bucket past its maximum.
    await asyncio.gather(*(quick.take(f"client-{i}") for i in range(300)))
    async with sessions() as s:
        tracked = await s.scalar(
            sa.select(sa.func.count()).where(rate_limits.c.key.like(f"{quick.limit.scope}:%"))
        )
    assert tracked == 300

    async def quick_buckets_left() -> int:
        await prune_full_buckets(sessions)
        async with sessions() as s:
            n = await s.scalar(
                sa.select(sa.func.count()).where(rate_limits.c.key.like(f"{quick.limit.scope}:%"))
            )
        return int(n or 0)

    for _ in range(100):
        if await quick_buckets_left() == 0:
            break
        await asyncio.sleep(0.05)
    assert await quick_buckets_left() == 0
    # The exhausted bucket holds state: pruning keeps it, the abuser is still refused.
    assert await strict.take("abuser") > 50.0


async def test_a_bucket_refills_at_its_rate(gw: Gateway) -> None:
    sessions = session_factory(gw.engine)
    limiter = RateLimiter(sessions, RateLimit(f"r{uuid.uuid4().hex[:6]}", per_minute=600, burst=2))
    assert [await limiter.take("u") for _ in range(2)] == [0.0, 0.0]
    wait = await limiter.take("u")
    assert 0.0 < wait <= 0.1
    assert await limiter.take("other") == 0.0
    await asyncio.sleep(wait + 0.05)  # the refill itself is what is tested: time must pass
    assert await limiter.take("u") == 0.0
