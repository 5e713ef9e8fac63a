"""Progressive lockout of login attempts, per account name and per source address.

After ``threshold`` consecutive failures a key is locked for ``base_s``, doubling with each
further failure up to ``max_s``. Failures are forgotten after ``forget_after_s`` without one.
The key of an account is the name typed (whether or not such an account exists), so a locked
state says nothing about which names are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    """When and for how long a key is locked."""

    threshold: int = 5
    base_s: float = 30.0
    max_s: float = 3600.0
    forget_after_s: float = 24 * 3600.0


@dataclass(frozen=True)
class ThrottleState:
    """Consecutive failures of one key and until when it is locked."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        """Whether attempts for this key are refused at ``now``."""
        return self.locked_until is not None and now < self.locked_until

    def retry_after_s(self, now: datetime) -> int:
        """Whole seconds until the lock ends (0 when not locked)."""
        if not self.locked(now) or self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def after_failure(state: ThrottleState, now: datetime, policy: LockoutPolicy) -> ThrottleState:
    """The state after one more failed attempt at ``now``."""
    failures = state.failures
    if state.last_failure_at and (now - state.last_failure_at).total_seconds() > (
        policy.forget_after_s
    ):
        failures = 0
    failures += 1
    locked_until = None
    if failures >= policy.threshold:
        delay = min(policy.base_s * 2 ** (failures - policy.threshold), policy.max_s)
        locked_until = now + timedelta(seconds=delay)
    return ThrottleState(failures, now, locked_until)
