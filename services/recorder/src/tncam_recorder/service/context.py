"""What the recorder's use cases share: settings, database, object store, bus, audit, clock."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.client import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.common.v1 import actor_pb2
from tncam_mesh.audit import AuditClient, service_actor
from tncam_mesh.clock import Clock, utc_now
from tncam_recorder.metrics import RecorderMetrics
from tncam_recorder.settings import RecorderSettings
from tncam_recorder.storage.s3 import ObjectStore


@dataclass
class Recorder:
    """The composition of one recorder replica."""

    settings: RecorderSettings
    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    js: JetStreamContext
    audit: AuditClient
    metrics: RecorderMetrics
    signing_key: Ed25519PrivateKey
    clock: Clock = utc_now

    @property
    def namespace(self) -> str:
        return self.settings.nats_namespace

    @property
    def service_actor(self) -> actor_pb2.Actor:
        """The recorder acting on its own (sweep, lifecycle)."""
        return service_actor("recorder")
