"""A camera's history: its state transitions, daily uptime and fault tickets."""

from __future__ import annotations

import datetime as dt

from tncam.registry.v1 import service_pb2
from tncam_mesh.errors import InvalidInputError
from tncam_registry.db import connection as db
from tncam_registry.db import tickets as db_tickets
from tncam_registry.domain.calendar import VN_TZ, local_date
from tncam_registry.domain.connection import uptime_by_day
from tncam_registry.domain.views import history_to_pb
from tncam_registry.service.cameras import get_camera
from tncam_registry.service.context import RegistryContext

MAX_DAYS = 90


async def history(
    ctx: RegistryContext, req: service_pb2.GetCameraHistoryRequest
) -> service_pb2.GetCameraHistoryReply:
    """The last ``days`` days (default 7) of a camera the actor may read."""
    op = "get_camera_history"
    await get_camera(ctx, service_pb2.GetCameraRequest(actor=req.actor, id=req.camera_id))
    days = req.days or 7
    if days > MAX_DAYS:
        raise InvalidInputError(f"registry.{op}.days", "days must be at most 90")
    now = ctx.clock()
    first_day = local_date(now) - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first_day, dt.time(), VN_TZ)
    async with ctx.sessions() as s:
        transitions = await db.transitions(s, req.camera_id, limit=200)
        edges, before = await db.window_edges(s, req.camera_id, start)
        tickets = await db_tickets.tickets_of(s, req.camera_id, limit=50)
    uptime = uptime_by_day(edges, first_day, days, now, up_before=before)
    return history_to_pb(transitions, uptime, tickets)
