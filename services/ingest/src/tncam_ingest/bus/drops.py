"""Every dropped segment is audited (fail closed: kept and retried until the log takes it)."""

from __future__ import annotations

import asyncio
import logging

from tncam.audit.v1 import audit_event_pb2
from tncam.common.v1 import actor_pb2
from tncam_ingest.bus.handoff import Drop
from tncam_mesh.audit import AuditClient, new_event
from tncam_mesh.errors import TncamError

log = logging.getLogger("tncam.ingest.drops")

ACTION = "ingest.segment.drop"
_MAX_PENDING = 10_000


class DropAuditor:
    """Queues drops and records each as an audit event, retrying while the log is away."""

    def __init__(self, audit: AuditClient, *, worker_id: str) -> None:
        self._audit = audit
        self._worker_id = worker_id
        self._pending: list[Drop] = []
        self._wake = asyncio.Event()
        self.recorded = 0
        self.lost = 0

    def report(self, drop: Drop) -> None:
        """Queue a drop (event loop thread)."""
        if len(self._pending) >= _MAX_PENDING:
            self.lost += 1  # counted in the metric already; the log line names it
            log.error("audit backlog full; drop not audited", extra={"camera_id": drop.camera_id})
            return
        self._pending.append(drop)
        self._wake.set()

    def _event(self, drop: Drop) -> audit_event_pb2.AuditEvent:
        return new_event(
            action=ACTION,
            actor=actor_pb2.Actor(
                id=self._worker_id, display_name="ingest", role=actor_pb2.ROLE_SERVICE
            ),
            source_service="ingest",
            outcome=audit_event_pb2.OUTCOME_FAILED,
            cameras=[drop.camera_id],
            data_categories=[audit_event_pb2.DATA_CATEGORY_IMAGE],
            after={
                "idempotency_key": drop.msg_id,
                "bytes": drop.size,
                "reason": drop.reason,
                "detail": drop.detail,
                "worker_id": self._worker_id,
            },
        )

    async def flush(self) -> None:
        """Record what is pending; stops at the first failure (retried later)."""
        while self._pending:
            drop = self._pending[0]
            await self._audit.record(self._event(drop))
            self._pending.pop(0)
            self.recorded += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Flush whenever drops arrive, retrying every few seconds while the log is away."""
        while True:
            try:
                await self.flush()
            except TncamError as e:
                log.warning("drop not audited yet (%s); retrying", e)
            if stop.is_set():
                return
            self._wake.clear()
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waits, timeout=2.0, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
