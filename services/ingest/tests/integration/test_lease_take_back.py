"""A lease that names this worker but that it does not hold is taken back at once, on real NATS.

Seen in the fault suite (a NATS node cut off, then healed): right after the heal a lease of
a worker's own turned up that the worker did not hold (a write of its own whose answer it never
got, or that landed after it had given the camera up). The other workers counted the camera
as that worker's, the worker itself counted it as held, and nobody recorded the camera until
the lease's TTL (10 s) had passed. The write is made here as such a late write would land: the
worker's own lease value, in the real bucket, behind the coordinator's back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tncam.camera.v1 import lease_pb2
from tncam_contracts.catalog import INGEST_LEASES_KV
from tncam_ingest.bus.leases import LeaseBuckets
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.leases import LeaseCoordinator
from tncam_mesh.clock import utc_now

from .conftest import Harness

pytestmark = pytest.mark.integration


async def _buckets(harness: Harness, worker: str) -> LeaseBuckets:
    """``worker``'s own lease buckets, opened: its writes, made behind any coordinator."""
    own = LeaseBuckets(harness.bus.js, namespace=harness.namespace, worker_id=worker)
    await own.open()
    return own


async def _coordinator(
    harness: Harness, on_acquired: Callable[[str, Any], Awaitable[None]]
) -> LeaseCoordinator:
    """Worker ``w1``'s coordinator on the real buckets, opened (rounds of 1 s)."""

    async def on_lost(camera: str, why: str) -> None:
        return None

    coordinator = LeaseCoordinator(
        harness.bus.js,
        worker_id="w1",
        namespace=harness.namespace,
        metrics=IngestMetrics(),
        on_acquired=on_acquired,
        on_lost=on_lost,
        renew_s=1.0,
        fence_s=3.0,
    )
    await coordinator.open()
    return coordinator


async def test_a_stray_lease_of_its_own_is_taken_back_before_its_ttl(harness: Harness) -> None:
    await harness.put_camera("cam-stray", "rtsp://127.0.0.1:9/never")
    # w1's lease as its own late write would land.
    w1 = await _buckets(harness, "w1")
    stray = await w1.create("cam-stray", since=utc_now(), config_revision=1)
    acquired: dict[str, float] = {}
    won = asyncio.Event()

    async def on_acquired(camera: str, cfg: Any) -> None:
        acquired[camera] = time.monotonic()
        won.set()

    coordinator = await _coordinator(harness, on_acquired)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(coordinator.run(stop))
    try:
        async with asyncio.timeout(INGEST_LEASES_KV.ttl_s):
            await won.wait()
        took = acquired["cam-stray"] - started
        # Taken back in the first rounds: not left to expire (the TTL, 10 s).
        assert took < 3.0, took
        held = coordinator.held["cam-stray"]
        assert held.revision > stray
        kv = await harness.bus.js.key_value(INGEST_LEASES_KV.scoped(harness.namespace).bucket)
        entry = await kv.get("cam-stray")
        assert entry.revision == held.revision
        assert lease_pb2.IngestLease.FromString(entry.value or b"").worker_id == "w1"
    finally:
        stop.set()
        async with asyncio.timeout(10):
            await task


async def test_another_workers_lease_is_left_alone(harness: Harness) -> None:
    """Only a lease naming this worker is taken back: one of another live worker's stays."""
    await harness.put_camera("cam-other", "rtsp://127.0.0.1:9/never")
    w2 = await _buckets(harness, "w2")
    theirs = await w2.create("cam-other", since=utc_now(), config_revision=1)
    acquired: list[str] = []

    async def on_acquired(camera: str, cfg: Any) -> None:
        acquired.append(camera)

    coordinator = await _coordinator(harness, on_acquired)
    stop = asyncio.Event()
    task = asyncio.create_task(coordinator.run(stop))
    kv = await harness.bus.js.key_value(INGEST_LEASES_KV.scoped(harness.namespace).bucket)
    try:
        for _ in range(6):  # w2 alive and renewing for 3 s: six of w1's rounds
            await w2.heartbeat(leases_held=1, started_at=utc_now())
            theirs = await w2.renew(
                "cam-other", since=utc_now(), config_revision=1, revision=theirs
            )
            await asyncio.sleep(0.5)
        assert acquired == []
        entry = await kv.get("cam-other")
        assert entry.revision == theirs
    finally:
        stop.set()
        async with asyncio.timeout(10):
            await task
