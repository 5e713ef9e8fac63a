"""A service declaring R3 streams on a 3-node cluster that has no quorum yet (one node up):
the declaration times out, is retried, the service is not ready meanwhile (the check names
the stream) and it does not fail; once the other nodes start, the stream is created R3.

(Found by the fault suite: a service exited at start when an R3 stream's creation timed out
on the loaded machine, and was counted in its ``crash restarts``.)
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tncam_contracts.catalog import StreamSpec
from tncam_mesh.bus import connect
from tncam_mesh.declare import CHECK
from tncam_mesh.health import Health
from tncam_mesh.metrics import Metrics
from tncam_mesh.runtime import Runtime, declare_streams
from tncam_testkit.nats_cluster import NatsCluster

pytestmark = pytest.mark.integration


async def _failing_checks(health: Health) -> dict[str, str]:
    _, results = await health.ready()
    return {r.name: r.detail for r in results if not r.ok}


async def test_r3_streams_wait_for_the_cluster_instead_of_failing(tmp_path: Path) -> None:
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start(only=(0,))  # one node of three: no meta leader, requests time out
    try:
        bus = await connect(cluster.nodes[0].url, name="declare-test", timeout=10.0)
        bus.js = bus.nc.jetstream(timeout=0.5)  # short attempts (5 s in services)
        try:
            health = Health(started=True)
            rt: Runtime[Any] = Runtime(
                settings=SimpleNamespace(nats_namespace="", nats_replicas=3),
                metrics=Metrics("test", "i-1"),
                health=health,
                bus=bus,
                stopping=asyncio.Event(),
                tasks=None,  # type: ignore[arg-type]
                http_app=None,  # type: ignore[arg-type]
            )
            specs = [
                StreamSpec(name="DECLARE_A", subjects=("a.>",), description="a"),
                StreamSpec(name="DECLARE_B", subjects=("b.>",), description="b"),
            ]
            declaring = asyncio.create_task(declare_streams(rt, *specs))
            began = time.monotonic()
            while CHECK not in (failing := await _failing_checks(health)):
                assert not declaring.done(), declaring.exception()
                assert time.monotonic() - began < 15, failing
                await asyncio.sleep(0.1)
            assert "waiting for stream DECLARE_A (3 replicas): " in failing[CHECK]
            while "(attempt 2," not in failing.get(CHECK, ""):  # it goes on trying
                assert not declaring.done(), declaring.exception()
                assert time.monotonic() - began < 15, failing
                await asyncio.sleep(0.1)
                failing = await _failing_checks(health)
            await asyncio.gather(
                asyncio.to_thread(cluster.start_node, 1), asyncio.to_thread(cluster.start_node, 2)
            )
            await asyncio.wait_for(declaring, 60)
            assert await _failing_checks(health) == {}
            for spec in specs:
                info = await bus.js.stream_info(spec.name)
                assert info.config.num_replicas == 3
        finally:
            await bus.close(timeout=5.0)
    finally:
        cluster.stop()
