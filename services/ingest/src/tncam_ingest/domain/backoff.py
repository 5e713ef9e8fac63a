"""Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
And Jitter"): when a commune's network comes back, its cameras' reconnects spread over the
whole window instead of arriving together."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays ``uniform(0, min(cap, initial * 2**attempt))``; ``reset`` after a success."""

    initial_s: float = 1.0
    cap_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        # min() before the power would overflow after ~1000 failures.
        return float(min(self.cap_s, self.initial_s * 2.0 ** min(self.attempt, 62)))

    def next_delay(self) -> float:
        """The delay before the next attempt; counts the attempt."""
        delay = float(self.rng.uniform(0.0, self.ceiling()))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """A connection succeeded: the next failure starts small again."""
        self.attempt = 0
