"""Declaring streams, buckets and consumers when JetStream answers late.

On a 3-node cluster an R3 stream's creation waits for its peers: on a loaded machine, while
the cluster elects its meta leader or before every peer has joined it ("no suitable peers for
placement"), it can time out. That is not a reason to exit: a slow cluster would then put the
whole mesh in a restart loop. A service retries such a declaration with a bounded backoff,
reports not-ready meanwhile (the readiness check ``jetstream`` names what it waits for and
why) and logs each failed attempt. A declaration the server rejects (a configuration bug:
``ConfigurationError``) still fails at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tncam_mesh.clock import wait_or_stop
from tncam_mesh.errors import UnavailableError
from tncam_mesh.health import Health

log = logging.getLogger("tncam.mesh.declare")

T = TypeVar("T")

#: The readiness check that names the declarations being waited for.
CHECK = "jetstream"
#: First wait after a failed attempt; it doubles up to ``CAP_S``.
FIRST_S = 0.5
CAP_S = 5.0


def backoff(failures: int, first_s: float = FIRST_S, cap_s: float = CAP_S) -> float:
    """Seconds to wait after the ``failures``-th failed attempt in a row (1, 2, ...)."""
    return min(cap_s, first_s * 2.0 ** max(0, failures - 1))


async def until_declared(
    what: str,
    declare: Callable[[], Awaitable[T]],
    *,
    health: Health | None = None,
    stop: asyncio.Event | None = None,
    first_s: float = FIRST_S,
    cap_s: float = CAP_S,
) -> T:
    """Run ``declare`` until it succeeds, again after each ``UnavailableError``.

    Between attempts ``health`` (if given) is not ready: its check ``jetstream`` names
    ``what`` and the last failure. Raises the last failure if ``stop`` is set meanwhile, and
    any other exception at once.
    """
    failures = 0
    try:
        while True:
            try:
                result = await declare()
            except UnavailableError as e:
                failures += 1
                delay = backoff(failures, first_s, cap_s)
                detail = f"{e.message} (attempt {failures}, again in {delay:.1f} s)"
                log.warning(
                    "waiting for %s: %s",
                    what,
                    detail,
                    extra={"code": e.code, "attempt": failures},
                )
                if health is not None:
                    health.waiting(CHECK, what, detail)
                stopped = (
                    await wait_or_stop(stop, delay) if stop is not None else await _sleep(delay)
                )
                if stopped:
                    raise
                continue
            if failures:
                log.info("%s declared after %d failed attempts", what, failures)
            return result
    finally:
        if health is not None:
            health.done_waiting(CHECK, what)


async def _sleep(seconds: float) -> bool:
    await asyncio.sleep(seconds)
    return False
