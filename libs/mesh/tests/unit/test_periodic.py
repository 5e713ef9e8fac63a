"""The one periodic loop: transient failures are retried and counted, anything else stops."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_mesh.metrics import Metrics
from tncam_mesh.periodic import is_transient, run_every


def _runs(metrics: Metrics, task: str, outcome: str) -> float:
    value = metrics.registry.get_sample_value(
        "tncam_mesh_periodic_runs_total", {"task": task, "outcome": outcome}
    )
    return value or 0.0


def _wrapped(driver_error: Exception) -> sa_exc.DBAPIError:
    """What SQLAlchemy's asyncpg dialect raises for a driver error it has no class for: a plain
    DBAPIError, raised from the adapted error, itself raised from asyncpg's."""
    adapted = RuntimeError(str(driver_error))
    adapted.__cause__ = driver_error
    wrapped = sa_exc.DBAPIError("connect", {}, adapted)
    wrapped.__cause__ = adapted
    return wrapped


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (UnavailableError("x.y.down", "down"), True),
        (InvalidInputError("x.y.bad", "bad"), False),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (sa_exc.OperationalError("select 1", {}, OSError("refused")), True),
        (sa_exc.IntegrityError("insert", {}, ValueError("duplicate")), False),
        (KeyError("bug"), False),
        (_wrapped(asyncpg.CannotConnectNowError("the database system is shutting down")), True),
        (_wrapped(asyncpg.CannotConnectNowError("the database system is starting up")), True),
        (_wrapped(asyncpg.UniqueViolationError("duplicate key")), False),
    ],
)
def test_transient_errors_are_told_apart_from_bugs(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


async def test_transient_failures_are_retried_and_counted() -> None:
    stop = asyncio.Event()
    metrics = Metrics("test", "i-1")
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) <= 2:
            raise UnavailableError("test.work.down", "not yet")
        if len(rounds) == 4:
            stop.set()

    await asyncio.wait_for(run_every("work", 0.001, work, stop=stop, metrics=metrics), 5)
    assert rounds == [0, 1, 2, 3]
    assert _runs(metrics, "work", "retried") == 2
    assert _runs(metrics, "work", "ok") == 2


async def test_a_bug_propagates_out_of_the_loop() -> None:
    stop = asyncio.Event()

    async def work() -> None:
        raise KeyError("camera_id")

    with pytest.raises(KeyError):
        await asyncio.wait_for(run_every("work", 0.001, work, stop=stop), 5)


async def test_the_first_round_waits_and_stop_ends_the_wait() -> None:
    stop = asyncio.Event()
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1

    loop = asyncio.create_task(run_every("work", 1.0, work, stop=stop, first_after_s=30.0))
    await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, 1)
    assert calls == 0


async def test_a_non_positive_interval_is_refused() -> None:
    async def work() -> None:
        return None

    with pytest.raises(ValueError, match="interval"):
        await run_every("work", 0, work, stop=asyncio.Event())
