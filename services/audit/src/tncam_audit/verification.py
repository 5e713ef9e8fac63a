"""Full verification of the stored log: rows, checkpoints in PostgreSQL and in the object store.

Reads one consistent snapshot (REPEATABLE READ) in chunks; the hashing runs in a thread,
overlapped with fetching the next chunk, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence

from tncam.audit.v1 import verify_pb2
from tncam_audit.db import reader
from tncam_audit.db.pg import Connection
from tncam_audit.domain.note import Verifier
from tncam_audit.domain.verify import Kind, LogVerifier, Problem, Result, SignedCheckpoint
from tncam_audit.storage.checkpoints import CheckpointStore


async def verify_log(
    conn: Connection,
    verifiers: Sequence[Verifier],
    origin: str,
    *,
    store: CheckpointStore | None = None,
    extra_checkpoints: Sequence[SignedCheckpoint] = (),
    check_columns: bool = True,
    chunk: int = reader.CHUNK,
) -> Result:
    """Verify everything; ``store`` adds the object-locked copies (and checks each exists)."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        db_notes = await reader.checkpoint_notes(conn)
        anchors = await reader.anchors(conn)
        checkpoints = [SignedCheckpoint(note, "database") for _, note in db_notes]
        checkpoints += list(extra_checkpoints)
        anchor_problems: list[Problem] = []
        if store is not None:
            stored = await store.list_notes()
            checkpoints += [SignedCheckpoint(s.note, f"object store {s.key}") for s in stored]
            anchor_problems = _check_anchors(db_notes, anchors, {s.key: s.note for s in stored})
        verifier = LogVerifier(checkpoints, verifiers, origin, check_columns=check_columns)
        for p in anchor_problems:
            verifier.add_problem(p)
        pending: asyncio.Future[None] | None = None
        async for rows in reader.stream_rows(conn, chunk=chunk):
            if pending is not None:
                await pending
            pending = asyncio.ensure_future(asyncio.to_thread(verifier.feed_many, rows))
        if pending is not None:
            await pending
    return verifier.finish()


def _check_anchors(
    db_notes: list[tuple[int, str]],
    anchors: dict[int, reader.Anchor],
    copies: dict[str, str],
) -> list[Problem]:
    problems: list[Problem] = []
    for size, note in db_notes:
        anchor = anchors.get(size)
        if anchor is None:
            continue  # not written yet: counted by the unanchored gauge, not tampering
        copy = copies.get(anchor.object_key)
        if copy is None:
            problems.append(
                Problem(0, Kind.ANCHOR, f"object-locked copy {anchor.object_key} is missing")
            )
        elif copy != note:
            problems.append(
                Problem(0, Kind.ANCHOR, f"checkpoint {size} differs from its locked copy")
            )
    return problems


def to_reply(result: Result, started: dt.datetime, duration: float) -> verify_pb2.VerifyReply:
    """The protobuf reply of a verification."""
    reply = verify_pb2.VerifyReply(
        ok=result.ok,
        tree_size=result.tree_size,
        root_hash=result.root,
        first_bad_sequence=result.first_bad_sequence,
        checkpoints_checked=result.checkpoints_checked,
        latest_checkpoint_size=result.latest_checkpoint_size,
        duration_s=duration,
    )
    reply.started_at.FromDatetime(started)
    for p in result.problems:
        reply.problems.add(
            sequence=p.sequence,
            kind=verify_pb2.ProblemKind.Value(f"PROBLEM_KIND_{p.kind.value.upper()}"),
            detail=p.detail,
        )
    return reply


async def timed_verify(
    conn: Connection,
    verifiers: Sequence[Verifier],
    origin: str,
    *,
    store: CheckpointStore | None = None,
) -> verify_pb2.VerifyReply:
    """Verify and return the protobuf reply with start time and duration."""
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    result = await verify_log(conn, verifiers, origin, store=store)
    return to_reply(result, started, time.perf_counter() - t0)
