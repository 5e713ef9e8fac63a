"""Reads of the log: the verification stream, checkpoints, queries, leaf hashes for proofs."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tncam.audit.v1 import query_pb2
from tncam_audit.db.pg import Connection
from tncam_audit.domain.entries import (
    COLUMNS,
    EXTRACTION_PREFIXES,
    PERSONAL_DATA,
    outcome_name,
    purpose_name,
)
from tncam_audit.domain.verify import StoredRow
from tncam_mesh.errors import InvalidInputError

CHUNK = 20_000
_SELECT_ROWS = (
    f"SELECT seq, {', '.join(COLUMNS)}, canonical, leaf_hash, chain_hash FROM log_entries "  # noqa: S608
    "WHERE seq > $1 ORDER BY seq LIMIT $2"
)


async def stream_rows(conn: Connection, *, chunk: int = CHUNK) -> AsyncIterator[list[StoredRow]]:
    """Every stored row in sequence order, in chunks (call inside one snapshot transaction)."""
    after = 0
    while True:
        records = await conn.fetch(_SELECT_ROWS, after, chunk)
        if not records:
            return
        rows: list[StoredRow] = []
        for rec in records:
            values = tuple(rec)
            rows.append(
                StoredRow(
                    values[0],
                    values[1:15],
                    bytes(values[15]),
                    bytes(values[16]),
                    bytes(values[17]),
                )
            )
        after = rows[-1].seq
        yield rows


async def checkpoint_notes(conn: Connection) -> list[tuple[int, str]]:
    """(size, signed note) of every checkpoint in the database."""
    rows = await conn.fetch("SELECT tree_size, note FROM checkpoints ORDER BY tree_size")
    return [(r["tree_size"], r["note"]) for r in rows]


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a checkpoint's object-locked copy is."""

    tree_size: int
    bucket: str
    object_key: str
    version_id: str


async def anchors(conn: Connection) -> dict[int, Anchor]:
    """Every recorded object-store copy, by tree size."""
    rows = await conn.fetch(
        "SELECT tree_size, bucket, object_key, version_id FROM checkpoint_anchors"
    )
    return {
        r["tree_size"]: Anchor(r["tree_size"], r["bucket"], r["object_key"], r["version_id"])
        for r in rows
    }


async def newest_signed_at(conn: Connection) -> dt.datetime | None:
    """When the newest checkpoint was signed (None before the first)."""
    row = await conn.fetchrow(
        "SELECT tree_size, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
    )
    return None if row is None else row["signed_at"]


async def checkpoint_row(conn: Connection, size: int) -> tuple[int, bytes, dt.datetime, str] | None:
    """(size, root, signed_at, note) of the checkpoint at ``size`` (0 = the newest)."""
    if size:
        rec = await conn.fetchrow(
            "SELECT tree_size, root_hash, signed_at, note FROM checkpoints WHERE tree_size = $1",
            size,
        )
    else:
        rec = await conn.fetchrow(
            "SELECT tree_size, root_hash, signed_at, note FROM checkpoints "
            "ORDER BY tree_size DESC LIMIT 1"
        )
    if rec is None:
        return None
    return rec["tree_size"], bytes(rec["root_hash"]), rec["signed_at"], rec["note"]


async def leaf_hashes(conn: Connection, size: int) -> list[bytes]:
    """Leaf hashes of the first ``size`` entries, recomputed from nothing but stored hashes."""
    rows = await conn.fetch("SELECT leaf_hash FROM log_entries WHERE seq <= $1 ORDER BY seq", size)
    return [bytes(r[0]) for r in rows]


# ------------------------------------------------------------------------------- queries


def encode_token(seq: int) -> str:
    """Opaque page token after entry ``seq``."""
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_token(token: str) -> int:
    """Inverse of :func:`encode_token`."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, seq = text.split(":")
        if prefix != "v1" or int(seq) < 0:
            raise ValueError(text)
        return int(seq)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInputError("audit.query.bad_token", "page token is not valid") from e


def _ts(stamp: object) -> dt.datetime | None:
    if not stamp.seconds and not stamp.nanos:  # type: ignore[attr-defined]
        return None
    t = stamp.ToDatetime(tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert isinstance(t, dt.datetime)
    return t


def where_clause(f: query_pb2.LogFilter) -> tuple[list[str], list[object]]:
    """SQL conditions and parameters for a filter (parameters numbered from $1)."""
    conds: list[str] = []
    params: list[object] = []

    def add(sql: str, *values: object) -> None:
        for v in values:
            params.append(v)
            sql = sql.replace("?", f"${len(params)}", 1)
        conds.append(sql)

    if f.actor_id:
        add("actor_id = ?", f.actor_id)
    if f.actor_unit_id:
        add("actor_unit_id = ?", f.actor_unit_id)
    if f.unit_id:
        params.append(f.unit_id)
        n = len(params)
        conds.append(f"(actor_unit_id = ${n} OR unit_ids @> ARRAY[${n}]::text[])")
    if f.camera_id:
        add("camera_ids @> ARRAY[?]::text[]", f.camera_id)
    if f.action:
        if f.action.endswith("."):
            escaped = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            add("action LIKE ?", escaped + "%")
        else:
            add("action = ?", f.action)
    if f.purpose_code:
        add("purpose_code = ?", purpose_name(f.purpose_code))
    if f.outcome:
        add("outcome = ?", outcome_name(f.outcome))
    if f.source_service:
        add("source_service = ?", f.source_service)
    since, until = _ts(f.since), _ts(f.until)
    if since is not None:
        add("occurred_at >= ?", since)
    if until is not None:
        add("occurred_at < ?", until)
    if f.view == query_pb2.LOG_VIEW_PROCESSING:
        add("data_categories && ?::text[]", list(PERSONAL_DATA))
    elif f.view == query_pb2.LOG_VIEW_EXTRACTION:
        likes = " OR ".join("action LIKE ?" for _ in EXTRACTION_PREFIXES)
        add(
            f"({likes} OR legal_basis = 'quick_extraction')",
            *(p.replace("_", "\\_") + "%" for p in EXTRACTION_PREFIXES),
        )
    if any(isinstance(p, str) and "\x00" in p for p in params):
        # PostgreSQL text cannot hold NUL: the caller's error, not a failed query.
        raise InvalidInputError(
            "audit.query.nul_character",
            "Bộ lọc chứa ký tự NUL không hợp lệ (filter must not contain NUL characters)",
        )
    return conds, params


async def query_page(
    conn: Connection,
    f: query_pb2.LogFilter,
    *,
    after: int,
    limit: int,
    newest_first: bool,
) -> tuple[list[bytes], int]:
    """Canonical bytes of one page and the sequence to continue after (0 = no more)."""
    conds, params = where_clause(f)
    if after:
        params.append(after)
        conds.append(f"seq {'<' if newest_first else '>'} ${len(params)}")
    params.append(limit + 1)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    order = "DESC" if newest_first else "ASC"
    sql = (
        f"SELECT seq, canonical FROM log_entries {where} "  # noqa: S608 - built from constants
        f"ORDER BY seq {order} LIMIT ${len(params)}"
    )
    rows = await conn.fetch(sql, *params)
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = rows[-1]["seq"] if more and rows else 0
    return [bytes(r["canonical"]) for r in rows], next_after


def page_size(requested: int, *, default: int, maximum: int) -> int:
    """The page size to use for a request."""
    if requested == 0:
        return default
    if requested > maximum:
        raise InvalidInputError(
            "audit.query.page_too_large", f"page_size must be at most {maximum}"
        )
    return requested
