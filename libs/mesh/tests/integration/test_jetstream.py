"""Streams, consumers, publish and the pull-consumer loop against a real nats-server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from tncam.deadletter.v1 import dead_letter_pb2
from tncam_contracts.catalog import Discard, KVSpec, Retention, StreamSpec
from tncam_mesh import tracing
from tncam_mesh.bus import Bus, connect
from tncam_mesh.consumer import Delivery, Outcome, consume
from tncam_mesh.deadletter import (
    DLQ_ERROR_CODE,
    DLQ_ERROR_MESSAGE,
    DLQ_NUM_DELIVERED,
    DLQ_REASON,
    DLQ_STREAM,
    DLQ_STREAM_SEQ,
    DLQ_SUBJECT,
)
from tncam_mesh.errors import (
    ConfigurationError,
    InvalidInputError,
    UnavailableError,
)
from tncam_mesh.jetstream import (
    ConsumerSpec,
    DeliverPolicy,
    ensure_consumer,
    ensure_kv,
    ensure_stream,
    observe_publishes,
    publish,
)
from tncam_mesh.tracing import TraceContext
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port

pytestmark = pytest.mark.integration

Handler = Callable[[Delivery], Awaitable[None]]


def events_stream(ns: str) -> StreamSpec:
    return StreamSpec(name="EVENTS", subjects=("ev.>",), description="test events").scoped(ns)


def dead_letter_stream(ns: str) -> StreamSpec:
    return StreamSpec(name="DLQ", subjects=("dlq.>",), description="dead letters").scoped(ns)


def worker(ns: str, **changes: object) -> ConsumerSpec:
    spec = ConsumerSpec(
        durable="worker",
        filter_subjects=("ev.>",),
        ack_wait_s=1.0,
        max_deliver=3,
        backoff_s=(0.1, 0.2),
    ).scoped(ns)
    return replace(spec, **changes)  # type: ignore[arg-type]


def event(**fields: object) -> Struct:
    s = Struct()
    s.update(fields)
    return s


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polls state that other tasks change
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def consuming(
    bus: Bus,
    stream: StreamSpec,
    spec: ConsumerSpec,
    handler: Handler,
    dead_letter_subject: str | None = None,
) -> AsyncIterator[list[Outcome]]:
    """Run the consumer loop in a task group while the block runs; stop it after."""
    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(
            consume(
                bus.js,
                stream=stream.name,
                consumer=spec,
                handler=handler,
                stop=stop,
                dead_letter_subject=dead_letter_subject,
                on_outcome=outcomes.append,
                fetch_timeout=0.5,
                service="mesh-test",
                worker_id="w1",
            )
        )
        try:
            yield outcomes
        finally:
            stop.set()


# --------------------------------------------------------------------------------- streams


async def test_ensure_stream_creates_then_is_a_no_op_then_updates(bus: Bus, ns: str) -> None:
    spec = StreamSpec(
        name="FULL",
        subjects=("full.a.*", "full.b.>"),
        description="every field mapped",
        retention=Retention.LIMITS,
        discard=Discard.NEW,
        max_age_s=3600.0,
        max_bytes=64 * 1024 * 1024,
        max_msg_size=1024 * 1024,
        duplicate_window_s=60.0,
        deny_delete=True,
        deny_purge=True,
        replicas=1,
        allow_direct=False,
        max_msgs=10_000,
        max_msgs_per_subject=100,
    ).scoped(ns)

    assert await ensure_stream(bus.js, spec) == "created"
    assert await ensure_stream(bus.js, spec) == "unchanged"
    first = await bus.js.stream_info(spec.name)
    c = first.config
    assert sorted(c.subjects or []) == sorted(spec.subjects)
    assert c.description == "every field mapped"
    assert (c.retention, c.discard, c.storage) == ("limits", "new", "file")
    assert (c.max_age, c.duplicate_window) == (3600.0, 60.0)
    assert (c.max_bytes, c.max_msg_size) == (64 * 1024 * 1024, 1024 * 1024)
    assert (c.deny_delete, c.deny_purge, bool(c.allow_direct)) == (True, True, False)
    assert (c.num_replicas, c.max_msgs, c.max_msgs_per_subject) == (1, 10_000, 100)

    changed = replace(spec, max_age_s=7200.0, description="changed", allow_direct=True)
    assert await ensure_stream(bus.js, changed) == "updated"
    assert await ensure_stream(bus.js, changed) == "unchanged"
    after = await bus.js.stream_info(spec.name)
    assert (after.config.max_age, after.config.description) == (7200.0, "changed")
    assert after.config.allow_direct is True
    assert after.created == first.created, "updated in place, not recreated"


async def test_ensure_stream_refusal_is_a_configuration_error(bus: Bus, ns: str) -> None:
    spec = StreamSpec(name="WQ", subjects=("wq.>",), description="work queue").scoped(ns)
    await ensure_stream(bus.js, replace(spec, retention=Retention.WORK_QUEUE))
    # The server cannot change a stream's retention in place.
    with pytest.raises(ConfigurationError) as err:
        await ensure_stream(bus.js, replace(spec, retention=Retention.INTEREST))
    assert err.value.code == "bus.stream.rejected"

    invalid = replace(spec, name=f"{spec.name}2", subjects=(f"{ns}.wq2.>",), max_age_s=10.0)
    with pytest.raises(ConfigurationError) as err:  # duplicate window longer than max age
        await ensure_stream(bus.js, invalid)
    assert err.value.code == "bus.stream.rejected"
    assert "duplicates window" in err.value.message


async def test_ensure_consumer_is_idempotent_and_updates(bus: Bus, ns: str) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    spec = worker(ns)
    assert await ensure_consumer(bus.js, stream.name, spec) == "created"
    assert await ensure_consumer(bus.js, stream.name, spec) == "unchanged"

    two = replace(spec, ack_wait_s=2.5, filter_subjects=(f"{ns}.ev.a", f"{ns}.ev.b"))
    assert await ensure_consumer(bus.js, stream.name, two) == "updated"
    assert await ensure_consumer(bus.js, stream.name, two) == "unchanged"
    info = await bus.js.consumer_info(stream.name, "worker")
    assert info.config.ack_wait == 2.5
    assert sorted(info.config.filter_subjects or []) == [f"{ns}.ev.a", f"{ns}.ev.b"]
    assert (info.config.max_deliver, info.config.ack_policy) == (3, "explicit")

    with pytest.raises(ConfigurationError) as err:
        await ensure_consumer(bus.js, stream.name, replace(two, deliver_policy=DeliverPolicy.NEW))
    assert err.value.code == "bus.consumer.rejected"


# --------------------------------------------------------------------------------- publish


async def test_publish_sets_headers_and_deduplicates_by_msg_id(bus: Bus, ns: str) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    subject = f"{ns}.ev.cam1"

    first = await publish(bus.js, subject, event(n=1), msg_id="cam1:0001")
    again = await publish(bus.js, subject, event(n=1), msg_id="cam1:0001")
    other = await publish(bus.js, subject, event(n=2), msg_id="cam1:0002")

    assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
    assert first.stream == stream.name
    assert again.seq == first.seq
    info = await bus.js.stream_info(stream.name)
    assert info.state.messages == 2

    stored = await bus.js.get_msg(stream.name, first.seq)
    headers = stored.headers or {}
    assert headers["Nats-Msg-Id"] == "cam1:0001"
    assert headers["Tncam-Type"] == "google.protobuf.Struct"
    assert headers["Content-Type"] == "application/protobuf"
    assert TraceContext.parse(headers["traceparent"]) is not None
    assert Struct.FromString(stored.data or b"") == event(n=1)


async def test_publish_without_a_stream_is_unavailable(bus: Bus, ns: str) -> None:
    with pytest.raises(UnavailableError) as err:
        await publish(bus.js, f"{ns}.nowhere", event(), msg_id="x", timeout=1.0)
    assert err.value.code == "bus.publish.unavailable"
    assert err.value.retryable


# --------------------------------------------------------------------------------- consume


async def test_round_trip_propagates_trace_and_acks(bus: Bus, ns: str) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    seen: list[tuple[Delivery, Struct, str | None]] = []

    async def handler(d: Delivery) -> None:
        seen.append((d, d.decode(Struct), tracing.trace_id_var.get()))

    origin = TraceContext.new()
    with tracing.bound(origin):
        await publish(bus.js, f"{ns}.ev.cam7", event(camera="cam7"), msg_id="cam7:1")

    async with consuming(bus, stream, worker(ns), handler) as outcomes:
        await eventually(lambda: outcomes == ["ack"])

    [(delivery, message, bound_trace)] = seen
    assert message == event(camera="cam7")
    assert delivery.subject == f"{ns}.ev.cam7"
    assert (delivery.num_delivered, delivery.stream_seq, delivery.msg_id) == (1, 1, "cam7:1")
    assert delivery.message_type == "google.protobuf.Struct"
    assert delivery.trace.trace_id == origin.trace_id == bound_trace
    assert delivery.trace.span_id != origin.span_id

    info = await bus.js.consumer_info(stream.name, "worker")
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0)
    await asyncio.sleep(1.2)  # past ack_wait: an unconfirmed ack would redeliver now
    assert len(seen) == 1


@pytest.mark.parametrize(
    "first_failure",
    [
        UnavailableError("test.db.unavailable", "database restarting"),
        RuntimeError("an unexpected bug counts as retryable"),
    ],
    ids=["retryable-error", "unexpected-exception"],
)
async def test_retryable_failure_is_redelivered_then_succeeds(
    bus: Bus, ns: str, first_failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    attempts: list[tuple[int, float]] = []

    async def handler(d: Delivery) -> None:
        attempts.append((d.num_delivered, time.monotonic()))
        if d.num_delivered == 1:
            raise first_failure

    await publish(bus.js, f"{ns}.ev.cam1", event(n=1), msg_id="m1")
    with caplog.at_level(logging.WARNING, logger="tncam.mesh.consumer"):
        async with consuming(bus, stream, worker(ns), handler) as outcomes:
            await eventually(lambda: outcomes == ["nak", "ack"])

    assert [n for n, _ in attempts] == [1, 2]
    assert attempts[1][1] - attempts[0][1] >= 0.09, "nak'd with the first backoff delay"
    info = await bus.js.consumer_info(stream.name, "worker")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    assert "failed on delivery 1/3" in caplog.text


async def test_permanent_failure_is_dead_lettered_and_terminated(bus: Bus, ns: str) -> None:
    stream, dlq = events_stream(ns), dead_letter_stream(ns)
    await ensure_stream(bus.js, stream)
    await ensure_stream(bus.js, dlq)
    calls: list[int] = []

    async def handler(d: Delivery) -> None:
        calls.append(d.num_delivered)
        d.decode(Timestamp)  # a Struct is not a Timestamp: InvalidInputError, permanent

    origin = TraceContext.new()
    with tracing.bound(origin):
        sent = await publish(bus.js, f"{ns}.ev.cam2", event(n=2), msg_id="cam2:1")
    async with consuming(bus, stream, worker(ns), handler, f"{ns}.dlq.events") as outcomes:
        await eventually(lambda: outcomes == ["dead_letter"])
        await asyncio.sleep(1.3)  # past ack_wait: a terminated message is not redelivered
        assert outcomes == ["dead_letter"]
    assert calls == [1]

    info = await bus.js.consumer_info(stream.name, "worker")
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0)

    dead = await bus.js.get_msg(dlq.name, 1)
    h = dead.headers or {}
    assert h[DLQ_SUBJECT] == f"{ns}.ev.cam2"
    assert h[DLQ_STREAM] == stream.name
    assert h[DLQ_STREAM_SEQ] == str(sent.seq)
    assert h[DLQ_NUM_DELIVERED] == "1"
    assert h[DLQ_ERROR_CODE] == "bus.consume.wrong_type"
    assert "google.protobuf.Timestamp" in h[DLQ_ERROR_MESSAGE]
    assert h[DLQ_REASON] == "permanent"
    assert h["Tncam-Type"] == "tncam.deadletter.v1.DeadLetter"
    assert TraceContext.parse(h["traceparent"]).trace_id == origin.trace_id  # type: ignore[union-attr]

    record = dead_letter_pb2.DeadLetter.FromString(dead.data or b"")
    assert Struct.FromString(record.payload) == event(n=2)
    assert (record.original_subject, record.original_type) == (
        f"{ns}.ev.cam2",
        "google.protobuf.Struct",
    )
    assert record.headers["Nats-Msg-Id"] == "cam2:1"
    assert (record.stream, record.consumer, record.stream_sequence) == (stream.name, "worker", 1)
    assert (record.deliveries, record.permanent, record.error_code) == (
        1,
        True,
        "bus.consume.wrong_type",
    )
    assert (record.service, record.worker_id) == ("mesh-test", "w1")
    assert record.failed_at.seconds > 0


async def test_always_failing_message_is_dead_lettered_after_max_deliver(bus: Bus, ns: str) -> None:
    stream, dlq = events_stream(ns), dead_letter_stream(ns)
    await ensure_stream(bus.js, stream)
    await ensure_stream(bus.js, dlq)
    calls: list[int] = []

    async def handler(d: Delivery) -> None:
        calls.append(d.num_delivered)
        raise UnavailableError("test.s3.unavailable", "object store down")

    await publish(bus.js, f"{ns}.ev.cam3", event(n=3), msg_id="cam3:1")
    async with consuming(bus, stream, worker(ns), handler, f"{ns}.dlq.events") as outcomes:
        await eventually(lambda: outcomes == ["nak", "nak", "dead_letter"])
    assert calls == [1, 2, 3]

    dead = await bus.js.get_msg(dlq.name, 1)
    h = dead.headers or {}
    assert (h[DLQ_REASON], h[DLQ_NUM_DELIVERED], h[DLQ_ERROR_CODE]) == (
        "max_deliver",
        "3",
        "test.s3.unavailable",
    )
    record = dead_letter_pb2.DeadLetter.FromString(dead.data or b"")
    assert (record.deliveries, record.permanent) == (3, False)
    info = await bus.js.consumer_info(stream.name, "worker")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)


async def test_permanent_failure_without_dead_letter_subject_is_terminated(
    bus: Bus, ns: str
) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)

    async def handler(d: Delivery) -> None:
        raise InvalidInputError("test.input.bad", "nonsense")

    await publish(bus.js, f"{ns}.ev.cam4", event(), msg_id="cam4:1")
    async with consuming(bus, stream, worker(ns), handler) as outcomes:
        await eventually(lambda: outcomes == ["term"])
    info = await bus.js.consumer_info(stream.name, "worker")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)


async def test_failed_dead_letter_leaves_the_message_unterminated(bus: Bus, ns: str) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    calls: list[int] = []

    async def handler(d: Delivery) -> None:
        calls.append(d.num_delivered)
        raise InvalidInputError("test.input.bad", "nonsense")

    await publish(bus.js, f"{ns}.ev.cam8", event(), msg_id="cam8:1")
    # No stream captures this dead-letter subject: the record cannot be stored.
    async with consuming(bus, stream, worker(ns), handler, f"{ns}.nowhere") as outcomes:
        await eventually(lambda: outcomes[:1] == ["dead_letter_failed"])
        await eventually(lambda: len(calls) >= 2, timeout=5.0)  # nak'd, so delivered again
    assert calls[:2] == [1, 2]


async def test_stop_finishes_the_message_in_flight(bus: Bus, ns: str) -> None:
    stream = events_stream(ns)
    await ensure_stream(bus.js, stream)
    started, finished = asyncio.Event(), asyncio.Event()

    async def handler(d: Delivery) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.set()

    await publish(bus.js, f"{ns}.ev.cam5", event(), msg_id="cam5:1")
    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(
            consume(
                bus.js,
                stream=stream.name,
                consumer=worker(ns),
                handler=handler,
                stop=stop,
                on_outcome=outcomes.append,
            )
        )
        await started.wait()
        stop.set()
        await task
    assert finished.is_set()
    assert outcomes == ["ack"]


# ------------------------------------------------------------------------------- connection


async def test_close_drains_pending_messages(nats_server: NatsServer, ns: str) -> None:
    b = await connect(nats_server.url, name="tncam-drain-test", timeout=5.0)
    received: list[bytes] = []

    async def slow(msg: object) -> None:
        await asyncio.sleep(0.01)
        received.append(msg.data)  # type: ignore[attr-defined]

    await b.nc.subscribe(f"{ns}.core", cb=slow)
    for i in range(20):
        await b.nc.publish(f"{ns}.core", str(i).encode())
    await b.nc.flush()

    await b.close(timeout=5.0)
    assert b.is_closed
    assert not b.is_connected
    assert received == [str(i).encode() for i in range(20)]
    await b.close(timeout=1.0)  # closing twice is harmless


async def test_connect_gives_up_after_timeout_without_leaking_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"nats://tncam:hunter2@127.0.0.1:{free_port()}"
    started = time.monotonic()
    with (
        caplog.at_level(logging.DEBUG, logger="tncam.mesh.bus"),
        pytest.raises(UnavailableError) as err,
    ):
        await connect(url, name="tncam-nowhere", timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 3.0
    assert err.value.code == "bus.connect.unavailable"
    assert "hunter2" not in str(err.value)
    assert "hunter2" not in caplog.text
    assert "tncam:***@127.0.0.1" in str(err.value)


async def test_consumer_survives_a_server_restart(tmp_path: Path, ns: str) -> None:
    server = NatsServer(tmp_path / "nats")
    server.start()
    states: list[str] = []
    try:
        b = await connect(server.url, name="tncam-restart-test", on_state=states.append)
        try:
            stream = events_stream(ns)
            await ensure_stream(b.js, stream)
            seen: list[str] = []

            async def handler(d: Delivery) -> None:
                seen.append(d.msg_id or "")

            async with consuming(b, stream, worker(ns), handler) as outcomes:
                await publish(b.js, f"{ns}.ev.cam6", event(n=1), msg_id="before")
                await eventually(lambda: outcomes == ["ack"])

                await asyncio.to_thread(server.restart)  # blocking; keep the loop running
                await eventually(lambda: "reconnected" in states, timeout=10.0)

                async with asyncio.timeout(10.0):
                    while True:
                        try:
                            await publish(b.js, f"{ns}.ev.cam6", event(n=2), msg_id="after")
                            break
                        except UnavailableError:
                            await asyncio.sleep(0.1)  # JetStream may still be recovering
                await eventually(lambda: outcomes == ["ack", "ack"], timeout=10.0)
            assert seen == ["before", "after"]
            assert states[:3] == ["connected", "disconnected", "reconnected"]
            assert b.is_connected
        finally:
            await b.close(timeout=5.0)
        assert states[-1] == "closed"
    finally:
        server.stop()


async def test_ensure_kv_survives_the_creation_race(bus: Bus, ns: str) -> None:
    # Several processes (ingest workers, the registry) declare the bucket at once, each with
    # its own settings: the losers of the race open the winner's bucket instead of failing.
    specs = [KVSpec(bucket="race", description=f"declared by {i}").scoped(ns) for i in range(4)]
    kvs = await asyncio.gather(*(ensure_kv(bus.js, s) for s in specs))
    assert {(await kv.status()).bucket for kv in kvs} == {specs[0].bucket}
    await kvs[0].put("cam1", b"x")
    assert (await kvs[-1].get("cam1")).value == b"x"
    assert await ensure_kv(bus.js, specs[0]) is not None  # opening an existing bucket


async def test_publishes_are_reported_to_the_observer(ns: str, nats_server: NatsServer) -> None:
    seen: list[tuple[str, str]] = []
    own = await connect(nats_server.url, name="tncam-mesh-test-observer", timeout=5.0)
    try:
        observe_publishes(own.js, lambda stream, result: seen.append((stream, result)))
        stream = events_stream(ns)
        await ensure_stream(own.js, stream)
        await publish(own.js, f"{ns}.ev.a", event(n=1), msg_id="m1")
        await publish(own.js, f"{ns}.ev.a", event(n=1), msg_id="m1")
        with pytest.raises(UnavailableError):
            await publish(own.js, f"{ns}.nostream.a", event(n=2), msg_id="m2", timeout=1.0)
    finally:
        await own.close(timeout=5.0)
    assert seen == [(stream.name, "ok"), (stream.name, "duplicate"), ("", "unavailable")]
