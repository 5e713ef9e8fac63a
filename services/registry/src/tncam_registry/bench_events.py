"""The registry's per-camera event load at 10,000 cameras (part of ``tncam_registry.bench``).

Ingest reports every camera's stream statistics every 10 s (``STATS_INTERVAL_S``): 10,000
cameras send 1,000 ``StreamStats`` a second, which the registry's stats consumer applies one
by one (``connection.apply_stats``: lock the camera's row, compare, update, commit). This
applies one round of stats for every camera of the big fleet through that same use-case code
(without the NATS round trip), serially as one consumer does and with 4 concurrent handlers
(as 4 replicas or a consumer with a wider pull would), and prints the rate beside the need.
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


async def bench_stats(ctx: RegistryContext) -> bool:
    """Stats of every camera of the fleet, serially and 4 at a time, vs the rate needed."""
    ids = await fleet_ids(ctx.sessions)
    need = len(ids) / STATS_INTERVAL_S
    ok = True
    for workers in (1, 4):
        seconds, applied = await _round(ctx, ids, workers)
        rate = applied / seconds if seconds else 0.0
        good = applied == len(ids) and rate >= need
        ok &= good or workers == 1
        print(
            f"  stream stats of {len(ids):,} cameras, {workers} handler(s): {applied:,} applied"
            f" in {seconds:.1f} s = {rate:,.0f}/s  need {need:,.0f}/s (one per camera per"
            f" {STATS_INTERVAL_S:g} s)  {'OK' if good else 'MISSED'}"
        )
    return ok
