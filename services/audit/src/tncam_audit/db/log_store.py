"""The sequencer's side of the log: writer lock, head, dedup, COPY appends, checkpoints."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from tncam_audit.db.pg import Connection
from tncam_audit.domain.entries import ROW_COLUMNS, Head, Row
from tncam_audit.domain.merkle import CompactTree
from tncam_mesh.errors import TncamError

# pg_advisory_lock key of the one active writer (advisory locks are per database): the
# first 8 bytes of SHA-256("tncam.audit.sequencer"), made positive.
WRITER_LOCK_KEY = (
    int.from_bytes(hashlib.sha256(b"tncam.audit.sequencer").digest()[:8], "big")
    & 0x7FFF_FFFF_FFFF_FFFF
)


class HeadMismatchError(TncamError):
    """The stored head disagrees with the log: refuse to append on top of damage."""


async def try_writer_lock(conn: Connection) -> bool:
    """Take the session-level writer lock if free (held until the connection closes)."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", WRITER_LOCK_KEY))


async def writer_lock_holder(conn: Connection) -> int | None:
    """Backend pid of the connection holding the writer lock, if any."""
    pid: int | None = await conn.fetchval(
        """
        SELECT pid FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND database = (
               SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((classid::bigint << 32) | objid::bigint) = $1
        """,
        WRITER_LOCK_KEY,
    )
    return pid


async def read_head(conn: Connection, *, for_update: bool = False) -> Head:
    """The stored head (inside a transaction when ``for_update``)."""
    sql = "SELECT tree_size, stack, chain_hash FROM log_head WHERE id = 1"
    row = await conn.fetchrow(f"{sql} FOR UPDATE" if for_update else sql)
    if row is None:
        raise HeadMismatchError("audit.head.missing", "log_head has no row: migrate the schema")
    return Head(
        CompactTree(row["tree_size"], [bytes(h) for h in row["stack"]]), bytes(row["chain_hash"])
    )


async def head_size(conn: Connection) -> int:
    """Entries in the log, as the head row says."""
    size = await conn.fetchval("SELECT tree_size FROM log_head WHERE id = 1")
    return int(size or 0)


async def check_head(conn: Connection) -> Head:
    """The head, after checking it agrees with the last stored entry."""
    head = await read_head(conn)
    last = await conn.fetchrow("SELECT seq, chain_hash FROM log_entries ORDER BY seq DESC LIMIT 1")
    size, chain = (last["seq"], bytes(last["chain_hash"])) if last else (0, bytes(32))
    if size != head.size or chain != head.chain:
        raise HeadMismatchError(
            "audit.head.mismatch",
            f"log_head says {head.size} entries, the log ends at {size}: "
            "run `tncam audit verify` before appending",
        )
    return head


async def stored_event_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already in the log."""
    if not ids:
        return set()
    rows = await conn.fetch(
        "SELECT event_id FROM log_entries WHERE event_id = ANY($1::text[])", list(ids)
    )
    return {r["event_id"] for r in rows}


async def append_rows(conn: Connection, rows: Sequence[Row], head: Head) -> None:
    """COPY the rows and move the head (inside the caller's transaction)."""
    if rows:
        await conn.copy_records_to_table(
            "log_entries", records=[r.record() for r in rows], columns=list(ROW_COLUMNS)
        )
    await conn.execute(
        "UPDATE log_head SET tree_size = $1, stack = $2, chain_hash = $3, updated_at = now() "
        "WHERE id = 1",
        head.size,
        list(head.tree.stack),
        head.chain,
    )


@dataclass(frozen=True, slots=True)
class StoredCheckpointRow:
    """A checkpoint row."""

    tree_size: int
    root_hash: bytes
    signed_at: dt.datetime
    note: str


async def latest_checkpoint(conn: Connection) -> StoredCheckpointRow | None:
    """The newest checkpoint in the database."""
    row = await conn.fetchrow(
        "SELECT tree_size, root_hash, signed_at, note FROM checkpoints "
        "ORDER BY tree_size DESC LIMIT 1"
    )
    if row is None:
        return None
    return StoredCheckpointRow(
        row["tree_size"], bytes(row["root_hash"]), row["signed_at"], row["note"]
    )


async def insert_checkpoint(conn: Connection, cp: StoredCheckpointRow) -> None:
    """Store a signed checkpoint (inside the caller's transaction)."""
    await conn.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, signed_at, note) VALUES ($1, $2, $3, $4)",
        cp.tree_size,
        cp.root_hash,
        cp.signed_at,
        cp.note,
    )
