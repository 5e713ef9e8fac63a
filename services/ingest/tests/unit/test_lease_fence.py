"""Lease rounds on a NATS node cut off or a bucket electing its leader: the fence is on time,
the fair share waits, a lease past its TTL that the bucket still holds is taken over.

Seen in the fault suite: a worker connected to a NATS node cut off from its peers gets its
renewals refused at once ("no response from stream") or only after the JetStream API timeout
(5 s per camera, one after the other). The fence used to run between rounds only, so a round
hung in renewals fenced the sessions after the lease's TTL: another worker could hold the
camera meanwhile (two RTSP sessions). The buckets here stand in for a bus that does not answer
(what is tested is the coordinator's timing, not NATS).

After a partition heals, the R3 lease bucket may not answer for seconds (its leaders are
elected again): a worker that gave a camera up for the fair share then stopped its session but
could not delete the lease, and nobody recorded the camera until the lease expired. And the
bucket's new leader can keep a lease past its TTL (max age) for seconds: a create is refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tncam.registry.v1 import camera_config_pb2
from tncam_ingest.bus.leases import LeaseTakenError
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


def _coordinator(
    buckets: _UnansweredBuckets,
    on_acquired: Callable[[str, Any], Awaitable[None]],
    on_lost: Callable[[str, str], Awaitable[None]],
    **timing: float,
) -> LeaseCoordinator:
    """A coordinator of worker ``w1`` over ``buckets`` (in place of the bus's)."""
    c = LeaseCoordinator(
        js=None,  # type: ignore[arg-type]  # the buckets are replaced below
        worker_id="w1",
        namespace="t",
        metrics=IngestMetrics(),
        on_acquired=on_acquired,
        on_lost=on_lost,
        **timing,  # type: ignore[arg-type]
    )
    c.buckets = buckets  # type: ignore[assignment]
    return c


async def test_a_session_is_fenced_within_fence_s_while_its_renewal_hangs() -> None:
    lost: dict[str, tuple[str, float]] = {}
    stopped = asyncio.Event()

    async def on_lost(camera: str, why: str) -> None:
        lost[camera] = (why, time.monotonic())
        stopped.set()

    async def on_acquired(camera: str, cfg: object) -> None:
        raise AssertionError("nothing to claim")

    buckets = _UnansweredBuckets()
    coordinator = _coordinator(buckets, on_acquired, on_lost, renew_s=0.2, fence_s=0.5)
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


class _FlakyBuckets(_UnansweredBuckets):
    """Renewals time out while ``down``; everything else answers at once."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.deleted: list[str] = []

    async def renew(self, cam: str, **_: Any) -> int:  # type: ignore[override]
        if self.down:
            raise TimeoutError
        return 2

    async def heartbeat(self, **_: Any) -> None:  # type: ignore[override]
        return None

    async def delete(self, cam: str, **_: Any) -> None:  # type: ignore[override]
        self.deleted.append(cam)


async def test_no_camera_is_given_up_for_the_fair_share_while_renewals_fail() -> None:
    lost: list[tuple[str, str]] = []

    async def on_lost(camera: str, why: str) -> None:
        lost.append((camera, why))

    async def on_acquired(camera: str, cfg: object) -> None:
        raise AssertionError("nothing to claim")

    buckets = _FlakyBuckets()
    coordinator = _coordinator(buckets, on_acquired, on_lost)
    for cam in ("cam1", "cam2"):
        coordinator.state.configs[cam] = camera_config_pb2.CameraIngestConfig(
            camera_id=cam, revision=1, active=True, rtsp_url=f"rtsp://127.0.0.1/{cam}"
        )
        coordinator.held[cam] = _Held(1, utc_now(), time.monotonic(), 1)
    # A second worker came back: this one holds more than its share (1).
    coordinator.state.workers["w2"] = time.time()
    await coordinator.round()
    assert lost == []
    assert buckets.deleted == []
    assert set(coordinator.held) == {"cam1", "cam2"}
    buckets.down = False
    await coordinator.round()
    assert [why for _, why in lost] == ["released"]
    assert buckets.deleted == [lost[0][0]]


class _StaleBuckets(_FlakyBuckets):
    """The bucket still holds a lease past its TTL (its expiry lags a leader change): a create
    is refused; a compare-and-set on that lease's revision is accepted."""

    def __init__(self, revision: int) -> None:
        super().__init__()
        self.down = False
        self.revision = revision
        self.writes: list[int] = []

    async def create(self, cam: str, **_: Any) -> int:  # type: ignore[override]
        raise LeaseTakenError(cam)

    async def renew(self, cam: str, *, revision: int, **_: Any) -> int:  # type: ignore[override]
        self.writes.append(revision)
        if revision != self.revision:
            raise LeaseTakenError(cam)
        return revision + 1


async def test_a_lease_past_its_ttl_that_the_bucket_still_holds_is_taken_over() -> None:
    acquired: list[str] = []

    async def on_acquired(camera: str, cfg: object) -> None:
        acquired.append(camera)

    async def on_lost(camera: str, why: str) -> None:
        raise AssertionError("nothing held")

    def coordinator(buckets: _StaleBuckets, written_ago: float) -> LeaseCoordinator:
        c = _coordinator(buckets, on_acquired, on_lost)
        c.state.configs["cam1"] = camera_config_pb2.CameraIngestConfig(
            camera_id="cam1", revision=1, active=True, rtsp_url="rtsp://127.0.0.1/cam1"
        )
        # Seen last, by the watch, written by a worker since gone.
        c.state.holders["cam1"] = ("w2", time.time() - written_ago)
        c.state.revisions["cam1"] = 5
        return c

    # Written 11 s ago (TTL 10 s): taken over at the revision seen.
    stale = _StaleBuckets(revision=5)
    first = coordinator(stale, written_ago=11.0)
    await first.round()
    assert acquired == ["cam1"]
    assert stale.writes == [5]
    assert first.held["cam1"].revision == 6
    # Renewed since (another revision): refused, nothing taken.
    acquired.clear()
    renewed = _StaleBuckets(revision=7)
    second = coordinator(renewed, written_ago=11.0)
    await second.round()
    assert acquired == []
    assert renewed.writes == [5]
    assert second.held == {}
