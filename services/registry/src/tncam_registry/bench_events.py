"""The registry's per-camera event load at 10,000 cameras (part of ``tncam_registry.bench``).

Ingest reports every camera's stream statistics every 10 s (``STATS_INTERVAL_S``): 10,000
cameras send 1,000 ``StreamStats`` a second, which the registry's stats consumer applies one
by one (``connection.apply_stats``: lock the camera's row, compare, update, commit). This
applies stats for 2,000 cameras of the big fleet through that same use-case code (without the
NATS round trip), serially as one consumer does, then for 2,000 others with 4 concurrent
handlers (as 4 replicas or a wider pull would), and prints the rate beside the fleet's need.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from tncam.camera.v1 import stats_pb2
from tncam_registry.db.annual_fleet import fleet_ids
from tncam_registry.service.connection import apply_stats
from tncam_registry.service.context import RegistryContext

STATS_INTERVAL_S = 10.0


def _stats(camera_id: str, at: dt.datetime) -> stats_pb2.StreamStats:
    msg = stats_pb2.StreamStats(
        camera_id=camera_id,
        fps=25.0,
        bitrate_bps=4_000_000,
        gop_length_frames=50,
        width=1920,
        height=1080,
        codec="hevc",
        compliant=True,
        frames=250,
        keyframes=5,
        bytes=5_000_000,
    )
    msg.window_start.FromDatetime(at - dt.timedelta(seconds=STATS_INTERVAL_S))
    msg.window_end.FromDatetime(at)
    return msg


async def _round(ctx: RegistryContext, ids: list[str], workers: int) -> tuple[float, int]:
    """One stats message per camera, ``workers`` at a time: (seconds, applied)."""
    at = dt.datetime.now(dt.UTC)
    queue = list(reversed(ids))
    applied = 0

    async def worker() -> None:
        nonlocal applied
        while queue:
            if await apply_stats(ctx, _stats(queue.pop(), at)) == "applied":
                applied += 1

    t0 = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())
    return time.perf_counter() - t0, applied


async def bench_stats(ctx: RegistryContext, sample: int = 2_000) -> bool:
    """Stats of ``sample`` cameras of the fleet (a different slice per round), serially and 4
    at a time: the rate against the fleet's need."""
    ids = await fleet_ids(ctx.sessions)
    need = len(ids) / STATS_INTERVAL_S
    ok = True
    for k, workers in enumerate((1, 4)):
        part = ids[k * sample : (k + 1) * sample]
        seconds, applied = await _round(ctx, part, workers)
        rate = applied / seconds if seconds else 0.0
        good = applied == len(part) and rate >= need
        ok &= good
        print(
            f"  stream stats, {len(part):,} of {len(ids):,} cameras, {workers} handler(s):"
            f" {applied:,} applied in {seconds:.1f} s = {rate:,.0f}/s  need {need:,.0f}/s"
            f" (one per camera per {STATS_INTERVAL_S:g} s)  {'OK' if good else 'MISSED'}"
        )
    return ok
