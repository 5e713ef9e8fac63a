"""Request/reply over NATS micro: replies, stable error codes, no responders, trace context."""

from __future__ import annotations

import asyncio
import time

import pytest
from google.protobuf import struct_pb2, wrappers_pb2
from nats.aio.msg import Msg

from tncam_contracts.catalog import RequestSpec
from tncam_mesh import tracing
from tncam_mesh.bus import Bus
from tncam_mesh.errors import NotFoundError, TncamError, UnavailableError
from tncam_mesh.rpc import RpcService, call, call_subject

pytestmark = pytest.mark.integration

ECHO = RequestSpec("tncam.test.v1.echo", "Echo a string.")
FIND = RequestSpec("tncam.test.v1.find", "Find or raise.")


async def test_round_trip_errors_and_trace(
    bus: Bus, ns: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen_traces: list[str] = []
    svc = RpcService(bus, name="test", version="0.1.0", namespace=ns)
    outcomes: list[tuple[str, str]] = []
    svc.on_request = lambda op, outcome, _s: outcomes.append((op, outcome))
    await svc.start()

    async def echo(req: wrappers_pb2.StringValue) -> wrappers_pb2.StringValue:
        seen_traces.append(tracing.current().trace_id)
        return wrappers_pb2.StringValue(value=req.value.upper())

    async def find(req: wrappers_pb2.StringValue) -> struct_pb2.Struct:
        if req.value == "boom":
            raise RuntimeError("SELECT credentials_sealed FROM cameras WHERE id = $1 ['CAM-9']")
        if req.value == "full":
            raise UnavailableError("test.find.capacity", "full", details={"retry_after_s": 7})
        raise NotFoundError("registry.camera.not_found", f"no camera {req.value}")

    await svc.add(ECHO, wrappers_pb2.StringValue, echo)
    await svc.add(FIND, wrappers_pb2.StringValue, find)
    try:
        with tracing.bound() as ctx:
            reply = await call(
                bus,
                ECHO,
                wrappers_pb2.StringValue(value="xin chào"),
                wrappers_pb2.StringValue,
                namespace=ns,
            )
        assert reply.value == "XIN CHÀO"
        assert seen_traces == [ctx.trace_id]

        with pytest.raises(NotFoundError) as nf:
            await call(
                bus, FIND, wrappers_pb2.StringValue(value="CAM-9"), struct_pb2.Struct, namespace=ns
            )
        assert nf.value.code == "registry.camera.not_found"
        assert nf.value.message == "no camera CAM-9"
        assert not nf.value.retryable
        assert nf.value.details == {}

        with pytest.raises(UnavailableError) as full:
            await call(
                bus, FIND, wrappers_pb2.StringValue(value="full"), struct_pb2.Struct, namespace=ns
            )
        assert full.value.code == "test.find.capacity"
        assert full.value.retryable
        assert full.value.details == {"retry_after_s": 7}  # Tncam-Retry-After: 7

        with pytest.raises(TncamError) as internal:
            await call(
                bus, FIND, wrappers_pb2.StringValue(value="boom"), struct_pb2.Struct, namespace=ns
            )
        assert internal.value.code == "test.find.internal"
        # The caller gets a correlation id, never the exception's text; the log has both.
        assert "SELECT" not in internal.value.message
        assert "RuntimeError" not in internal.value.message
        ref = internal.value.message.split("reference ")[-1].rstrip(")")
        logged = [r for r in caplog.records if ref in r.getMessage()]
        assert logged
        assert logged[0].exc_info is not None
        assert "credentials_sealed" in str(logged[0].exc_info[1])

        raw = await bus.nc.request(ECHO.subject(ns), b"\xff\xff\xff", timeout=2)
        assert raw.headers is not None
        assert raw.headers["Tncam-Error-Code"] == "rpc.request.malformed"
        assert raw.headers["Nats-Service-Error-Code"] == "422"
    finally:
        await svc.stop()
    assert ("echo", "ok") in outcomes
    assert ("find", "registry.camera.not_found") in outcomes

    with pytest.raises(UnavailableError) as none:
        await call(
            bus,
            ECHO,
            wrappers_pb2.StringValue(value="x"),
            wrappers_pb2.StringValue,
            namespace=ns,
            timeout=1,
        )
    assert none.value.code == "rpc.call.no_responders"


async def test_call_subject_on_a_plain_subscription(bus: Bus, ns: str) -> None:
    """A concrete subject of a family (one replica's), answered by a plain subscription."""
    subject = f"{ns}.tncam.test.v1.control.replica-1"

    async def answer(msg: Msg) -> None:
        value = wrappers_pb2.StringValue.FromString(msg.data).value
        await msg.respond(wrappers_pb2.BoolValue(value=value == "held").SerializeToString())

    sub = await bus.nc.subscribe(subject, cb=answer)
    try:
        reply = await call_subject(
            bus, subject, wrappers_pb2.StringValue(value="held"), wrappers_pb2.BoolValue
        )
        assert reply.value is True
        with pytest.raises(UnavailableError) as e:
            await call_subject(
                bus,
                f"{ns}.tncam.test.v1.control.replica-2",
                wrappers_pb2.StringValue(value="held"),
                wrappers_pb2.BoolValue,
                timeout=1.0,
            )
        assert e.value.code == "rpc.call.no_responders"
    finally:
        await sub.unsubscribe()


async def test_concurrent_endpoint_serves_requests_at_once(bus: Bus, ns: str) -> None:
    slow = RequestSpec("tncam.test.v1.slow", "Wait, then echo.")
    serial = RequestSpec("tncam.test.v1.serial", "Wait, then echo, one at a time.")
    svc = RpcService(bus, name="test", version="0.1.0", namespace=ns)
    await svc.start()

    async def wait_echo(req: wrappers_pb2.StringValue) -> wrappers_pb2.StringValue:
        await asyncio.sleep(0.3)
        return req

    await svc.add(slow, wrappers_pb2.StringValue, wait_echo, concurrency=4)
    await svc.add(serial, wrappers_pb2.StringValue, wait_echo)

    async def timed(spec: RequestSpec) -> float:
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(
                call(
                    bus,
                    spec,
                    wrappers_pb2.StringValue(value=str(i)),
                    wrappers_pb2.StringValue,
                    namespace=ns,
                )
                for i in range(4)
            )
        )
        assert sorted(r.value for r in replies) == ["0", "1", "2", "3"]
        return time.perf_counter() - started

    try:
        assert await timed(slow) < 0.9  # four at once: about 0.3 s
        assert await timed(serial) >= 1.2  # one after the other
    finally:
        await svc.stop()
