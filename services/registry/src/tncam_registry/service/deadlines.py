"""Legal deadlines: what is overdue, maintenance visits, yearly connection needs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.registry.v1 import service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_registry.db import cameras as db_cameras
from tncam_registry.db import maintenance as db_maintenance
from tncam_registry.db import reports as db
from tncam_registry.db import tickets as db_tickets
from tncam_registry.domain import access
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.calendar import local_date
from tncam_registry.domain.import_rows import parse_date
from tncam_registry.domain.model import UnitKind
from tncam_registry.domain.needs import check_needs
from tncam_registry.domain.ops_views import MAX_NOTE, needs_structured
from tncam_registry.domain.views import iso
from tncam_registry.service.camera_writes import view
from tncam_registry.service.context import RegistryContext

MAX_UPCOMING_DAYS = 366


def _facts(r: Any) -> dl.CameraFacts:
    detail, since = "", r.mismatch_since
    if r.mismatch_since is not None:
        detail = dl.mismatch_detail(
            declared_codec=r.declared_codec,
            resolution=r.resolution,
            measured_codec=r.measured_codec,
            width=r.measured_width,
            height=r.measured_height,
        )
    if r.onvif_changed_since is not None:  # an ONVIF re-probe saw the device change
        since = min(since or r.onvif_changed_since, r.onvif_changed_since)
        detail = "; ".join(d for d in (detail, "ONVIF: " + ", ".join(r.onvif_changes)) if d)
    return dl.CameraFacts(
        r.id,
        r.owner_unit_id,
        r.commune_code,
        r.installed_on,
        r.ever_connected,
        r.last_maintained_on,
        local_date(since) if since is not None else None,
        detail,
    )


async def overdue(
    ctx: RegistryContext, as_of: dt.date | None = None, kinds: Sequence[str] = ()
) -> list[dl.DueItem]:
    """Every deadline past due on ``as_of`` (default today), only ``kinds`` if given."""
    as_of = as_of or ctx.today()
    async with ctx.sessions() as s:
        rows = await db.deadline_facts(s)
        tickets = await db_tickets.open_tickets(s)
        registered = await db.needs_registered(s, as_of.year + 1)
    units = [
        dl.NeedsUnit(unit_id, commune_code or "", unit_id in registered)
        for unit_id, (kind, commune_code, _) in sorted(ctx.ref.units.items())
        if kind in (UnitKind.COMMUNE.value, UnitKind.SERVICE_CENTER.value)
    ]
    return dl.overdue_items(
        [_facts(r) for r in rows],
        [dl.OpenTicket(str(t.id), t.camera_id, t.due_on) for t in tickets],
        units,
        as_of,
        ctx.calendar,
        kinds,
    )


async def list_overdue(
    ctx: RegistryContext, req: service_pb2.ListOverdueDeadlinesRequest
) -> tuple[list[dl.DueItem], dt.date]:
    """The overdue deadlines the actor may see (unit-scoped roles: their own unit's)."""
    op = "list_overdue_deadlines"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    unknown = [k for k in req.kinds if k not in dl.KINDS]
    if unknown:
        raise InvalidInputError(f"registry.{op}.kind", f"unknown kinds {unknown}; use {dl.KINDS}")
    try:
        as_of = parse_date(req.as_of) if req.as_of else None
    except ValueError as e:
        raise InvalidInputError(f"registry.{op}.as_of", "as_of must be YYYY-MM-DD") from e
    as_of = as_of or ctx.today()
    if req.upcoming_days > MAX_UPCOMING_DAYS:
        raise InvalidInputError(f"registry.{op}.upcoming_days", "upcoming_days: at most 366")
    items = await overdue(ctx, as_of, list(req.kinds))
    if req.upcoming_days:
        later = as_of + dt.timedelta(days=req.upcoming_days)
        items += [
            dataclasses.replace(i, upcoming=True, days_overdue=0)
            for i in await overdue(ctx, later, list(req.kinds))
            if i.due_on >= as_of
        ]
    unit = scope.unit_id or req.owner_unit_id
    if scope.limited and req.owner_unit_id and req.owner_unit_id != scope.unit_id:
        return [], as_of
    if unit:
        items = [i for i in items if i.owner_unit_id == unit]
    elif scope.sector:
        items = [i for i in items if i.owner_unit_id == req.actor.unit_id]
    return sorted(items, key=lambda i: (i.due_on, i.kind, i.camera_id, i.owner_unit_id)), as_of


async def record_maintenance(
    ctx: RegistryContext, req: service_pb2.RecordMaintenanceRequest
) -> service_pb2.Camera:
    """Record a maintenance visit (today unless a past date is given)."""
    op = "record_maintenance"
    access.check_actor(req.actor, op)
    try:
        done_on = parse_date(req.done_on) if req.done_on else ctx.today()
    except ValueError as e:
        raise InvalidInputError(f"registry.{op}.invalid_date", "done_on: YYYY-MM-DD") from e
    if done_on > ctx.today():
        raise InvalidInputError(f"registry.{op}.future_date", "done_on is in the future")
    async with unit_of_work(ctx.sessions) as s:
        existing = await db_cameras.lock_camera(s, req.camera_id)
        if existing is None:
            raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.camera_id}")
        access.check_write(req.actor, existing["owner_unit_id"], op)
        note = req.note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidInputError(f"registry.{op}.too_long", f"note: tối đa {MAX_NOTE} ký tự")
        latest = existing["last_maintained_on"]
        if latest is None or done_on >= latest:
            await db_cameras.set_last_maintained(s, req.camera_id, done_on, ctx.clock())
        await db_maintenance.insert_record(
            s,
            {
                "id": str(uuid.uuid4()),
                "camera_id": req.camera_id,
                "done_on": done_on,
                "note": note,
                "recorded_at": ctx.clock(),
                "recorded_by": req.actor.id,
            },
        )
        await ctx.audit(
            s,
            actor=req.actor,
            action="camera.maintenance.recorded",
            cameras=[req.camera_id],
            before={"last_maintained_on": iso(existing["last_maintained_on"])},
            after={"done_on": done_on.isoformat(), "note": note},
            request_id=req.request_id,
            purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
        )
    await ctx.flush()
    return await view(ctx, req.camera_id)


async def record_connection_needs(
    ctx: RegistryContext, req: service_pb2.RecordConnectionNeedsRequest
) -> service_pb2.RecordConnectionNeedsReply:
    """Record a unit's connection needs for a year (due by 15 December of the year before)."""
    op = "record_connection_needs"
    access.check_write(req.actor, req.unit_id, op)
    if req.unit_id not in ctx.ref.units:
        raise NotFoundError(f"registry.{op}.unknown_unit", f"no unit {req.unit_id}")
    if req.year < 2000 or req.year > 2200:
        raise InvalidInputError(f"registry.{op}.invalid_year", "year out of range")
    check_needs(op, req, ctx.ref.commune_kinds, ctx.ref.units)
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        structured = needs_structured(req)
        await db.upsert_needs(
            s, unit_id=req.unit_id, year=req.year, needs=req.needs, at=now, by=req.actor.id
        )
        await db_maintenance.upsert_structured(s, req.unit_id, req.year, structured)
        await ctx.audit(
            s,
            actor=req.actor,
            action="unit.connection_needs.recorded",
            after={"unit_id": req.unit_id, "year": req.year, "needs": req.needs} | structured,
            request_id=req.request_id,
            other=("unit", req.unit_id),
        )
    await ctx.flush()
    reply = service_pb2.RecordConnectionNeedsReply(
        unit_id=req.unit_id, year=req.year, on_time=local_date(now) <= dl.needs_due(req.year)
    )
    reply.recorded_at.FromDatetime(now)
    return reply
