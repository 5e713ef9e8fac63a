"""Faults of the whole mesh under a steady load of cameras, one at a time, on one platform.

Each case waits for steady load (every service ready, every camera connected and recording),
breaks one thing, repairs it as Kubernetes or an operator would, and then checks the same
invariants (tests/faults/invariants.py): every segment ingest handed off is stored exactly once
or counted and audited as dropped, no gap but where ingest could not reach the cameras, every
audit event accepted is in the chain exactly once and ``tncam audit verify`` passes, camera
states settle within 30 s, every service is ready again. The table of lost, duplicated and
recovery time per case is printed at the end of the run and written to ``var/faults.txt``.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tncam_contracts.catalog import EVENTS, HEADER_MSG_ID
from tncam_mesh.bus import connect
from tncam_testkit.rtsp_quirks import RtspQuirks

from . import clock
from .cases import TABLE, Row, fault_case, now
from .invariants import Observer, recording_since
from .platform import MESH, Platform, wait_until

pytestmark = pytest.mark.faults

#: S3 away for this long (issue 18).
S3_AWAY_S = 60.0
#: One node cut off from the other two for this long.
PARTITION_S = 10.0


def test_the_platform_started_without_a_service_exiting(platform: Platform) -> None:
    # Its row: the seconds the platform took to start (servers, services, fleet imported).
    crashes = list(platform.crashes)
    TABLE.append(Row("platform start", 0, 0, 0, 0, 0, round(platform.start_s, 1), len(crashes)))
    # Seen before: a service exited when the 3-node cluster, still forming on the loaded
    # machine, did not answer an R3 stream's creation in time (now waited for, not ready).
    assert not crashes, crashes


def test_s3_away_60_s_and_a_camera_clock_jumping_meanwhile(
    platform: Platform, observer: Observer, quirks_front: RtspQuirks
) -> None:
    # First: the outage's 60 s also host the clock case (its checks are its own and exact:
    # tests/faults/clock.py) and the imports of the processes that the SIGKILL cases restart.
    with fault_case(platform, observer, "S3 away 60 s") as case:
        platform.s3.stop()
        away = time.monotonic()
        for service in MESH:
            platform.prepare(service)
        jump = clock.jump_and_back(platform, observer, quirks_front)
        time.sleep(max(0.0, S3_AWAY_S - (time.monotonic() - away)))  # the outage is the case
        platform.s3.start()
        case.fault_over()
    clock.check(platform, observer, jump, "during S3 away")


@pytest.mark.parametrize("service", ["ingest", "recorder", "registry", "audit", "gateway"])
def test_sigkill_of_a_service_then_restart(
    platform: Platform, observer: Observer, service: str
) -> None:
    platform.prepare(service)  # its imports (done already when the S3 case ran first)
    with fault_case(
        platform, observer, f"SIGKILL {service}", unreachable=service == "ingest"
    ) as case:
        if service == "audit":
            # Mid-batch: events are still arriving when it dies.
            from .cases import publish_audit

            publish_audit(platform, 500)
        platform.kill(service)
        platform.start_service(service)  # restarted, as a Deployment's controller does
        case.fault_over()


def test_nats_server_restart(platform: Platform, observer: Observer) -> None:
    with fault_case(platform, observer, "nats-server restart (all 3 nodes)") as case:
        platform.nats.stop()
        platform.nats.start()
        case.fault_over()


def test_nats_cluster_loses_one_node(platform: Platform, observer: Observer) -> None:
    streams = asyncio.run(_replicas(platform))
    assert streams
    assert set(streams.values()) == {3}, streams
    with fault_case(platform, observer, "NATS cluster: one node lost") as case:
        lost_at = now()
        platform.nats.kill_node(0)
        # The mesh goes on with two nodes: every camera records past the loss.
        wait_until("recording on two nodes", lambda: recording_since(platform, lost_at), 60)
        platform.nats.start_node(0)
        case.fault_over()


def test_nats_cluster_node_partitioned(platform: Platform, observer: Observer) -> None:
    # Its clients stay connected to it but it reaches neither peer. Seen here: every camera
    # has a gap the length of the partition (the only ingest worker, when connected to that
    # node, can neither renew its leases in the R3 bucket nor hand off, and nats-py does not
    # leave a node whose connection still answers). Allowed, as for cameras ingest cannot
    # reach: nothing handed off may be lost or doubled. (A second worker would take over.)
    with fault_case(
        platform, observer, "NATS cluster: one node partitioned", unreachable=True
    ) as case:
        platform.nats.partition(2)
        time.sleep(PARTITION_S)  # the partition itself is the case
        platform.nats.heal(2)
        platform.nats.wait_healthy(platform.nats.nodes[2])
        case.fault_over()


async def _replicas(platform: Platform) -> dict[str, int]:
    """Each stream of the namespace (buckets included) and its number of replicas."""
    bus = await connect(platform.nats_urls, name="faults-streams", timeout=5.0)
    try:
        names = await bus.js.streams_info()
        return {
            s.config.name: int(s.config.num_replicas or 1)
            for s in names
            if platform.namespace.upper() in s.config.name.upper()
        }
    finally:
        await bus.close(timeout=5.0)


def test_postgresql_restart(platform: Platform, observer: Observer) -> None:
    with fault_case(platform, observer, "PostgreSQL restart") as case:
        platform.pg.stop()
        platform.pg.start()
        case.fault_over()


async def _redeliver(platform: Platform, observer: Observer) -> set[str]:
    """Publish the last message of every event type twice more: with its own Nats-Msg-Id
    (JetStream's duplicate window) and with a new one (the consumers must be idempotent)."""
    with observer._lock:
        samples = dict(observer.samples)
    bus = await connect(platform.nats_urls, name="faults-duplicates", timeout=5.0)
    try:
        for subject, headers, data in samples.values():
            await bus.js.publish(subject, data, headers=headers)
            fresh = {**headers, HEADER_MSG_ID: f"dup-{uuid.uuid4()}"}
            await bus.js.publish(subject, data, headers=fresh)
    finally:
        await bus.close(timeout=5.0)
    return set(samples)


def test_duplicate_delivery_of_every_message_type(platform: Platform, observer: Observer) -> None:
    with fault_case(platform, observer, "duplicate delivery") as case:
        sent = asyncio.run(_redeliver(platform, observer))
        case.fault_over()
    # Every type the mesh produced under load was sent twice more (grants need an operator).
    produced = {e.message.DESCRIPTOR.full_name for e in EVENTS}
    expected = produced - {
        "tncam.gateway.v1.GrantIssued",
        "tncam.gateway.v1.GrantRevoked",
        "tncam.deadletter.v1.DeadLetter",
    }
    assert expected <= sent, sorted(expected - sent)
