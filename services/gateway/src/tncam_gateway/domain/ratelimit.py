"""Token-bucket rate limits per key (an account or an address): the policy of one limiter.

The buckets live in PostgreSQL (``db/ratelimits.py``), shared by every gateway replica: a client
spreading its requests over replicas gets the same limit as on one. A bucket is refilled at
``rate`` tokens per second up to ``capacity``; a request takes one token or is refused with the
seconds until the next token. Full buckets carry no state and are pruned; nothing else is ever
dropped (no wipe when many keys are tracked).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``per_minute`` requests per key on average, bursts up to ``burst`` (default: per_minute).

    ``scope`` prefixes the keys (``user``, ``address``): one table holds every limiter's buckets.
    """

    scope: str
    per_minute: int
    burst: int | None = None

    def __post_init__(self) -> None:
        if self.per_minute < 1 or (self.burst is not None and self.burst < 1):
            raise ValueError("a rate limit needs per_minute >= 1 and burst >= 1")

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self.per_minute / 60.0

    @property
    def capacity(self) -> float:
        """The most tokens a bucket holds (the burst)."""
        return float(self.burst or self.per_minute)

    def key(self, subject: str) -> str:
        """The bucket's key of ``subject`` (an account id, an address)."""
        return f"{self.scope}:{subject}"

    def retry_after_s(self, tokens: float) -> float:
        """Seconds until a bucket holding ``tokens`` (< 1) has one token."""
        return max(0.0, (1.0 - tokens) / self.rate)
