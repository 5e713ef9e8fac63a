"""The live edge's context: what every use case needs, built once by the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tncam_live.metrics import LiveMetrics
from tncam_live.settings import LiveSettings
from tncam_mesh.clock import Clock, utc_now

if TYPE_CHECKING:
    from tncam_live.service.fanout import FanOuts
    from tncam_live.service.mse import MseSession
    from tncam_live.service.sessions import Session

#: Starts a supervised background task (``Runtime.spawn``): its failure stops the service.
Spawn = Callable[[str, Coroutine[Any, Any, None]], "asyncio.Task[None]"]


@dataclass
class LiveContext:
    """Settings, metrics, the fan-outs, supervised spawning, and the sessions held."""

    settings: LiveSettings
    metrics: LiveMetrics
    fanouts: FanOuts
    spawn: Spawn
    clock: Clock = utc_now
    # Sessions held, by session id (answered, until they end).
    sessions: dict[str, Session | MseSession] = field(default_factory=dict)
    # Admitted sessions (opening or held), session id -> camera id: what the limits count.
    slots: dict[str, str] = field(default_factory=dict)

    @property
    def replica_id(self) -> str:
        """This replica's id (its control subject, its demands' holder)."""
        return self.settings.replica_id
