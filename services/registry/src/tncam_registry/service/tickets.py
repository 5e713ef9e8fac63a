"""Fault tickets: opened when a camera stays lost past the threshold, closed when it is back."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam_mesh.db import unit_of_work
from tncam_registry.db import notices as db_notices
from tncam_registry.db import tickets as db
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain import notify as nt
from tncam_registry.domain.calendar import local_date
from tncam_registry.service.context import ACTOR, RegistryContext
from tncam_registry.service.notify import tell

log = logging.getLogger("tncam.registry")


async def close_ticket(
    ctx: RegistryContext, s: AsyncSession, camera_id: str, at: dt.datetime, reason: str
) -> None:
    """Close the camera's open ticket, if any (in the caller's transaction)."""
    ticket_id = await db.close_open(s, camera_id, at, reason)
    if ticket_id is not None:
        await ctx.audit(
            s,
            actor=ACTOR,
            action="camera.fault_ticket.closed",
            cameras=[camera_id],
            after={"ticket_id": ticket_id, "reason": reason},
            other=None,
            purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
        )


async def open_tickets(ctx: RegistryContext, now: dt.datetime) -> int:
    """Open a ticket for every active camera lost longer than ``fault_after``; returns how many."""
    opened = 0
    async with unit_of_work(ctx.sessions) as s:
        for camera_id, lost_since in await db.lost_without_ticket(s, now - ctx.fault_after):
            ticket_id = str(uuid.uuid4())
            due = dl.fault_fix_due(local_date(lost_since), ctx.calendar)
            await db.insert_ticket(
                s,
                ticket_id=ticket_id,
                camera_id=camera_id,
                detected_at=lost_since,
                opened_at=now,
                due_on=due,
            )
            await ctx.audit(
                s,
                actor=ACTOR,
                action="camera.fault_ticket.opened",
                cameras=[camera_id],
                after={
                    "ticket_id": ticket_id,
                    "detected_at": lost_since.isoformat(),
                    "due_on": due.isoformat(),
                },
                purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
            )
            owner = (await db_notices.camera_owners(s, [camera_id])).get(camera_id)
            if owner is not None:
                # The unit's notice, in the ticket's transaction: neither exists without the other.
                message = nt.fault_ticket_message(
                    ticket_id=ticket_id,
                    unit_id=owner[0],
                    camera_id=camera_id,
                    camera_name=owner[1],
                    lost_since=lost_since,
                    due_on=dl.fault_fix_due(local_date(now), ctx.calendar),
                )
                await tell(s, message, now)
            log.info("fault ticket opened, due %s", due, extra={"camera_id": camera_id})
            opened += 1
    return opened
