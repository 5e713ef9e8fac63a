"""Reading what units did and declared: maintenance records (Art. 14) and the annual needs
registrations (Art. 22), listed by the central operator and by each unit for itself."""

from __future__ import annotations

from tncam.registry.v1 import service_pb2 as rpb
from tncam_mesh.errors import InvalidInputError
from tncam_registry.db import maintenance as db
from tncam_registry.domain import access
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.calendar import local_date
from tncam_registry.domain.model import UnitKind
from tncam_registry.domain.ops_views import maintenance_to_pb, needs_to_pb
from tncam_registry.domain.paging import next_token, offset_of, page_size
from tncam_registry.service.context import RegistryContext


async def list_records(
    ctx: RegistryContext, req: rpb.ListMaintenanceRecordsRequest
) -> rpb.ListMaintenanceRecordsReply:
    """A page of maintenance visits on cameras the actor may read, newest first."""
    op = "list_maintenance_records"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    size, offset = page_size(op, req.page_size), offset_of(op, req.page_token)
    if scope.unit_id and req.owner_unit_id and req.owner_unit_id != scope.unit_id:
        return rpb.ListMaintenanceRecordsReply()
    cond = db.record_filters(
        camera_id=req.camera_id,
        owner_unit_id=scope.unit_id or req.owner_unit_id,
        sector=scope.sector,
    )
    async with ctx.sessions() as s:
        rows, total = await db.record_page(s, cond, offset=offset, size=size)
    return rpb.ListMaintenanceRecordsReply(
        records=[maintenance_to_pb(r) for r in rows],
        next_page_token=next_token(offset, len(rows), total),
        total_size=total,
    )


async def list_needs(
    ctx: RegistryContext, req: rpb.ListConnectionNeedsRequest
) -> rpb.ListConnectionNeedsReply:
    """A page of one year's needs registrations (default: next year), and which of the units
    that must register have not (communes, service centers)."""
    op = "list_connection_needs"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    if scope.sector:
        raise access.forbidden(op, "needs are registered per unit")
    year = req.year or ctx.today().year + 1
    if not 2000 <= year <= 2200:
        raise InvalidInputError(f"registry.{op}.invalid_year", "year out of range")
    if scope.unit_id and req.unit_id and req.unit_id != scope.unit_id:
        return rpb.ListConnectionNeedsReply()
    unit_id = scope.unit_id or req.unit_id
    size, offset = page_size(op, req.page_size), offset_of(op, req.page_token)
    async with ctx.sessions() as s:
        rows, total = await db.needs_page(s, year, unit_id, offset=offset, size=size)
        registered = await db.registered_units(s, year)
    due = dl.needs_due(year)
    must = [
        uid
        for uid, (kind, _, _) in sorted(ctx.ref.units.items())
        if kind in (UnitKind.COMMUNE.value, UnitKind.SERVICE_CENTER.value)
        and (not unit_id or uid == unit_id)
    ]
    return rpb.ListConnectionNeedsReply(
        needs=[
            needs_to_pb(
                r,
                ctx.ref.unit_names.get(r["unit_id"], r["unit_id"]),
                local_date(r["recorded_at"]) <= due,
            )
            for r in rows
        ],
        next_page_token=next_token(offset, len(rows), total),
        total_size=total,
        missing_unit_ids=[u for u in must if u not in registered],
    )
