"""until_declared: a declaration NATS does not answer is retried with a bounded backoff,
the service not ready meanwhile (the ``jetstream`` check names it); a rejection is not."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tncam_mesh.declare import CHECK, backoff, until_declared
from tncam_mesh.errors import ConfigurationError, UnavailableError
from tncam_mesh.health import Health


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n, 0.5, 5.0) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


async def failing(check: Health, times: int, log: list[str]) -> str:
    """Unavailable ``times`` times, then declared; records readiness at each attempt."""
    ok, results = await check.ready()
    log.append("ready" if ok else ";".join(f"{r.name}={r.detail}" for r in results if not r.ok))
    if len(log) <= times:
        raise UnavailableError("bus.stream.unavailable", "stream S: TimeoutError nats: timeout")
    return "created"


async def test_retried_until_declared_not_ready_meanwhile(caplog: pytest.LogCaptureFixture) -> None:
    health = Health(started=True)
    seen: list[str] = []
    caplog.set_level(logging.INFO, "tncam.mesh.declare")
    result = await until_declared(
        "stream S (3 replicas)",
        lambda: failing(health, 3, seen),
        health=health,
        stop=asyncio.Event(),
        first_s=0.01,
        cap_s=0.02,
    )
    assert result == "created"
    assert seen[0] == "ready"
    # From the first failure on, the check names what is awaited and why.
    assert all(s.startswith(f"{CHECK}=waiting for stream S (3 replicas): ") for s in seen[1:])
    assert "stream S: TimeoutError nats: timeout (attempt 3, again in 0.0 s)" in seen[3]
    assert (await health.ready())[0]  # the check is gone once declared
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "waiting for stream S (3 replicas)" in warnings[0].getMessage()
    assert "declared after 3 failed attempts" in caplog.records[-1].getMessage()


async def test_a_rejection_is_not_retried_and_stop_ends_the_wait() -> None:
    health = Health(started=True)
    calls = 0

    async def rejected() -> None:
        nonlocal calls
        calls += 1
        raise ConfigurationError("bus.stream.rejected", "stream S: subjects overlap (10065)")

    with pytest.raises(ConfigurationError):
        await until_declared("stream S", rejected, health=health, first_s=0.01)
    assert calls == 1

    stop = asyncio.Event()

    async def unavailable() -> None:
        stop.set()  # e.g. SIGTERM while waiting
        raise UnavailableError("bus.stream.unavailable", "stream S: timeout")

    with pytest.raises(UnavailableError):
        await until_declared("stream S", unavailable, health=health, stop=stop, first_s=10.0)
    assert (await health.ready())[0]


async def test_two_waits_on_one_check_are_both_named() -> None:
    health = Health(started=True)
    health.waiting(CHECK, "stream A", "timeout")
    health.waiting(CHECK, "consumer A/c", "timeout")
    ok, results = await health.ready()
    assert not ok
    [failing_check] = [r for r in results if not r.ok]
    assert failing_check.name == CHECK
    assert (
        failing_check.detail == "waiting for stream A: timeout; waiting for consumer A/c: timeout"
    )
    health.done_waiting(CHECK, "stream A")
    assert not (await health.ready())[0]
    health.done_waiting(CHECK, "consumer A/c")
    assert (await health.ready())[0]


def test_a_placement_refused_for_missing_peers_is_an_outage_not_a_bug() -> None:
    from nats.js.errors import BadRequestError

    from tncam_mesh.jetstream import _api_failure

    no_peers = BadRequestError(code=400, err_code=10005, description="no suitable peers")
    assert isinstance(_api_failure("bus.stream", "stream S", no_peers), UnavailableError)
    overlap = BadRequestError(code=400, err_code=10065, description="subjects overlap")
    assert isinstance(_api_failure("bus.stream", "stream S", overlap), ConfigurationError)
