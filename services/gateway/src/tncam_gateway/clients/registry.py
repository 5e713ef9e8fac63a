"""The registry as the gateway uses it, over NATS: which unit and sectors own a camera (cached
briefly), which units and sectors exist (cached), and the camera operations the API maps onto
(list, create, change, import, report).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tncam.registry.v1 import annual_pb2 as apb
from tncam.registry.v1 import changes_pb2 as cpb
from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.catalog import (
    REGISTRY_CREATE_CAMERA,
    REGISTRY_DEACTIVATE_CAMERA,
    REGISTRY_DECIDE_CHANGE_REQUEST,
    REGISTRY_GET_ANNUAL_REPORT,
    REGISTRY_GET_CAMERA,
    REGISTRY_GET_CONNECTION_REPORT,
    REGISTRY_IMPORT_CAMERAS,
    REGISTRY_LIST_CAMERAS,
    REGISTRY_LIST_CHANGE_REQUESTS,
    REGISTRY_LIST_UNITS,
    REGISTRY_SET_REPORT_NOTE,
    REGISTRY_UPDATE_CAMERA,
)
from tncam_gateway.clients.rpc import RpcClient
from tncam_gateway.domain.policy import CameraScope
from tncam_mesh.audit import service_actor
from tncam_mesh.bus import Bus
from tncam_mesh.errors import NotFoundError

#: How the gateway names itself to the registry: it reads on its own authority, having
#: authorized the caller with its own policy (and it narrows list requests to the scope).
GATEWAY_ACTOR = service_actor("gateway")

#: The owning unit and sectors of a camera, None when the registry does not know it.
ScopeLookup = Callable[[str], Awaitable[CameraScope | None]]

#: The connection report is built over every camera: it may take longer than one RPC.
REPORT_TIMEOUT_S = 30.0

#: Units and sectors change only with a registry release: read them again after this long.
UNITS_TTL_S = 300.0


@dataclass(frozen=True)
class KnownUnits:
    """The owning unit ids and sector codes the registry knows."""

    units: frozenset[str]
    sectors: frozenset[str]


#: The registry's units and sectors; ``fresh`` skips the cache.
UnitsLookup = Callable[[bool], Awaitable[KnownUnits]]


class CameraDirectory(RpcClient):
    """Client of ``tncam.registry.v1.*``; camera scopes from ``get_camera`` cached a few
    seconds."""

    def __init__(
        self, bus: Bus, *, namespace: str, timeout_s: float = 5.0, ttl_s: float = 5.0
    ) -> None:
        super().__init__(bus, namespace=namespace, timeout_s=timeout_s)
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, CameraScope | None]] = {}
        self._units: tuple[float, KnownUnits] | None = None

    async def camera(self, camera_id: str) -> rpb.Camera:
        """The registry's record of one camera (NotFoundError if unknown)."""
        reply = await self._call(
            REGISTRY_GET_CAMERA,
            rpb.GetCameraRequest(actor=GATEWAY_ACTOR, id=camera_id),
            rpb.GetCameraReply,
        )
        return reply.camera

    def forget(self, camera_id: str) -> None:
        """Drop the cached scope of a camera (after a change made through this replica)."""
        self._cache.pop(camera_id, None)

    async def scope(self, camera_id: str) -> CameraScope | None:
        """The owning unit and sectors of a camera, or None if the registry does not know it."""
        now = time.monotonic()
        hit = self._cache.get(camera_id)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        try:
            cam = await self.camera(camera_id)
        except NotFoundError:
            found: CameraScope | None = None
        else:
            found = scope_of(cam)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[camera_id] = (now, found)
        return found

    async def known_units(self, fresh: bool = False) -> KnownUnits:
        """The registry's owning units and sectors (cached ``UNITS_TTL_S`` unless ``fresh``)."""
        now = time.monotonic()
        if not fresh and self._units is not None and now - self._units[0] < UNITS_TTL_S:
            return self._units[1]
        reply = await self._call(
            REGISTRY_LIST_UNITS, rpb.ListUnitsRequest(actor=GATEWAY_ACTOR), rpb.ListUnitsReply
        )
        known = KnownUnits(
            units=frozenset(u.id for u in reply.units),
            sectors=frozenset(s.code for s in reply.sectors),
        )
        self._units = (now, known)
        return known

    async def list_cameras(self, request: rpb.ListCamerasRequest) -> rpb.ListCamerasReply:
        """One page of cameras matching the request."""
        return await self._call(REGISTRY_LIST_CAMERAS, request, rpb.ListCamerasReply)

    async def create_camera(self, request: rpb.CreateCameraRequest) -> rpb.Camera:
        """Register a camera; the registry re-checks the actor and audits the change."""
        reply = await self._call(REGISTRY_CREATE_CAMERA, request, rpb.CreateCameraReply)
        return reply.camera

    async def update_camera(self, request: rpb.UpdateCameraRequest) -> rpb.UpdateCameraReply:
        """Change a camera (409 on a stale ``expected_revision``); the reply names the change
        request when the change waits for a province admin."""
        reply = await self._call(REGISTRY_UPDATE_CAMERA, request, rpb.UpdateCameraReply)
        self.forget(request.id)
        return reply

    async def deactivate_camera(
        self, request: rpb.DeactivateCameraRequest
    ) -> rpb.DeactivateCameraReply:
        """Take a camera out of service (or ask to: see ``update_camera``)."""
        reply = await self._call(REGISTRY_DEACTIVATE_CAMERA, request, rpb.DeactivateCameraReply)
        self.forget(request.id)
        return reply

    async def list_change_requests(
        self, request: cpb.ListCameraChangeRequestsRequest
    ) -> cpb.ListCameraChangeRequestsReply:
        """Camera change requests, newest first."""
        return await self._call(
            REGISTRY_LIST_CHANGE_REQUESTS, request, cpb.ListCameraChangeRequestsReply
        )

    async def decide_change_request(
        self, request: cpb.DecideCameraChangeRequest
    ) -> cpb.DecideCameraChangeReply:
        """Approve or reject a change request (the camera's cached scope may change)."""
        reply = await self._call(
            REGISTRY_DECIDE_CHANGE_REQUEST, request, cpb.DecideCameraChangeReply
        )
        self.forget(reply.request.camera_id)
        return reply

    async def annual_report(self, request: apb.GetAnnualReportRequest) -> apb.GetAnnualReportReply:
        """The annual report per unit as a document."""
        return await self._call(
            REGISTRY_GET_ANNUAL_REPORT,
            request,
            apb.GetAnnualReportReply,
            timeout=max(self._timeout, REPORT_TIMEOUT_S),
        )

    async def import_cameras(self, request: rpb.ImportCamerasRequest) -> rpb.ImportCamerasReply:
        """Import a camera file, all or nothing."""
        return await self._call(REGISTRY_IMPORT_CAMERAS, request, rpb.ImportCamerasReply)

    async def connection_report(
        self, request: rpb.GetConnectionReportRequest
    ) -> rpb.GetConnectionReportReply:
        """The province-wide connection report as a document."""
        return await self._call(
            REGISTRY_GET_CONNECTION_REPORT,
            request,
            rpb.GetConnectionReportReply,
            timeout=max(self._timeout, REPORT_TIMEOUT_S),
        )

    async def set_report_note(self, request: rpb.SetReportNoteRequest) -> rpb.SetReportNoteReply:
        """Write or remove a commune's report note."""
        return await self._call(REGISTRY_SET_REPORT_NOTE, request, rpb.SetReportNoteReply)


def scope_of(cam: rpb.Camera) -> CameraScope:
    """The authorization view of a registry camera."""
    return CameraScope(
        camera_id=cam.id, unit_id=cam.owner_unit_id, sector_codes=frozenset(cam.sectors)
    )
