"""The sequencer: one writer at a time, takeover, invalid messages dead-lettered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from prometheus_client import CollectorRegistry

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.common.v1 import actor_pb2
from tncam_audit.consumers.sequencer import DURABLE, Sequencer
from tncam_audit.db import pg
from tncam_audit.db.log_store import writer_lock_holder
from tncam_audit.metrics import AuditMetrics
from tncam_audit.settings import AuditSettings
from tncam_contracts.catalog import AUDIT_EVENT_RECORDED, AUDIT_STREAM, DEADLETTER_STREAM
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus
from tncam_mesh.jetstream import ensure_stream, publish

pytestmark = pytest.mark.integration


def event() -> pb.AuditEvent:
    e = pb.AuditEvent(
        event_id=str(uuid.uuid4()),
        actor=actor_pb2.Actor(id="svc", role=actor_pb2.ROLE_SERVICE),
        action="camera.config.updated",
        source_service="registry",
    )
    e.occurred_at.GetCurrentTime()
    return e


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)


async def until_async(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await check():
                return
            await asyncio.sleep(0.1)


async def _at_least(audit_db, n: int) -> bool:  # type: ignore[no-untyped-def]
    return (await count(audit_db))[0] >= n


async def count(audit_db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    conn = await audit_db.admin()
    try:
        row = await conn.fetchrow(
            "SELECT count(*), coalesce(max(seq), 0), count(DISTINCT event_id) FROM log_entries"
        )
        return row[0], row[1], row[2]
    finally:
        await conn.close()


async def test_two_replicas_never_write_concurrently_and_the_standby_takes_over(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings], bus: Bus, namespace: str, audit_db
) -> None:
    settings = make_settings(batch_max=50)
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(namespace))
    stops = [asyncio.Event(), asyncio.Event()]
    seqs = [Sequencer(settings, bus.js, AuditMetrics(CollectorRegistry()), stop) for stop in stops]
    tasks = [asyncio.create_task(s.run()) for s in seqs]
    client = AuditClient(bus.js, service="registry", namespace=namespace)
    observed_leaders: list[int] = []
    holders: set[int] = set()
    watcher = await pg.connect(settings, purpose="watch")

    async def watch() -> None:
        while True:
            observed_leaders.append(sum(s.is_leader.is_set() for s in seqs))
            holder = await writer_lock_holder(watcher)
            if holder is not None:
                holders.add(holder)
            await asyncio.sleep(0.01)

    watching = asyncio.create_task(watch())
    try:
        await until(lambda: any(s.is_leader.is_set() for s in seqs))
        leader = next(i for i, s in enumerate(seqs) if s.is_leader.is_set())
        for _ in range(300):
            await client.record(event())
        await until_async(lambda: _at_least(audit_db, 300))
        # The leader stops (its connection closes, releasing the lock): the standby takes over.
        stops[leader].set()
        await asyncio.wait_for(tasks[leader], 10)
        for _ in range(200):
            await client.record(event())
        await until_async(lambda: _at_least(audit_db, 500))
        assert seqs[1 - leader].is_leader.is_set()
    finally:
        watching.cancel()
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await watcher.close()
    assert max(observed_leaders) == 1, "two sequencers were active at once"
    assert len(holders) == 2  # the lock moved from one backend to the other
    rows, last, distinct = await count(audit_db)
    assert (rows, last, distinct) == (500, 500, 500)


async def test_invalid_messages_are_dead_lettered_not_appended(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings], bus: Bus, namespace: str, audit_db
) -> None:
    settings = make_settings()
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(namespace))
    await ensure_stream(bus.js, DEADLETTER_STREAM.scoped(namespace))
    metrics = AuditMetrics(CollectorRegistry())
    stop = asyncio.Event()
    task = asyncio.create_task(Sequencer(settings, bus.js, metrics, stop).run())
    subject = AUDIT_EVENT_RECORDED.subject("gateway", namespace)
    try:
        await publish(bus.js, subject, pb.AuditEvent(action="no.id"), msg_id="no-id")
        await bus.js.publish(subject, b"\xff\xff garbage", headers={"Nats-Msg-Id": "junk"})
        good = event()
        await publish(bus.js, subject, good, msg_id=good.event_id)
        await until_async(lambda: _at_least(audit_db, 1))
        await until(lambda: metrics.rejected._value.get() >= 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert (await count(audit_db))[0] == 1
    sub = await bus.js.pull_subscribe(
        f"{namespace}.tncam.deadletter.v1.>",
        durable=None,
        stream=DEADLETTER_STREAM.scoped(namespace).name,
    )
    msgs = await sub.fetch(5, timeout=3)
    assert len(msgs) == 2
    assert {m.headers.get("Nats-Msg-Id", "").startswith("dlq:") for m in msgs} == {True}


async def test_the_sequencer_binds_again_when_its_consumer_stops_answering(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings], bus: Bus, namespace: str, audit_db
) -> None:
    # Its fetches then fail with ServiceUnavailable (no responders), as the fault suite saw
    # after a partition: the sequencer must declare the consumer and bind a new subscription
    # rather than fetch on the dead one forever.
    settings = make_settings()
    stream = AUDIT_STREAM.scoped(namespace).name
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(namespace))
    stop = asyncio.Event()
    seq = Sequencer(settings, bus.js, AuditMetrics(CollectorRegistry()), stop)
    task = asyncio.create_task(seq.run())
    client = AuditClient(bus.js, service="registry", namespace=namespace)
    try:
        await until(seq.is_leader.is_set)
        for _ in range(5):
            await client.record(event())
        await until_async(lambda: _at_least(audit_db, 5))
        await bus.js.delete_consumer(stream, DURABLE)
        for _ in range(5):
            await client.record(event())
        await until_async(lambda: _at_least(audit_db, 10), timeout=15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert await count(audit_db) == (10, 10, 10)
