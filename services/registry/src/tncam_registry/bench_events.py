"""The registry's per-camera event load at 10,000 cameras (part of ``tncam_registry.bench``).

Ingest reports every camera's stream statistics every 10 s (``STATS_INTERVAL_S``): 10,000
cameras send 1,000 ``StreamStats`` a second. The registry's stats consumer applies each pulled
batch (up to ``STATS_BATCH``) in one transaction (``apply_stats_batch``: one locking read, one
update). This runs that same code (parse, validate, apply; without the NATS round trip and
acks) serially as one consumer does: first one message per transaction over a slice of the
fleet (what a consumer does when stats trickle in one at a time), then the whole fleet in
batches of ``STATS_BATCH``, and prints each rate beside the fleet's need.
"""

from __future__ import annotations

import datetime as dt
import time

from tncam.camera.v1 import stats_pb2
from tncam_registry.consumers.stats import STATS_BATCH
from tncam_registry.db.annual_fleet import fleet_ids
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.stream_stats import apply_stats_batch, measurement

STATS_INTERVAL_S = 10.0


def _stats(camera_id: str, at: dt.datetime) -> bytes:
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
    return msg.SerializeToString()


async def _round(ctx: RegistryContext, ids: list[str], batch: int) -> tuple[float, int]:
    """One stats message per camera, ``batch`` per transaction: (seconds, applied)."""
    at = dt.datetime.now(dt.UTC)
    payloads = [_stats(i, at) for i in ids]
    applied = 0
    t0 = time.perf_counter()
    for k in range(0, len(payloads), batch):
        ms = [
            measurement(ctx, stats_pb2.StreamStats.FromString(p)) for p in payloads[k : k + batch]
        ]
        applied += (await apply_stats_batch(ctx, ms)).count("applied")
    return time.perf_counter() - t0, applied


async def bench_stats(ctx: RegistryContext, single: int = 1_000) -> bool:
    """Stats of ``single`` cameras one per transaction, then of the whole fleet in batches:
    the batched rate must meet the fleet's need (the single one is printed for comparison)."""
    ids = await fleet_ids(ctx.sessions)
    need = len(ids) / STATS_INTERVAL_S
    ok = True
    for part, batch in ((ids[:single], 1), (ids, STATS_BATCH)):
        seconds, applied = await _round(ctx, part, batch)
        rate = applied / seconds if seconds else 0.0
        good = applied == len(part) and (batch == 1 or rate >= need)
        ok &= good
        verdict = ("OK" if rate >= need else "below need") if good else "MISSED"
        print(
            f"  stream stats, {len(part):,} of {len(ids):,} cameras, {batch} per transaction:"
            f" {applied:,} applied in {seconds:.1f} s = {rate:,.0f}/s  need {need:,.0f}/s"
            f" (one per camera per {STATS_INTERVAL_S:g} s)  {verdict}"
        )
    return ok
