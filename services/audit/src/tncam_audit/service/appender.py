"""The audit append: a batch of events in one transaction, checkpoints signed when due.

Used by the sequencer consumer (after it has the writer lock) and by the benchmark's bulk
load. The
transaction locks the head row, so even a writer that wrongly believed it held the lock could
not interleave: sequence numbers stay contiguous and every event_id is stored once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam_audit.db import log_store
from tncam_audit.db.pg import Connection
from tncam_audit.domain.entries import make_rows, new_events
from tncam_audit.domain.note import CheckpointBody, Signer, sign_checkpoint
from tncam_audit.metrics import AuditMetrics
from tncam_audit.settings import AuditSettings
from tncam_mesh.clock import Clock, utc_now

# Building rows is pure CPU (protobuf, SHA-256); above this many it runs in a thread.
_THREAD_THRESHOLD = 64


@dataclass(frozen=True)
class CheckpointPolicy:
    """Sign a checkpoint every ``every_events`` entries or ``every_s`` seconds."""

    every_events: int
    every_s: float


@dataclass
class AppendResult:
    """What one batch did."""

    appended: int
    duplicates: int
    tree_size: int
    checkpoint: log_store.StoredCheckpointRow | None


class Appender:
    """Appends batches on one connection (the writer's) and signs due checkpoints."""

    def __init__(
        self,
        conn: Connection,
        signer: Signer,
        policy: CheckpointPolicy,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._conn = conn
        self._signer = signer
        self._policy = policy
        self._clock = clock
        self.last_checkpoint: log_store.StoredCheckpointRow | None = None

    async def start(self) -> int:
        """Check the head against the log and load the last checkpoint; returns the size."""
        head = await log_store.check_head(self._conn)
        self.last_checkpoint = await log_store.latest_checkpoint(self._conn)
        return head.size

    def _due(self, size: int, now: dt.datetime) -> bool:
        last = self.last_checkpoint
        if last is None:
            return size > 0
        if size <= last.tree_size:
            return False
        return (
            size - last.tree_size >= self._policy.every_events
            or (now - last.signed_at).total_seconds() >= self._policy.every_s
        )

    async def append(self, events: Sequence[pb.AuditEvent]) -> AppendResult:
        """Append the events not yet in the log, in order, in one transaction."""
        now = self._clock()
        async with self._conn.transaction():
            head = await log_store.read_head(self._conn, for_update=True)
            stored = await log_store.stored_event_ids(self._conn, [e.event_id for e in events])
            fresh = new_events(events, stored)
            if len(fresh) > _THREAD_THRESHOLD:
                rows = await asyncio.to_thread(make_rows, head, fresh, now)
            else:
                rows = make_rows(head, fresh, now)
            if rows:
                await log_store.append_rows(self._conn, rows, head)
            checkpoint = None
            if self._due(head.size, now):
                checkpoint = self._sign(head.size, head.tree.root(), now)
                await log_store.insert_checkpoint(self._conn, checkpoint)
        if checkpoint is not None:
            self.last_checkpoint = checkpoint
        return AppendResult(len(rows), len(events) - len(rows), head.size, checkpoint)

    async def checkpoint_if_due(self) -> log_store.StoredCheckpointRow | None:
        """Sign a checkpoint when one is due though nothing new arrived (the M seconds)."""
        return (await self.append([])).checkpoint

    def _sign(self, size: int, root: bytes, now: dt.datetime) -> log_store.StoredCheckpointRow:
        body = CheckpointBody(self._signer.name, size, root, now)
        return log_store.StoredCheckpointRow(size, root, now, sign_checkpoint(self._signer, body))


async def start_writer(
    conn: Connection, settings: AuditSettings, metrics: AuditMetrics, *, clock: Clock = utc_now
) -> tuple[Appender, int]:
    """The writer's appender on its lock-holding connection, and the log's size (gauges set)."""
    appender = Appender(
        conn,
        settings.signer(),
        CheckpointPolicy(settings.checkpoint_every_events, settings.checkpoint_every_s),
        clock=clock,
    )
    size = await appender.start()
    metrics.tree_size.set(size)
    if appender.last_checkpoint is not None:
        metrics.checkpoint_signed_at(appender.last_checkpoint.signed_at.timestamp())
    return appender, size


def count_batch(metrics: AuditMetrics, result: AppendResult, seconds: float) -> None:
    """Count what one committed (and acked) batch did."""
    metrics.appended.inc(result.appended)
    metrics.duplicates.inc(result.duplicates)
    metrics.tree_size.set(result.tree_size)
    metrics.batch_seconds.observe(seconds)
    count_checkpoint(metrics, result.checkpoint)


def count_checkpoint(metrics: AuditMetrics, cp: log_store.StoredCheckpointRow | None) -> None:
    """Count a checkpoint this replica signed, if it signed one."""
    if cp is not None:
        metrics.checkpoints.inc()
        metrics.checkpoint_signed_at(cp.signed_at.timestamp())
