"""Liveness and readiness, kept apart.

Liveness answers "would a restart fix it?": it fails only when the process is wedged (a
supervised task died or the loop stopped answering). Readiness answers "should traffic come
here?": it fails while a dependency is down, during start-up and during shutdown. A NATS
outage therefore makes a service unready, never dead: restarting it would not bring NATS back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Check = Callable[[], Awaitable[None]]  # raises (any exception) when not OK


@dataclass(slots=True)
class CheckResult:
    """The outcome of one named check."""

    name: str
    ok: bool
    detail: str = ""
    duration_ms: float = 0.0


@dataclass
class Health:
    """Readiness checks, the start-up/shutdown state and fatal conditions of one service."""

    check_timeout_s: float = 2.0
    started: bool = False
    stopping: bool = False
    fatal: str | None = None
    _checks: dict[str, Check] = field(default_factory=dict)
    #: check name -> what is awaited -> why (see ``waiting``).
    _waits: dict[str, dict[str, str]] = field(default_factory=dict)

    def add_check(self, name: str, check: Check) -> None:
        """Register a readiness check; it raises when the dependency is not usable."""
        self._checks[name] = check

    def waiting(self, check: str, what: str, detail: str) -> None:
        """Not ready while ``what`` is awaited: the check ``check`` fails naming it and
        ``detail`` until ``done_waiting``. (For work the service retries by itself, such as
        declaring its streams on a cluster that answers late.)"""
        self._waits.setdefault(check, {})[what] = detail

    def done_waiting(self, check: str, what: str) -> None:
        """``what`` is no longer awaited; the check passes again once nothing else is."""
        waits = self._waits.get(check, {})
        waits.pop(what, None)
        if not waits:
            self._waits.pop(check, None)

    def live(self) -> tuple[bool, str]:
        """Liveness: fails only on a fatal condition that a restart would fix."""
        if self.fatal:
            return False, self.fatal
        return True, "ok"

    async def ready(self) -> tuple[bool, list[CheckResult]]:
        """Readiness: started, not stopping, and every check passing."""
        results = [
            CheckResult("started", self.started, "" if self.started else "starting"),
            CheckResult("accepting", not self.stopping, "shutting down" if self.stopping else ""),
        ]
        results += await asyncio.gather(*(self._run(n, c) for n, c in self._checks.items()))
        results += [
            CheckResult(name, False, "; ".join(f"waiting for {w}: {d}" for w, d in waits.items()))
            for name, waits in self._waits.items()
        ]
        return all(r.ok for r in results), results

    async def _run(self, name: str, check: Check) -> CheckResult:
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(self.check_timeout_s):
                await check()
        except TimeoutError:
            return CheckResult(name, False, f"timed out after {self.check_timeout_s:.1f} s")
        except Exception as e:  # a check reports any failure as "not ready", never crashes
            return CheckResult(name, False, str(e) or type(e).__name__)
        return CheckResult(name, True, "", (time.perf_counter() - t0) * 1000)
