"""Health (liveness vs readiness), trace context, JSON logs and the error tree."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_mesh.health import Health
from tncam_mesh.logs import JsonFormatter
from tncam_mesh.tracing import TraceContext, bound, current, from_headers


async def test_readiness_needs_start_and_all_checks_and_not_stopping() -> None:
    health = Health(check_timeout_s=0.2)
    ok, results = await health.ready()
    assert not ok
    assert [r.name for r in results if not r.ok] == ["started"]
    health.started = True

    async def good() -> None:
        return None

    async def bad() -> None:
        raise ConnectionError("NATS disconnected")

    async def slow() -> None:
        await asyncio.sleep(1)

    health.add_check("good", good)
    assert (await health.ready())[0]
    health.add_check("bad", bad)
    health.add_check("slow", slow)
    ok, results = await health.ready()
    failing = {r.name: r.detail for r in results if not r.ok}
    assert not ok
    assert failing == {"bad": "NATS disconnected", "slow": "timed out after 0.2 s"}
    # A dependency outage is not a reason to restart: liveness stays OK.
    assert health.live() == (True, "ok")
    health.fatal = "task consumer failed: boom"
    assert health.live() == (False, "task consumer failed: boom")


def test_traceparent_round_trip_and_rejects_garbage() -> None:
    ctx = TraceContext.new()
    parsed = TraceContext.parse(ctx.header())
    assert parsed == ctx
    assert TraceContext.parse("00-" + "0" * 32 + "-" + "1" * 16 + "-01") is None
    assert TraceContext.parse("garbage") is None
    assert from_headers({"traceparent": ctx.header()}) == ctx
    assert from_headers(None) is None


def test_bound_context_reaches_json_logs() -> None:
    fmt = JsonFormatter("ingest", "host-1")
    ctx = TraceContext.new()
    with bound(ctx, camera_id="cam-7"):
        assert current().trace_id == ctx.trace_id
        record = logging.makeLogRecord(
            {"msg": "segment %s closed", "args": ("s1",), "levelname": "INFO", "name": "t"}
        )
        record.__dict__["bytes"] = 1234
        line = json.loads(fmt.format(record))
    assert line["service"] == "ingest"
    assert line["camera_id"] == "cam-7"
    assert line["trace_id"] == ctx.trace_id
    assert line["msg"] == "segment s1 closed"
    assert line["bytes"] == 1234
    # Outside the block the context is gone again.
    record = logging.makeLogRecord({"msg": "x", "levelname": "INFO", "name": "t"})
    assert "camera_id" not in json.loads(fmt.format(record))


def test_error_tree_codes_and_problem_details() -> None:
    e = InvalidInputError("registry.import.bad_row", "row 3: commune_code is empty")
    assert not e.retryable
    problem = e.to_problem("/api/v1/cameras")
    assert problem["status"] == 422
    assert problem["code"] == "registry.import.bad_row"
    assert problem["instance"] == "/api/v1/cameras"
    u = UnavailableError("audit.publish.unavailable", "audit stream full")
    assert u.retryable
    assert str(u) == "audit.publish.unavailable: audit stream full"
    with pytest.raises(UnavailableError):
        raise u
