"""The fence stops a session on time even while a lease round hangs on the bus.

Seen in the fault suite: a worker connected to a NATS node cut off from its peers gets its
renewals refused at once ("no response from stream") or only after the JetStream API timeout
(5 s per camera, one after the other). The fence used to run between rounds only, so a round
hung in renewals fenced the sessions after the lease's TTL: another worker could hold the
camera meanwhile (two RTSP sessions). The buckets here stand in for a bus that does not answer
(what is tested is the coordinator's timing, not NATS).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.leases import LeaseCoordinator, _Held
from tncam_mesh.clock import utc_now


class _UnansweredBuckets:
    """Lease buckets on a bus that never answers a write; the watches see nothing."""

    opened = True

    def __init__(self) -> None:
        self.renewals = 0

    async def _forever(self, *_: Any, **__: Any) -> int:
        self.renewals += 1
        await asyncio.Event().wait()
        return 0

    renew = create = delete = heartbeat = _forever

    async def _watch(self, handle: Callable[[Any], Awaitable[None]], stop: asyncio.Event) -> None:
        await stop.wait()

    watch_configs = watch_leases = watch_workers = _watch

    async def leave(self) -> None:
        return None


async def test_a_session_is_fenced_within_fence_s_while_its_renewal_hangs() -> None:
    lost: dict[str, tuple[str, float]] = {}
    stopped = asyncio.Event()

    async def on_lost(camera: str, why: str) -> None:
        lost[camera] = (why, time.monotonic())
        stopped.set()

    async def on_acquired(camera: str, cfg: object) -> None:
        raise AssertionError("nothing to claim")

    coordinator = LeaseCoordinator(
        js=None,  # type: ignore[arg-type]  # the buckets are replaced below
        worker_id="w1",
        namespace="t",
        metrics=IngestMetrics(),
        on_acquired=on_acquired,
        on_lost=on_lost,
        renew_s=0.2,
        fence_s=0.5,
    )
    buckets = _UnansweredBuckets()
    coordinator.buckets = buckets  # type: ignore[assignment]
    renewed = time.monotonic()
    since: datetime = utc_now()
    coordinator.held["cam1"] = _Held(
        revision=1, acquired_at=since, renewed_mono=renewed, config_revision=1
    )
    stop = asyncio.Event()
    task = asyncio.create_task(coordinator.run(stop))
    try:
        async with asyncio.timeout(3.0):
            await stopped.wait()
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    why, at = lost["cam1"]
    assert why == "fenced"
    assert buckets.renewals == 1  # the round still hangs in its first renewal
    # On time: the fence's own bound, not a round's end (the lease's TTL would be past).
    assert at - renewed < 0.5 + 0.25, at - renewed
    assert "cam1" not in coordinator.held
