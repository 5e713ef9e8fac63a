"""The registry's context: what every use case needs, built once by the composition root.

Every change writes, in the same transaction: the new rows, an audit record (actor, action,
before/after without secrets), and — for cameras — the camera_config KV value and the
``camera_config_changed`` event. After commit the outbox relay publishes them (the caller's
reply waits for that flush, so a reply means "ingest can see it", except when NATS is down:
then the relay catches up later).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.audit import new_event, service_actor
from tncam_mesh.clock import Clock, utc_now
from tncam_mesh.workers import ProcessWorker
from tncam_registry import metrics as m
from tncam_registry.bus.outbox import Outbox, OutboxRelay
from tncam_registry.clients.onvif import OnvifClient
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.domain.calendar import WorkingCalendar, local_date
from tncam_registry.domain.connection import FlapPolicy
from tncam_registry.domain.onvif import SecurityPolicy
from tncam_registry.domain.reference import ReferenceData

log = logging.getLogger("tncam.registry")

SERVICE = "registry"
#: How long reading and checking one import file may take (20,000 rows of every column take
#: ~8 s on a busy 2-core machine); the setting ``IMPORT_PARSE_TIMEOUT_S``.
IMPORT_PARSE_TIMEOUT_S = 60.0
#: The registry acting on its own authority (opening and closing fault tickets).
ACTOR = service_actor(SERVICE)


@dataclass
class RegistryContext:
    """The registry's dependencies and settings (the RPC handlers and consumers pass it on)."""

    sessions: async_sessionmaker[AsyncSession]
    box: CredentialBox
    calendar: WorkingCalendar
    outbox: Outbox
    relay: OutboxRelay | None
    metrics: m.RegistryMetrics
    policy: FlapPolicy = field(default_factory=FlapPolicy)
    fault_after: dt.timedelta = dt.timedelta(minutes=5)
    handover_grace: dt.timedelta = dt.timedelta(seconds=30)
    clock: Clock = utc_now
    ref: ReferenceData = field(default_factory=ReferenceData)
    #: Import files are read in this worker process (started on first use; closed by the app).
    import_worker: ProcessWorker = field(
        default_factory=lambda: ProcessWorker(
            "registry.import_cameras", timeout_s=IMPORT_PARSE_TIMEOUT_S
        )
    )

    #: ONVIF (issue 17): the client, the security checks' settings, the vendors' default
    #: credentials tried by them (lower-case vendor -> pairs; "*" for every vendor), whether
    #: a camera is pulled only once its assessment passed (or the police accepted it),
    #: whether WS-Discovery may run, and the shortest interval between PTZ commands.
    onvif: OnvifClient = field(default_factory=OnvifClient)
    security: SecurityPolicy = field(default_factory=SecurityPolicy)
    default_credentials: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    require_assessment: bool = False
    discovery_enabled: bool = False
    discovery_port: int = 3702
    ptz_min_interval_s: float = 0.2

    def today(self) -> dt.date:
        """Today in Vietnam."""
        return local_date(self.clock())

    async def audit(
        self,
        s: AsyncSession,
        *,
        actor: actor_pb2.Actor,
        action: str,
        cameras: Sequence[str] = (),
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        request_id: str = "",
        categories: Sequence[audit_pb.DataCategory] = (audit_pb.DATA_CATEGORY_CONFIGURATION,),
        purpose: audit_pb.PurposeCode = audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
        other: tuple[str, str] | None = None,
    ) -> None:
        """Write the audit record of a change into the change's transaction (via the outbox)."""
        event = new_event(
            action=action,
            actor=actor,
            source_service=SERVICE,
            cameras=cameras,
            data_categories=categories,
            purpose_code=purpose,
            before=before,
            after=after,
            request_id=request_id,
            now=self.clock(),
        )
        if other is not None:
            event.target.other.kind, event.target.other.id = other
        await self.outbox.audit(s, event)

    async def flush(self) -> None:
        """Publish what the transaction just committed (best effort: the relay retries)."""
        if self.relay is None:
            return
        try:
            await self.relay.flush()
        except Exception as e:  # the background relay will retry; the change is committed
            log.warning("outbox flush after commit failed: %s", e)
            self.relay.wake()
