"""ONVIF probes (issue 17): probe a camera, onboard one from its ONVIF address, the police's
acceptance of its security, the daily re-probe.

No database transaction is held while a device is being talked to: the camera and its
credentials are read first, the device is probed (bounded in time and size), then the result
is written in one unit of work. A failed probe writes nothing (the scheduled re-probe records
only when it tried, so that it moves on to the next camera).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import service_pb2
from tncam_contracts.units import commune_unit_id
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TncamError,
    UnavailableError,
)
from tncam_registry.clients.onvif import Endpoint, OnvifError
from tncam_registry.db import cameras as db_cameras
from tncam_registry.db import onvif as db
from tncam_registry.domain import access
from tncam_registry.domain import onvif as rules
from tncam_registry.domain.credentials import Credentials
from tncam_registry.domain.import_rows import parse_date
from tncam_registry.domain.model import CAMERA_ID_RE
from tncam_registry.service import cameras
from tncam_registry.service.camera_writes import republish, view
from tncam_registry.service.context import ACTOR, RegistryContext

log = logging.getLogger("tncam.registry")
#: Problems of the device that a retry may cure (the rest need the record fixed).
_RETRYABLE = ("unreachable", "timeout")


def probe_error(op: str, e: OnvifError) -> TncamError:
    """A device problem as the registry's error: ``registry.<op>.<kind>``."""
    code = f"registry.{op}.{e.kind}"
    if e.kind in _RETRYABLE:
        return UnavailableError(code, e.message)
    return InvalidInputError(code, e.message)


def _defaults(ctx: RegistryContext, vendor: str) -> list[tuple[str, str]]:
    own = list(ctx.default_credentials.get(vendor.strip().lower(), ()))
    return own + [p for p in ctx.default_credentials.get("*", ()) if p not in own]


async def measure(
    ctx: RegistryContext, op: str, url: str, creds: Credentials | None
) -> tuple[rules.DeviceProbe, list[rules.Finding]]:
    """Probe the device and run the security checks; device problems as registry errors."""
    ep = Endpoint(url, creds.username if creds else None, creds.password if creds else None)
    try:
        probe = await ctx.onvif.probe(ep)
        evidence = await ctx.onvif.security(ep, probe, _defaults(ctx, probe.vendor))
    except OnvifError as e:
        raise probe_error(op, e) from e
    return probe, rules.security_findings(probe, evidence, ctx.security)


async def _store(
    ctx: RegistryContext,
    s: AsyncSession,
    camera_id: str,
    probe: rules.DeviceProbe,
    findings: list[rules.Finding],
    *,
    actor: actor_pb2.Actor,
    request_id: str,
) -> None:
    """Write the probe, its findings, the changes since the last one and the assessment."""
    now = ctx.clock()
    row = await db.lock_row(s, camera_id)
    before = rules.probe_from_document(row["probe"]) if row and row["probe"] else None
    current = rules.Assessment(row["assessment"]) if row else rules.Assessment.NOT_ASSESSED
    assessment = rules.assessment_after_probe(current, findings)
    changes = rules.changes(before, probe)
    values: dict[str, Any] = {
        "probed_at": now,
        "probe": rules.probe_document(probe),
        "findings": rules.findings_document(findings),
        "assessment": assessment.value,
        "assessment_reasons": [
            f"{f.code}: {f.detail}" for f in findings if f.severity is rules.Severity.FAIL
        ],
        "assessed_at": now,
        "last_error": "",
        "last_attempt_at": now,
    }
    if assessment is not rules.Assessment.ACCEPTED:
        values.update(document_number="", document_date=None)
    if changes:
        values["changes"] = changes
        values["changed_since"] = (row["changed_since"] if row else None) or now
    await db.upsert(s, camera_id, values)
    if ctx.require_assessment and rules.may_activate(current) != rules.may_activate(assessment):
        await republish(ctx, s, camera_id)
    await ctx.audit(
        s,
        actor=actor,
        action="camera.onvif.probed",
        cameras=[camera_id],
        before={"assessment": current.value} if row else None,
        after={
            "assessment": assessment.value,
            "findings": values["findings"],
            "changes": changes,
            "firmware": probe.firmware,
        },
        request_id=request_id,
    )


async def _target(ctx: RegistryContext, camera_id: str, op: str) -> tuple[Any, Credentials | None]:
    async with ctx.sessions() as s:
        row = await db_cameras.lock_camera(s, camera_id)
    if row is None:
        raise NotFoundError(f"registry.{op}.not_found", f"no camera {camera_id}")
    return row, (
        ctx.box.open(camera_id, bytes(row["credentials_sealed"]))
        if row["credentials_sealed"] is not None
        else None
    )


async def _fill_streams(
    ctx: RegistryContext, actor: actor_pb2.Actor, row: Any, probe: rules.DeviceProbe, rid: str
) -> None:
    """Stream URLs the registry does not have yet, from the probe (main and sub)."""
    fields, mask = service_pb2.CameraFields(), list[str]()
    main, sub = probe.main, probe.sub
    if not row["rtsp_url"] and main is not None and main.stream_uri:
        fields.rtsp_url, mask = main.stream_uri, [*mask, "rtsp_url"]
    if not row["rtsp_sub_url"] and sub is not None and sub.stream_uri:
        fields.rtsp_sub_url, mask = sub.stream_uri, [*mask, "rtsp_sub_url"]
    if mask:
        await cameras.update_camera(
            ctx,
            service_pb2.UpdateCameraRequest(
                actor=actor, id=row["id"], fields=fields, update_mask=mask, request_id=rid
            ),
        )


async def probe_camera(
    ctx: RegistryContext, req: service_pb2.ProbeCameraRequest
) -> service_pb2.Camera:
    """Probe a registered camera (province admin, or an operator of its owning unit)."""
    op = "probe_camera"
    access.check_actor(req.actor, op)
    row, creds = await _target(ctx, req.id, op)
    access.check_write(req.actor, row["owner_unit_id"], op)
    if not row["onvif_url"]:
        raise InvalidInputError(f"registry.{op}.no_onvif_url", f"camera {req.id} has no onvif_url")
    probe, findings = await measure(ctx, op, row["onvif_url"], creds)
    await _fill_streams(ctx, req.actor, row, probe, req.request_id)
    async with unit_of_work(ctx.sessions) as s:
        if await db_cameras.lock_camera(s, req.id) is None:
            raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
        await _store(ctx, s, req.id, probe, findings, actor=req.actor, request_id=req.request_id)
    await ctx.flush()
    return await view(ctx, req.id)


def onboard_fields(
    fields: service_pb2.CameraFields, probe: rules.DeviceProbe
) -> service_pb2.CameraFields:
    """The new camera's fields: the request's, with what the probe measured where it is empty."""
    out = service_pb2.CameraFields()
    out.CopyFrom(fields)
    main, sub = probe.main, probe.sub
    enc = main.encoder if main is not None else None
    for name, value in (
        ("rtsp_url", main.stream_uri if main else ""),
        ("rtsp_sub_url", sub.stream_uri if sub else ""),
        ("vendor", probe.vendor),
        ("model", probe.model),
        ("firmware", probe.firmware),
        ("declared_codec", enc.codec if enc and enc.codec in ("hevc", "h264") else ""),
        ("resolution", enc.resolution if enc else ""),
        ("onvif_version", probe.onvif_version),
    ):
        if not getattr(out, name) and value:
            setattr(out, name, value)
    return out


async def onboard_camera(
    ctx: RegistryContext, req: service_pb2.OnboardCameraRequest
) -> service_pb2.Camera:
    """Register a camera from its ONVIF address and credentials; the probe fills the rest."""
    op = "onboard_camera"
    access.check_actor(req.actor, op)
    if not CAMERA_ID_RE.match(req.id):
        raise InvalidInputError(f"registry.{op}.invalid_id", "invalid camera id")
    if not req.fields.onvif_url.startswith(("http://", "https://")):
        raise InvalidInputError(f"registry.{op}.invalid_onvif_url", "onvif_url must be http(s)")
    owner = req.fields.owner_unit_id or commune_unit_id(req.fields.commune_code)
    access.check_write(req.actor, owner, op)
    given = req.credentials.username or req.credentials.password
    creds = Credentials(req.credentials.username, req.credentials.password) if given else None
    probe, findings = await measure(ctx, op, req.fields.onvif_url, creds)
    await cameras.create_camera(
        ctx,
        service_pb2.CreateCameraRequest(
            actor=req.actor,
            id=req.id,
            fields=onboard_fields(req.fields, probe),
            credentials=req.credentials,
            request_id=req.request_id,
        ),
    )
    async with unit_of_work(ctx.sessions) as s:
        await _store(ctx, s, req.id, probe, findings, actor=req.actor, request_id=req.request_id)
    await ctx.flush()
    return await view(ctx, req.id)


async def accept_assessment(
    ctx: RegistryContext, req: service_pb2.AcceptSecurityAssessmentRequest
) -> service_pb2.Camera:
    """The police accepted the camera's security (province admin records it)."""
    op = "accept_security_assessment"
    access.check_actor(req.actor, op)
    if req.actor.role not in access.WRITERS:
        raise ForbiddenError(f"registry.{op}.forbidden", "only a province admin records this")
    if not req.document_number.strip():
        raise InvalidInputError(f"registry.{op}.document_required", "document_number is required")
    try:
        date = parse_date(req.document_date)
    except ValueError as e:
        raise InvalidInputError(f"registry.{op}.invalid_date", "document_date: YYYY-MM-DD") from e
    async with unit_of_work(ctx.sessions) as s:
        if await db_cameras.lock_camera(s, req.id) is None:
            raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
        row = await db.lock_row(s, req.id)
        await db.upsert(
            s,
            req.id,
            {
                "assessment": rules.Assessment.ACCEPTED.value,
                "document_number": req.document_number.strip(),
                "document_date": date,
                "assessed_at": ctx.clock(),
            },
        )
        if ctx.require_assessment and not (
            row and rules.may_activate(rules.Assessment(row["assessment"]))
        ):
            await republish(ctx, s, req.id)
        await ctx.audit(
            s,
            actor=req.actor,
            action="camera.security.accepted",
            cameras=[req.id],
            before={"assessment": row["assessment"] if row else "not_assessed"},
            after={
                "assessment": "accepted",
                "document_number": req.document_number.strip(),
                "document_date": date.isoformat(),
            },
            request_id=req.request_id,
        )
    await ctx.flush()
    return await view(ctx, req.id)


async def _reprobe_one(ctx: RegistryContext, camera_id: str) -> None:
    try:
        row, creds = await _target(ctx, camera_id, "reprobe")
        probe, findings = await measure(ctx, "reprobe", row["onvif_url"], creds)
        async with unit_of_work(ctx.sessions) as s:
            await _store(ctx, s, camera_id, probe, findings, actor=ACTOR, request_id="")
    except TncamError as e:
        log.info("re-probe failed", extra={"camera_id": camera_id, "code": e.code})
        async with unit_of_work(ctx.sessions) as s:
            await db.upsert(s, camera_id, {"last_error": e.code, "last_attempt_at": ctx.clock()})


async def reprobe_due(
    ctx: RegistryContext, every: dt.timedelta, batch: int, stopping: asyncio.Event
) -> int:
    """Re-probe up to ``batch`` cameras not tried for ``every`` (oldest first, so a daily run
    spread over the day staggers the fleet); returns how many were tried. Shutting down
    abandons the probe in flight (nothing is written for it)."""
    async with ctx.sessions() as s:
        due = await db.due_for_probe(s, ctx.clock() - every, batch)
    tried = 0
    for r in due:
        if stopping.is_set():
            break
        work = asyncio.ensure_future(_reprobe_one(ctx, r.id))
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            break
        work.result()
        tried += 1
    if tried:
        await ctx.flush()
    return tried
