"""Writes signed checkpoints to the object store (object lock) and records where."""

from __future__ import annotations

import logging

from tncam_audit.appender import Clock
from tncam_audit.db.pg import Connection
from tncam_audit.metrics import AuditMetrics
from tncam_audit.storage.checkpoints import CheckpointStore

log = logging.getLogger("tncam.audit.anchor")


async def anchor_pending(
    conn: Connection, store: CheckpointStore, metrics: AuditMetrics, clock: Clock
) -> int:
    """Copy every checkpoint that has no locked copy yet; returns how many were written."""
    rows = await conn.fetch(
        """
        SELECT c.tree_size, c.note FROM checkpoints c
          LEFT JOIN checkpoint_anchors a USING (tree_size)
         WHERE a.tree_size IS NULL
         ORDER BY c.tree_size
         LIMIT 100
        """
    )
    written = 0
    for row in rows:
        copy = await store.put(row["tree_size"], row["note"], clock())
        await conn.execute(
            """
            INSERT INTO checkpoint_anchors (tree_size, bucket, object_key, version_id,
                                            retain_until)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING
            """,
            row["tree_size"],
            copy.bucket,
            copy.key,
            copy.version_id,
            copy.retain_until,
        )
        written += 1
        log.info(
            "checkpoint written to the object store",
            extra={"tree_size": row["tree_size"], "key": copy.key},
        )
    remaining = await conn.fetchval(
        "SELECT count(*) FROM checkpoints c LEFT JOIN checkpoint_anchors a USING (tree_size) "
        "WHERE a.tree_size IS NULL"
    )
    metrics.unanchored.set(remaining or 0)
    return written
