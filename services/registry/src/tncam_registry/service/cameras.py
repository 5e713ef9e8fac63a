"""Cameras by hand: create, update, deactivate, get, list (import is in ``imports``)."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.registry.v1 import changes_pb2, service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_registry.db import cameras as db
from tncam_registry.db import changes as db_changes
from tncam_registry.db import quality as db_quality
from tncam_registry.domain import access, records
from tncam_registry.domain import credentials as creds
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain.changes import (
    ChangeKind,
    deactivation_summary,
    moves_in_report,
    update_summary,
)
from tncam_registry.domain.import_rows import parse_date
from tncam_registry.domain.model import CAMERA_ID_RE
from tncam_registry.domain.quality import HISTORY_LENGTH
from tncam_registry.domain.views import PB_TO_STATE, audit_image, camera_to_pb
from tncam_registry.service.camera_writes import (
    CameraWrite,
    publish_config,
    site_for,
    view,
    write_camera,
)
from tncam_registry.service.change_requests import request_change
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.quality import quality_filters
from tncam_registry.service.tickets import close_ticket

log = logging.getLogger("tncam.registry")
MAX_PAGE = 500


async def create_camera(
    ctx: RegistryContext, req: service_pb2.CreateCameraRequest
) -> service_pb2.Camera:
    """A new camera, checked by the import rules; its owner's operators may create it."""
    op = "create_camera"
    access.check_actor(req.actor, op)
    if not CAMERA_ID_RE.match(req.id):
        raise InvalidInputError(
            f"registry.{op}.invalid_id",
            "camera id must be 1-64 letters, digits, '-' and '_'",
        )
    row = records.validate_record(records.from_fields(req.id, req.fields), ctx.ref.importing(), op)
    owner = records.owner_of(row)
    access.check_write(req.actor, owner, op)
    given, set_creds = creds.given(req.credentials if req.HasField("credentials") else None, row)
    async with unit_of_work(ctx.sessions) as s:
        if await db.lock_camera(s, req.id) is not None:
            raise ConflictError(f"registry.{op}.exists", f"camera {req.id} already exists")
        site_id = await site_for(ctx, s, row, req.fields.site_id)
        write = CameraWrite(
            actor=req.actor,
            camera_id=req.id,
            values=records.column_values(row, site_id, owner),
            creds=given,
            set_credentials=set_creds,
            request_id=req.request_id,
        )
        await write_camera(ctx, s, write, existing=None)
    await ctx.flush()
    return await view(ctx, req.id)


def _changed_on(ctx: RegistryContext, req: service_pb2.UpdateCameraRequest, op: str) -> dt.date:
    """The date of the change in the field (today when not given); logs a late record."""
    if not req.changed_on:
        return ctx.today()
    try:
        changed_on = parse_date(req.changed_on)
    except ValueError as e:
        raise InvalidInputError(
            f"registry.{op}.invalid_date", "changed_on must be YYYY-MM-DD"
        ) from e
    due = dl.registry_update_due(changed_on, ctx.calendar)
    if ctx.today() > due:
        log.info(
            "registry update recorded late",
            extra={"camera_id": req.id, "due_on": due.isoformat()},
        )
    return changed_on


async def update_camera(
    ctx: RegistryContext, req: service_pb2.UpdateCameraRequest
) -> service_pb2.UpdateCameraReply:
    """Change the masked fields of a camera (optionally at an expected revision); a unit
    operator's change of its commune or site kind waits for approval (the reply names the
    request and the camera is unchanged)."""
    op = "update_camera"
    access.check_actor(req.actor, op)
    unknown = records.unknown_mask_fields(req.update_mask)
    if unknown:
        raise InvalidInputError(
            f"registry.{op}.invalid_mask", f"unknown fields in update_mask: {unknown}"
        )
    async with unit_of_work(ctx.sessions) as s:
        pending = await apply_update(ctx, s, req, op)
    await ctx.flush()
    return service_pb2.UpdateCameraReply(camera=await view(ctx, req.id), change_request=pending)


async def apply_update(  # long: lock, check, validate, place, hold for approval or write
    ctx: RegistryContext, s: AsyncSession, req: service_pb2.UpdateCameraRequest, op: str
) -> changes_pb2.CameraChangeRequest | None:
    """The update in the caller's transaction; the pending request when it must wait."""
    existing = await db.lock_camera(s, req.id)
    current = await db.camera_view(s, req.id)
    if existing is None or current is None:
        raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
    access.check_write(req.actor, existing["owner_unit_id"], op)
    if req.expected_revision and req.expected_revision != existing["revision"]:
        raise ConflictError(
            f"registry.{op}.stale_revision",
            f"camera {req.id} is at revision {existing['revision']}, not {req.expected_revision}",
        )
    record = records.apply_mask(
        records.from_row(existing, current),
        records.from_fields(req.id, req.fields),
        req.update_mask,
    )
    row = records.validate_record(record, ctx.ref.importing(), op)
    owner = records.owner_of(row)
    if owner != existing["owner_unit_id"]:
        access.check_write(req.actor, owner, op)
    site_id = req.fields.site_id if "site_id" in req.update_mask else ""
    new_place = {"commune_code": row.commune_code, "site_kind": row.site_kind.value}
    if site_id:
        site = await db.site_row(s, site_id)
        if site is not None:
            new_place = {"commune_code": site["commune_code"], "site_kind": site["kind"]}
    changed_on = _changed_on(ctx, req, op)
    if (
        active_in_report(current)
        and moves_in_report(current, new_place)
        and access.change_needs_approval(req.actor)
    ):
        req.changed_on = changed_on.isoformat()  # the field date, not the approval's
        values = records.column_values(row, site_id or existing["site_id"], owner)
        return await request_change(
            ctx,
            s,
            kind=ChangeKind.UPDATE,
            camera=existing,
            actor=req.actor,
            reason="",
            payload=req,
            summary=update_summary({**existing, **current}, {**_comparable(values), **new_place}),
            request_id=req.request_id,
            op=op,
        )
    if not site_id and (
        row.commune_code != current["commune_code"] or row.site_kind.value != current["site_kind"]
    ):
        site_id = await site_for(ctx, s, row)
    site_id = site_id or existing["site_id"]
    if site_id != existing["site_id"]:
        await site_for(ctx, s, row, site_id)
    given, set_creds = creds.for_update(req, row)
    write = CameraWrite(
        actor=req.actor,
        camera_id=req.id,
        values=records.column_values(row, site_id, owner),
        creds=given,
        set_credentials=set_creds,
        request_id=req.request_id,
    )
    outcome = await write_camera(ctx, s, write, existing=existing)
    if outcome != "unchanged":
        due = dl.registry_update_due(changed_on, ctx.calendar)
        await db_changes.add_registry_update(s, req.id, changed_on, due, ctx.clock())
    return None


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Column values fit for a summary: never the sealed credentials."""
    return {k: v for k, v in values.items() if not k.startswith("credentials")}


def active_in_report(current: Any) -> bool:
    """Whether the camera counts in the reports now (only then can a change hide it)."""
    return bool(current["active"])


async def deactivate_camera(
    ctx: RegistryContext, req: service_pb2.DeactivateCameraRequest
) -> service_pb2.DeactivateCameraReply:
    """Take a camera out of service: its KV key goes, its open fault ticket closes. A unit
    operator's deactivation waits for a province admin (the camera stays active and reported,
    its ticket open)."""
    op = "deactivate_camera"
    access.check_actor(req.actor, op)
    async with unit_of_work(ctx.sessions) as s:
        pending = await apply_deactivation(ctx, s, req, op)
    await ctx.flush()
    return service_pb2.DeactivateCameraReply(camera=await view(ctx, req.id), change_request=pending)


async def apply_deactivation(
    ctx: RegistryContext, s: AsyncSession, req: service_pb2.DeactivateCameraRequest, op: str
) -> changes_pb2.CameraChangeRequest | None:
    """The deactivation in the caller's transaction; the pending request when it must wait."""
    now = ctx.clock()
    existing = await db.lock_camera(s, req.id)
    if existing is None:
        raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
    access.check_write(req.actor, existing["owner_unit_id"], op)
    if not existing["active"]:
        return None
    if access.change_needs_approval(req.actor):
        return await request_change(
            ctx,
            s,
            kind=ChangeKind.DEACTIVATE,
            camera=existing,
            actor=req.actor,
            reason=req.reason,
            payload=req,
            summary=deactivation_summary(),
            request_id=req.request_id,
            op=op,
        )
    await db.update_camera(
        s,
        req.id,
        {
            "active": False,
            "deactivated_at": now,
            "revision": existing["revision"] + 1,
            "updated_at": now,
        },
    )
    after = await db.lock_camera(s, req.id)
    assert after is not None
    await publish_config(ctx, s, after, "", now)
    await close_ticket(ctx, s, req.id, now, "deactivated")
    await ctx.audit(
        s,
        actor=req.actor,
        action="camera.config.deactivated",
        cameras=[req.id],
        before=audit_image(existing),
        after={**audit_image(after), "reason": req.reason},
        request_id=req.request_id,
    )
    return None


async def get_camera(ctx: RegistryContext, req: service_pb2.GetCameraRequest) -> service_pb2.Camera:
    """One camera, if the actor may read it."""
    scope = access.read_scope(req.actor, "get_camera", ctx.ref.units)
    async with ctx.sessions() as s:
        row = await db.camera_view(s, req.id, scope)
        if row is None:
            raise NotFoundError("registry.get_camera.not_found", f"no camera {req.id}")
        recent = await db_quality.history(s, req.id, HISTORY_LENGTH)
    return camera_to_pb(row, ctx.today(), recent)


def _page_after(token: str, op: str) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"registry.{op}.page_token", "invalid page_token") from e


async def list_cameras(
    ctx: RegistryContext, req: service_pb2.ListCamerasRequest
) -> service_pb2.ListCamerasReply:
    """A page of the cameras the actor may read, filtered, in id order."""
    op = "list_cameras"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    cond = (
        db.scope_filters(scope)
        + db.filters(
            commune_codes=list(req.commune_codes),
            owner_unit_id=req.owner_unit_id,
            sector=req.sector,
            site_kinds=list(req.site_kinds),
            states=[PB_TO_STATE[s].value for s in req.states if s in PB_TO_STATE],
            include_inactive=req.include_inactive,
            text=req.text,
        )
        + quality_filters(ctx, req)
    )
    size = req.page_size or 50
    if size > MAX_PAGE:
        raise InvalidInputError(f"registry.{op}.page_size", "page_size must be at most 500")
    after = _page_after(req.page_token, op)
    async with ctx.sessions() as s:
        rows, total = await db.camera_page(s, cond, after=after, size=size)
    today = ctx.today()
    reply = service_pb2.ListCamerasReply(
        cameras=[camera_to_pb(r, today) for r in rows[:size]], total_size=total
    )
    if len(rows) > size:
        reply.next_page_token = base64.urlsafe_b64encode(rows[size - 1]["id"].encode()).decode()
    return reply
