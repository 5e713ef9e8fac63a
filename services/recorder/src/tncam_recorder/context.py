"""What the recorder's handlers share: settings, database, object store, bus, audit, clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.client import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.common.v1 import actor_pb2
from tncam_mesh.audit import AuditClient
from tncam_recorder.metrics import RecorderMetrics
from tncam_recorder.settings import RecorderSettings
from tncam_recorder.storage.s3 import ObjectStore

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Wall-clock UTC."""
    return dt.datetime.now(dt.UTC)


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
    clock: Clock = system_clock

    @property
    def namespace(self) -> str:
        return self.settings.nats_namespace

    @property
    def service_actor(self) -> actor_pb2.Actor:
        """The recorder acting on its own (sweep, lifecycle)."""
        return actor_pb2.Actor(
            id="recorder", display_name="tncam recorder", role=actor_pb2.ROLE_SERVICE
        )
