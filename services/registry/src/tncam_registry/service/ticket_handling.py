"""Fault tickets handled by people: listed, acknowledged by the owning unit, noted, and closed
with their cause. The sweep still opens them (and closes them when the camera is back)."""

from __future__ import annotations

import uuid

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.registry.v1 import service_pb2 as rpb
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_registry.db import tickets as db
from tncam_registry.domain import access
from tncam_registry.domain.ops_views import CLOSED_BY_OPERATOR, MAX_NOTE, ticket_to_pb
from tncam_registry.domain.paging import next_token, offset_of, page_size
from tncam_registry.service.context import RegistryContext

MAINTENANCE = audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE
ACTIONS = {
    "acknowledge_fault_ticket": "camera.fault_ticket.acknowledged",
    "add_fault_ticket_note": "camera.fault_ticket.noted",
    "close_fault_ticket": "camera.fault_ticket.closed_by_operator",
}


async def list_tickets(
    ctx: RegistryContext, req: rpb.ListFaultTicketsRequest
) -> rpb.ListFaultTicketsReply:
    """A page of the tickets on cameras the actor may read, newest first."""
    op = "list_fault_tickets"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    size, offset = page_size(op, req.page_size), offset_of(op, req.page_token)
    if scope.unit_id and req.owner_unit_id and req.owner_unit_id != scope.unit_id:
        return rpb.ListFaultTicketsReply()
    cond = db.ticket_filters(
        camera_id=req.camera_id,
        owner_unit_id=scope.unit_id or req.owner_unit_id,
        sector=scope.sector,
        open_only=req.open_only,
    )
    async with ctx.sessions() as s:
        rows, total = await db.ticket_page(s, cond, offset=offset, size=size)
        notes = await db.notes_of(s, [str(r["id"]) for r in rows])
    return rpb.ListFaultTicketsReply(
        tickets=[ticket_to_pb(r, notes.get(str(r["id"]), ())) for r in rows],
        next_page_token=next_token(offset, len(rows), total),
        total_size=total,
    )


def _note(op: str, text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise InvalidInputError(f"registry.{op}.note_required", "note: bắt buộc (required)")
    if len(text) > MAX_NOTE:
        raise InvalidInputError(f"registry.{op}.too_long", f"tối đa {MAX_NOTE} ký tự")
    return text


async def _change(
    ctx: RegistryContext, req: rpb.FaultTicketActionRequest, op: str
) -> rpb.FaultTicket:
    """Lock the ticket, check the actor may change its camera, apply ``op``, audit, reply."""
    access.check_actor(req.actor, op)
    note = _note(op, req.note, required=op == "add_fault_ticket_note")
    cause = _note(op, req.cause, required=False)
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        row = await db.ticket(s, req.ticket_id, lock=True) if _uuid(req.ticket_id) else None
        if row is None:
            raise NotFoundError(f"registry.{op}.not_found", f"không có phiếu sự cố {req.ticket_id}")
        access.check_write(req.actor, row["owner_unit_id"], op)
        values: dict[str, object] = {}
        if op == "acknowledge_fault_ticket":
            if row["acknowledged_at"] is not None:
                raise ConflictError(f"registry.{op}.already_acknowledged", "phiếu đã được xác nhận")
            values = {"acknowledged_at": now, "acknowledged_by": req.actor.id}
        elif op == "close_fault_ticket":
            if not cause:
                raise InvalidInputError(
                    f"registry.{op}.cause_required", "cause: cần nêu nguyên nhân"
                )
            if row["cause"]:
                raise ConflictError(
                    f"registry.{op}.already_closed", "phiếu đã đóng, đã có nguyên nhân"
                )
            values = {"cause": cause, "closed_by": req.actor.id}
            if row["closed_at"] is None:
                values |= {"closed_at": now, "close_reason": CLOSED_BY_OPERATOR}
        if values:
            await db.update_ticket(s, req.ticket_id, values)
        if note:
            await db.add_note(s, req.ticket_id, now, req.actor.id, note)
        await ctx.audit(
            s,
            actor=req.actor,
            action=ACTIONS[op],
            cameras=[row["camera_id"]],
            after={"ticket_id": req.ticket_id, "note": note, "cause": cause},
            request_id=req.request_id,
            purpose=MAINTENANCE,
        )
        after = await db.ticket(s, req.ticket_id)
        notes = await db.notes_of(s, [req.ticket_id])
    await ctx.flush()
    assert after is not None
    return ticket_to_pb(after, notes.get(req.ticket_id, ()))


def _uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


async def acknowledge(ctx: RegistryContext, req: rpb.FaultTicketActionRequest) -> rpb.FaultTicket:
    """The owning unit has seen the ticket (who and when)."""
    return await _change(ctx, req, "acknowledge_fault_ticket")


async def add_note(ctx: RegistryContext, req: rpb.FaultTicketActionRequest) -> rpb.FaultTicket:
    """A note on the ticket (what was found, what is being done)."""
    return await _change(ctx, req, "add_fault_ticket_note")


async def close(ctx: RegistryContext, req: rpb.FaultTicketActionRequest) -> rpb.FaultTicket:
    """Close with the cause (or record the cause of a ticket the sweep closed)."""
    return await _change(ctx, req, "close_fault_ticket")
