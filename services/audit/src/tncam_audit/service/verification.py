"""Full verification of the stored log: rows, checkpoints in PostgreSQL and in the object store.

Reads one consistent snapshot (REPEATABLE READ) in chunks; the hashing runs in a thread,
overlapped with fetching the next chunk, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Sequence

from tncam.audit.v1 import verify_pb2
from tncam_audit.db import reader
from tncam_audit.db.pg import Connection, pooled
from tncam_audit.domain.note import Verifier
from tncam_audit.domain.verify import Kind, LogVerifier, Problem, Result, SignedCheckpoint
from tncam_audit.service.context import AuditContext
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_mesh.clock import utc_now

log = logging.getLogger("tncam.audit")


async def verify(ctx: AuditContext, req: verify_pb2.VerifyRequest) -> verify_pb2.VerifyReply:
    """On request: recompute everything and report the first bad sequence number."""
    store = ctx.store if req.include_object_store else None
    async with ctx.verify_lock, pooled(ctx.engine) as conn:
        return await timed_verify(conn, ctx.verifiers, ctx.settings.log_origin, store=store)


async def scheduled_verify(ctx: AuditContext) -> None:
    """Scheduled full verification; failures count in tncam_audit_verify_failures_total."""
    metrics = ctx.metrics
    try:
        async with pooled(ctx.engine) as conn:
            reply = await timed_verify(
                conn, ctx.verifiers, ctx.settings.log_origin, store=ctx.store
            )
    except Exception:
        metrics.verify_failures.inc()
        metrics.verify_runs.labels(result="error").inc()
        raise
    metrics.verify_duration.set(reply.duration_s)
    metrics.verify_first_bad.set(reply.first_bad_sequence)
    if reply.ok:
        metrics.verify_runs.labels(result="ok").inc()
        metrics.verify_last_success.set(time.time())
        log.info(
            "audit log verified",
            extra={"tree_size": reply.tree_size, "duration_s": round(reply.duration_s, 3)},
        )
        return
    metrics.verify_failures.inc()
    metrics.verify_runs.labels(result="failed").inc()
    log.error(
        "AUDIT LOG VERIFICATION FAILED at sequence %d: %s",
        reply.first_bad_sequence,
        "; ".join(f"{p.sequence}: {p.detail}" for p in reply.problems[:5]),
        extra={"first_bad_sequence": reply.first_bad_sequence},
    )


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
    extra_checkpoints: Sequence[SignedCheckpoint] = (),
) -> verify_pb2.VerifyReply:
    """Verify and return the protobuf reply with start time and duration."""
    started = utc_now()
    t0 = time.perf_counter()
    result = await verify_log(
        conn, verifiers, origin, store=store, extra_checkpoints=extra_checkpoints
    )
    return to_reply(result, started, time.perf_counter() - t0)
