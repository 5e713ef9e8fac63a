"""The soak's probes: RSS of a process tree (/proc), NATS streams, PostgreSQL tables, S3 buckets."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
from minio import Minio

PROC = Path("/proc")
#: Tables kept per schema in the printed summary (every table goes to the CSV).
TOP_TABLES = 5


def parent_pid(stat_line: str) -> int:
    """The parent pid from a ``/proc/<pid>/stat`` line (the command name may hold spaces)."""
    return int(stat_line[stat_line.rindex(")") + 2 :].split()[1])


def rss_kib(status_text: str) -> int:
    """``VmRSS`` in KiB from a ``/proc/<pid>/status`` text (0 for a zombie, which has none)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(root: int, parents: dict[int, int]) -> set[int]:
    """``root`` and every process below it, from a pid → parent pid map."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _pids() -> Iterator[int]:
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            yield int(entry.name)


def process_parents() -> dict[int, int]:
    """pid → parent pid of every process now (those that exit while read are skipped)."""
    parents = {}
    for pid in _pids():
        with contextlib.suppress(OSError, ValueError):
            parents[pid] = parent_pid((PROC / str(pid) / "stat").read_text())
    return parents


def tree_rss_bytes(root: int, parents: dict[int, int]) -> int:
    """Resident memory of ``root`` and its descendants (e.g. ingest's worker processes)."""
    total = 0
    for pid in descendants(root, parents):
        with contextlib.suppress(OSError):
            total += rss_kib((PROC / str(pid) / "status").read_text()) * 1024
    return total


@dataclass(frozen=True)
class StreamSize:
    name: str
    messages: int
    bytes: int


async def nats_streams(url: str) -> list[StreamSize]:
    """Messages and bytes of every JetStream stream (the JetStream API's STREAM.INFO)."""
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        infos = await nc.jetstream().streams_info()
    finally:
        await nc.close()
    return sorted(
        (
            StreamSize(i.config.name or "?", int(i.state.messages), int(i.state.bytes))
            for i in infos
        ),
        key=lambda s: s.name,
    )


@dataclass(frozen=True)
class TableSize:
    schema: str
    table: str
    bytes: int


_TABLE_SIZES = """
SELECT n.nspname AS schema, c.relname AS table, pg_total_relation_size(c.oid) AS bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[])
ORDER BY 1, 3 DESC, 2
"""


async def table_sizes(admin_dsn: str, schemas: tuple[str, ...]) -> list[TableSize]:
    """pg_total_relation_size (table, indexes, TOAST) of every table of ``schemas``."""
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        rows = await conn.fetch(_TABLE_SIZES, list(schemas))
    finally:
        await conn.close()
    return [TableSize(r["schema"], r["table"], int(r["bytes"])) for r in rows]


def bucket_objects(endpoint: str, access_key: str, secret_key: str) -> dict[str, int]:
    """Object count (current versions) of every bucket of the store."""
    host = endpoint.split("://", 1)[-1]
    client = Minio(
        host, access_key=access_key, secret_key=secret_key, secure=endpoint.startswith("https")
    )
    return {
        b.name: sum(1 for _ in client.list_objects(b.name, recursive=True))
        for b in client.list_buckets()
    }
