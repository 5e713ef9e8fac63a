"""Which checkpoints have an object-locked copy, and where (``checkpoint_anchors``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tncam_audit.db.pg import Connection


@dataclass(frozen=True, slots=True)
class Unanchored:
    """A checkpoint without a locked copy yet."""

    tree_size: int
    note: str


async def unanchored(conn: Connection, *, limit: int = 100) -> list[Unanchored]:
    """The oldest checkpoints that have no locked copy yet."""
    rows = await conn.fetch(
        """
        SELECT c.tree_size, c.note FROM checkpoints c
          LEFT JOIN checkpoint_anchors a USING (tree_size)
         WHERE a.tree_size IS NULL
         ORDER BY c.tree_size
         LIMIT $1
        """,
        limit,
    )
    return [Unanchored(r["tree_size"], r["note"]) for r in rows]


async def record_anchor(
    conn: Connection,
    tree_size: int,
    *,
    bucket: str,
    key: str,
    version_id: str,
    retain_until: dt.datetime,
) -> None:
    """Remember where the locked copy of the checkpoint at ``tree_size`` is (once)."""
    await conn.execute(
        """
        INSERT INTO checkpoint_anchors (tree_size, bucket, object_key, version_id,
                                        retain_until)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING
        """,
        tree_size,
        bucket,
        key,
        version_id,
        retain_until,
    )


async def count_unanchored(conn: Connection) -> int:
    """How many checkpoints have no locked copy yet."""
    remaining = await conn.fetchval(
        "SELECT count(*) FROM checkpoints c LEFT JOIN checkpoint_anchors a USING (tree_size) "
        "WHERE a.tree_size IS NULL"
    )
    return int(remaining or 0)
