"""Who may open a session: the limits per camera and per replica (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Limit = Literal["camera", "replica"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The most viewers one camera and one replica serve at once."""

    per_camera: int
    per_replica: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """A session refused for capacity: which limit, and how many viewers it allows."""

    limit: Limit
    allowed: int


def admit(limits: Limits, *, camera_viewers: int, replica_viewers: int) -> Refusal | None:
    """None when one more viewer fits, else the limit it would break (the replica's first:
    a viewer refused there may land on another replica, one refused per camera may not)."""
    if replica_viewers >= limits.per_replica:
        return Refusal("replica", limits.per_replica)
    if camera_viewers >= limits.per_camera:
        return Refusal("camera", limits.per_camera)
    return None
