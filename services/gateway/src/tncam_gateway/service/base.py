"""What the footage, grant and analytics use cases share."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_gateway.clients.audit import Auditor
from tncam_gateway.clients.registry import ScopeLookup
from tncam_mesh.clock import Clock


class CameraUseCase:
    """A use case on cameras: the gateway's database, the audit log, the clock, and the
    registry's camera scopes."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        auditor: Auditor,
        clock: Clock,
        scope_of: ScopeLookup,
    ) -> None:
        self.sessions = sessions
        self.auditor = auditor
        self.clock = clock
        self.scope_of = scope_of
