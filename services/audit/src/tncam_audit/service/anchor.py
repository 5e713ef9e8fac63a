"""Anchoring: copy signed checkpoints to the object store (object lock), record where.

Runs every ``anchor_interval_s`` on every replica: the writer copies new checkpoints; every
replica keeps its checkpoint gauges current.
"""

from __future__ import annotations

import logging

from tncam_audit.db import anchors, log_store, reader
from tncam_audit.db.pg import Connection, pooled
from tncam_audit.metrics import AuditMetrics
from tncam_audit.service.context import AuditContext
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_mesh.clock import Clock
from tncam_mesh.errors import TncamError

log = logging.getLogger("tncam.audit.anchor")


async def anchor_round(ctx: AuditContext) -> None:
    """Writer: copy new checkpoints to the object store. Everyone: checkpoint gauges."""
    async with pooled(ctx.engine) as conn:
        if ctx.store is not None and ctx.writer.is_set():
            if not ctx.bucket_ready:
                await ctx.store.ensure_bucket()
                ctx.bucket_ready = True
            try:
                await anchor_pending(conn, ctx.store, ctx.metrics, ctx.clock)
            except TncamError:
                ctx.metrics.anchor_failures.inc()
                raise
        signed_at = await reader.newest_signed_at(conn)
        if signed_at is not None:
            ctx.metrics.checkpoint_signed_at(signed_at.timestamp())
        if not ctx.writer.is_set():
            ctx.metrics.tree_size.set(await log_store.head_size(conn))


async def anchor_pending(
    conn: Connection, store: CheckpointStore, metrics: AuditMetrics, clock: Clock
) -> int:
    """Copy every checkpoint that has no locked copy yet; returns how many were written."""
    written = 0
    for row in await anchors.unanchored(conn):
        copy = await store.put(row.tree_size, row.note, clock())
        await anchors.record_anchor(
            conn,
            row.tree_size,
            bucket=copy.bucket,
            key=copy.key,
            version_id=copy.version_id,
            retain_until=copy.retain_until,
        )
        written += 1
        log.info(
            "checkpoint written to the object store",
            extra={"tree_size": row.tree_size, "key": copy.key},
        )
    metrics.unanchored.set(await anchors.count_unanchored(conn))
    return written
