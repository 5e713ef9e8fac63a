"""The audit service's context: what every use case needs, built once by the composition root."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from tncam_audit.domain.note import Verifier
from tncam_audit.metrics import AuditMetrics
from tncam_audit.settings import AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_mesh.audit import AuditClient
from tncam_mesh.clock import Clock, utc_now


@dataclass
class AuditContext:
    """Settings, the pooled engine, metrics, the checkpoint store and the audit client."""

    settings: AuditSettings
    engine: AsyncEngine
    metrics: AuditMetrics
    store: CheckpointStore | None  # None: checkpoints kept in PostgreSQL only (dev, test)
    audit: AuditClient  # the breach register's own events
    writer: asyncio.Event  # set while this replica's sequencer holds the writer lock
    clock: Clock = utc_now
    # Parsed once: the keys do not change while the process runs.
    verifiers: list[Verifier] = field(init=False)
    verifier_key: str = field(init=False)
    # One full verification at a time per replica: it reads the whole log.
    verify_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    # Set once the anchoring found (or made) the bucket with object lock.
    bucket_ready: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.verifiers = self.settings.verifiers()
        self.verifier_key = self.settings.signer().verifier.encode()
