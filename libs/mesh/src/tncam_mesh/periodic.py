"""The one periodic loop of every service, with the one error policy of background work.

A round that fails with a *transient* error (a retryable :class:`TncamError`, an outage of
NATS, PostgreSQL or S3, a timeout) is logged, counted in ``tncam_mesh_periodic_runs_total``
and tried again next round. Anything else is a bug or a misconfiguration: it propagates, and
the runtime's supervision marks the service unhealthy and stops it (exit 1), because a loop
that silently fails forever looks alive while doing nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg
import nats.errors
from sqlalchemy import exc as sa_exc

from tncam_mesh.clock import wait_or_stop
from tncam_mesh.errors import TncamError
from tncam_mesh.metrics import Metrics

log = logging.getLogger("tncam.mesh.periodic")

Work = Callable[[], Awaitable[object]]

_TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError: a peer went away
    TimeoutError,
    nats.errors.Error,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # the pool had no connection in time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    # A query sent the moment the server ends the session (a PostgreSQL restart terminates
    # every backend): asyncpg is still consuming the server's FATAL message and refuses the
    # query with "cannot switch to state 15; another operation (2) is in progress". It once
    # stopped the audit service (its sequencer's session) in the fault suite.
    asyncpg.InternalClientError,
)


def is_transient(error: BaseException) -> bool:
    """True when ``error`` is worth retrying later rather than a reason to stop.

    SQLAlchemy wraps what the driver raised in a plain ``DBAPIError`` when it does not know
    the kind (asyncpg's ``CannotConnectNowError``: "the database system is shutting down",
    "... is starting up", as PostgreSQL restarts), so the error it was raised from counts too.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TncamError):
            return current.retryable
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _TRANSIENT):
            return True
        current = current.__cause__
    return False


async def run_every(
    name: str,
    interval_s: float,
    work: Work,
    *,
    stop: asyncio.Event,
    metrics: Metrics | None = None,
    first_after_s: float = 0.0,
) -> None:
    """Run ``work`` after ``first_after_s``, then every ``interval_s``, until ``stop`` is set."""
    if interval_s <= 0:
        raise ValueError(f"{name}: the interval must be positive, not {interval_s}")
    if first_after_s > 0 and await wait_or_stop(stop, first_after_s):
        return
    while not stop.is_set():
        try:
            await work()
        except Exception as e:
            if not is_transient(e):
                raise
            _count(metrics, name, "retried")
            log.warning("%s failed, retried in %.0f s: %s", name, interval_s, _describe(e))
        else:
            _count(metrics, name, "ok")
        await wait_or_stop(stop, interval_s)


def _count(metrics: Metrics | None, name: str, outcome: str) -> None:
    if metrics is not None:
        metrics.periodic_runs.labels(task=name, outcome=outcome).inc()


def _describe(error: BaseException) -> str:
    # Driver messages may quote statements and parameters; the type is enough for the log.
    if isinstance(error, sa_exc.SQLAlchemyError | asyncpg.PostgresError):
        return type(error).__name__
    return str(error) or type(error).__name__
