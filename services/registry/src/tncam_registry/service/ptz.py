"""PTZ (Art. 7.3), the unit's PTZ lock for the center, and WS-Discovery (issue 17).

The gateway decides who may move a camera (the footage rules: the owning unit, or the center
with a grant) and says when the caller acts for the center; the registry refuses the center
when the owning unit locked PTZ, limits the command rate per camera, talks ONVIF and audits
every move (its outcome included).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

from tncam.registry.v1 import onvif_pb2, service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TncamError,
    UnavailableError,
)
from tncam_registry.clients import wsdiscovery
from tncam_registry.clients.onvif import Endpoint, OnvifError
from tncam_registry.db import cameras as db_cameras
from tncam_registry.db import onvif as db
from tncam_registry.domain import access
from tncam_registry.service.camera_writes import view
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.onvif_probe import probe_error

_ACTIONS = {
    service_pb2.PTZ_ACTION_CONTINUOUS_MOVE: "continuous_move",
    service_pb2.PTZ_ACTION_STOP: "stop",
    service_pb2.PTZ_ACTION_GOTO_PRESET: "goto_preset",
    service_pb2.PTZ_ACTION_LIST_PRESETS: "list_presets",
}
#: The last command time per camera (monotonic seconds), for the rate limit.
_last_command: dict[str, float] = {}


def _params(req: service_pb2.PtzCameraRequest, action: str, op: str) -> dict[str, object]:
    if action == "continuous_move":
        for name in ("pan", "tilt", "zoom"):
            if not -1.0 <= getattr(req, name) <= 1.0:
                raise InvalidInputError(f"registry.{op}.invalid_{name}", f"{name}: -1..1")
        timeout = req.timeout_s or 1.0
        if not 0.1 <= timeout <= 10.0:
            raise InvalidInputError(f"registry.{op}.invalid_timeout", "timeout_s: 0.1-10")
        return {"pan": req.pan, "tilt": req.tilt, "zoom": req.zoom, "timeout_s": timeout}
    if action == "goto_preset":
        if not req.preset_token or len(req.preset_token) > 64:
            raise InvalidInputError(f"registry.{op}.invalid_preset", "preset_token: 1-64 chars")
        return {"preset": req.preset_token}
    return {}


def _rate_limit(ctx: RegistryContext, camera_id: str, op: str) -> None:
    now = time.monotonic()
    last = _last_command.get(camera_id)
    if last is not None and now - last < ctx.ptz_min_interval_s:
        raise UnavailableError(
            f"registry.{op}.rate_limited",
            f"one PTZ command per {ctx.ptz_min_interval_s:g} s per camera",
        )
    _last_command[camera_id] = now


def _check_access(req: service_pb2.PtzCameraRequest, row: Any, lock: Any, op: str) -> None:
    """The gateway authorized the caller (footage rules); anyone but the owning unit's own
    operator acts for the center, which the unit's lock refuses."""
    own_unit = (
        req.actor.role == access.Role.ROLE_UNIT_OPERATOR
        and req.actor.unit_id == row["owner_unit_id"]
        and not req.as_center
    )
    if not own_unit and not req.as_center:
        raise ForbiddenError(f"registry.{op}.forbidden", "not the owning unit, and no grant")
    if not own_unit and lock is not None and lock["ptz_locked"]:
        raise ForbiddenError(f"registry.{op}.locked", "the owning unit has locked PTZ")


async def ptz_camera(
    ctx: RegistryContext, req: service_pb2.PtzCameraRequest
) -> service_pb2.PtzCameraReply:
    """One PTZ command on a camera; moves are audited with their outcome."""
    op = "move_camera"
    access.check_actor(req.actor, op)
    action = _ACTIONS.get(req.action)
    if action is None:
        raise InvalidInputError(f"registry.{op}.invalid_action", "unknown PTZ action")
    params = _params(req, action, op)
    async with ctx.sessions() as s:
        row = await db_cameras.lock_camera(s, req.id)
        lock = await db.lock_row(s, req.id)
    if row is None or not row["active"]:
        raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
    _check_access(req, row, lock, op)
    if not row["onvif_url"]:
        raise InvalidInputError(f"registry.{op}.no_onvif_url", f"camera {req.id} has no onvif_url")
    if action != "list_presets":
        _rate_limit(ctx, req.id, op)
    creds = (
        ctx.box.open(req.id, bytes(row["credentials_sealed"]))
        if row["credentials_sealed"] is not None
        else None
    )
    ep = Endpoint(
        row["onvif_url"], creds.username if creds else None, creds.password if creds else None
    )
    outcome, presets = "ok", []
    try:
        presets = await ctx.onvif.ptz(ep, action, params)
    except OnvifError as e:
        outcome = e.kind
        error: TncamError | None = probe_error(op, e)
    else:
        error = None
    if action != "list_presets":
        async with unit_of_work(ctx.sessions) as s:
            await ctx.audit(
                s,
                actor=req.actor,
                action=f"camera.ptz.{action}",
                cameras=[req.id],
                after={**params, "as_center": req.as_center, "outcome": outcome},
                request_id=req.request_id,
            )
        await ctx.flush()
    if error is not None:
        raise error
    return service_pb2.PtzCameraReply(
        presets=[onvif_pb2.PtzPreset(token=t, name=n) for t, n in presets]
    )


async def set_ptz_lock(
    ctx: RegistryContext, req: service_pb2.SetPtzLockRequest
) -> service_pb2.Camera:
    """The owning unit (or a province admin) locks or unlocks PTZ for the center; audited."""
    op = "set_ptz_lock"
    access.check_actor(req.actor, op)
    async with unit_of_work(ctx.sessions) as s:
        row = await db_cameras.lock_camera(s, req.id)
        if row is None:
            raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
        access.check_write(req.actor, row["owner_unit_id"], op)
        before = await db.lock_row(s, req.id)
        await db.upsert(s, req.id, {"ptz_locked": req.locked})
        await ctx.audit(
            s,
            actor=req.actor,
            action="camera.ptz.locked" if req.locked else "camera.ptz.unlocked",
            cameras=[req.id],
            before={"ptz_locked": bool(before and before["ptz_locked"])},
            after={"ptz_locked": req.locked},
            request_id=req.request_id,
        )
    await ctx.flush()
    return await view(ctx, req.id)


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


async def discover_devices(
    ctx: RegistryContext, req: service_pb2.DiscoverDevicesRequest
) -> service_pb2.DiscoverDevicesReply:
    """ONVIF devices answering WS-Discovery on one interface that no camera is registered at
    (province admin or unit operator; only when the setting enables discovery)."""
    op = "discover_devices"
    access.check_actor(req.actor, op)
    if req.actor.role not in (*access.WRITERS, access.Role.ROLE_UNIT_OPERATOR):
        raise ForbiddenError(f"registry.{op}.forbidden", "discovery is for operators")
    if not ctx.discovery_enabled:
        raise ForbiddenError(f"registry.{op}.disabled", "WS-Discovery is off (DISCOVERY_ENABLED)")
    try:
        address = ipaddress.IPv4Address(req.interface_address)
    except ValueError as e:
        raise InvalidInputError(f"registry.{op}.invalid_interface", "an IPv4 address") from e
    timeout = req.timeout_s or 3.0
    if not 0.5 <= timeout <= 10.0:
        raise InvalidInputError(f"registry.{op}.invalid_timeout", "timeout_s: 0.5-10")
    try:
        found = await wsdiscovery.probe(str(address), timeout, ctx.discovery_port)
    except OSError as e:
        raise InvalidInputError(
            f"registry.{op}.interface_unavailable", f"cannot probe from {address}: {e.strerror}"
        ) from e
    async with ctx.sessions() as s:
        registered = {_host_port(u) for u in await db.registered_onvif_urls(s)}
    return service_pb2.DiscoverDevicesReply(
        devices=[
            onvif_pb2.DiscoveredDevice(xaddrs=f.xaddrs, scopes=f.scopes, endpoint=f.endpoint)
            for f in found
            if not any(_host_port(x) in registered for x in f.xaddrs)
        ]
    )
