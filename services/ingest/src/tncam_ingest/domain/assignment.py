"""Which cameras this worker should claim or let go: fair shares with rendezvous ordering.

Every worker computes the same fair share ``ceil(active cameras / live workers)`` and
(1) claims free cameras while it holds fewer, (2) lets go of the ones above its share, a few
per round so that a worker seen late does not cause a stampede. Free cameras are tried in
rendezvous-hash order (highest random weight for this worker first), so two workers with room
rarely race for the same camera, and the lease's revision check settles the races that remain.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def weight(camera_id: str, worker_id: str) -> int:
    """Rendezvous (highest-random-weight) score of ``worker_id`` for ``camera_id``."""
    digest = hashlib.blake2b(f"{camera_id}\x00{worker_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do this round."""

    claim: tuple[str, ...]
    release: tuple[str, ...]
    share: int


def fair_share(cameras: int, workers: int) -> int:
    """Cameras per worker when spread evenly (rounded up)."""
    return math.ceil(cameras / max(workers, 1))


def plan(
    *,
    me: str,
    active: Iterable[str],
    holders: Mapping[str, str],
    workers: Iterable[str],
    max_release: int | None = None,
) -> Plan:
    """The claims and releases for worker ``me``.

    ``active``: cameras that should be pulled; ``holders``: camera -> worker for unexpired
    leases; ``workers``: live workers (``me`` is always counted).
    """
    active_set = set(active)
    live = set(workers) | {me}
    share = fair_share(len(active_set), len(live))
    floor = len(active_set) // len(live)
    mine = sorted(c for c, w in holders.items() if w == me)
    inactive = [c for c in mine if c not in active_set]
    kept = [c for c in mine if c in active_set]
    release = list(inactive)
    counts = {w: 0 for w in live}
    for c, w in holders.items():
        if w in counts and c in active_set:
            counts[w] += 1
    excess = len(kept) - share
    if excess <= 0 and len(kept) > floor:
        # Shares are ceil(n/w): e.g. 10 cameras on 3 workers could stick at 4+4+2. When a
        # worker is below the floor and nothing is free, the fullest worker (lowest id on
        # ties) gives one camera up.
        any_free = any(c not in holders for c in active_set)
        starving = any(n < floor for w, n in counts.items() if w != me)
        fullest = min(counts, key=lambda w: (-counts[w], w))
        if starving and not any_free and fullest == me:
            excess = 1
    if excess > 0:
        limit = max(1, share // 4) if max_release is None else max_release
        # Give up the cameras this worker is least preferred for.
        kept.sort(key=lambda c: weight(c, me))
        release += kept[: min(excess, limit)]
        kept = kept[min(excess, limit) :]
    room = share - len(kept)
    claim: list[str] = []
    if room > 0:
        free = [c for c in active_set if c not in holders]
        free.sort(key=lambda c: weight(c, me), reverse=True)
        claim = free[:room]
    return Plan(claim=tuple(claim), release=tuple(release), share=share)
