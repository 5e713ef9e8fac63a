"""Connection state: ingest's status events and the time-based sweep."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.camera.v1 import status_pb2
from tncam_contracts.catalog import CAMERA_STATE_CHANGED
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError
from tncam_registry.bus.events import state_changed
from tncam_registry.db import cameras as db_cameras
from tncam_registry.db import connection as db
from tncam_registry.domain import connection as conn_domain
from tncam_registry.domain.views import DISCONNECT_REASONS
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.tickets import close_ticket, open_tickets

log = logging.getLogger("tncam.registry")


def _observation(
    ctx: RegistryContext, msg: status_pb2.CameraStatusChanged
) -> conn_domain.Observation:
    if msg.state == status_pb2.CONNECTION_STATE_UNSPECIFIED:
        raise InvalidInputError("registry.status.invalid", "status event without a state")
    up = msg.state == status_pb2.CONNECTION_STATE_CONNECTED
    at = msg.observed_at.ToDatetime(dt.UTC) if msg.HasField("observed_at") else ctx.clock()
    return conn_domain.Observation(
        at=at,
        up=up,
        reason=DISCONNECT_REASONS.get(msg.reason, "other") if not up else "none",
        detail=msg.detail[:500],
    )


def _count(ctx: RegistryContext, transitions: list[conn_domain.Transition]) -> None:
    for t in transitions:
        ctx.metrics.transitions.labels(previous=t.previous.value, state=t.state.value).inc()


async def apply_status(
    ctx: RegistryContext, msg: status_pb2.CameraStatusChanged, stream_seq: int
) -> str:
    """Apply one status event; returns what happened (for metrics)."""
    obs = _observation(ctx, msg)
    transitions: list[conn_domain.Transition] = []
    async with unit_of_work(ctx.sessions) as s:
        locked = await db.lock_connection(s, msg.camera_id)
        if locked is None:
            return "unknown_camera"
        conn, last_seq = locked
        if stream_seq and stream_seq <= last_seq:
            return "duplicate"
        if conn.last_observed_at is not None and obs.at < conn.last_observed_at:
            await db.save_connection(s, msg.camera_id, conn, seq=stream_seq or None)
            return "stale"
        edges, before = await db.window_edges(s, msg.camera_id, obs.at - ctx.policy.window)
        window = conn_domain.WindowFn(edges, obs.at, up_before=before, policy=ctx.policy)
        step = conn_domain.apply(conn, obs, window, ctx.policy)
        await _commit_step(ctx, s, msg.camera_id, step, seq=stream_seq or None)
        if step.transition is not None:
            transitions.append(step.transition)
    _count(ctx, transitions)
    await ctx.flush()
    return "applied"


async def _commit_step(
    ctx: RegistryContext,
    s: AsyncSession,
    camera_id: str,
    step: conn_domain.Step,
    *,
    seq: int | None,
) -> None:
    """Store a step of the state machine: connection, edge, transition and its event."""
    await db.save_connection(s, camera_id, step.connection, seq=seq)
    if step.edge is not None:
        await db.insert_edge(s, camera_id, step.edge)
        if step.edge.up:
            await close_ticket(ctx, s, camera_id, step.edge.at, "reconnected")
    t = step.transition
    if t is None:
        return
    transition_id = await db.insert_transition(s, camera_id, t)
    event = state_changed(camera_id, t, transition_id, await db_cameras.place(s, camera_id))
    await ctx.outbox.event(
        s, CAMERA_STATE_CHANGED, camera_id, event, f"state:{camera_id}:{transition_id}"
    )
    log.info(
        "camera state %s -> %s (%s)",
        t.previous.value,
        t.state.value,
        t.reason,
        extra={"camera_id": camera_id},
    )


async def _tick(ctx: RegistryContext, camera_id: str, now: dt.datetime) -> bool:
    """Let time act on one camera (handover expiry, unstable ageing out); True if it changed."""
    transitions: list[conn_domain.Transition] = []
    async with unit_of_work(ctx.sessions) as s:
        locked = await db.lock_connection(s, camera_id)
        if locked is None:
            return False
        conn, _ = locked
        edges, before = await db.window_edges(s, camera_id, now - ctx.policy.window)
        window = conn_domain.measure(edges, now - ctx.policy.window, now, up_at_start=before)
        step = conn_domain.tick(conn, now, window, ctx.policy, handover_grace=ctx.handover_grace)
        if step.connection == conn:
            return False
        await _commit_step(ctx, s, camera_id, step, seq=None)
        if step.transition is not None:
            transitions.append(step.transition)
    _count(ctx, transitions)
    return True


async def sweep(ctx: RegistryContext) -> dict[str, int]:
    """Time-based work: expired handovers, unstable ageing out, fault tickets."""
    now = ctx.clock()
    async with ctx.sessions() as s:
        ids = await db.sweep_candidates(s)
    ticked = 0
    for camera_id in ids:
        ticked += await _tick(ctx, camera_id, now)
    done = {"ticked": ticked, "tickets_opened": await open_tickets(ctx, now)}
    if done["ticked"] or done["tickets_opened"]:
        await ctx.flush()
    return done
