"""Cameras as the API shows them: the scoped list and detail, and the changes (create, change,
deactivate, import, connection report) authorized here and carried out by the registry, which
re-checks the actor and audits them."""

from __future__ import annotations

from datetime import datetime

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.units import commune_unit_id
from tncam_gateway.clients.registry import GATEWAY_ACTOR, CameraDirectory, ScopeLookup, scope_of
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import (
    Action,
    CameraScope,
    camera_listing,
    enforce,
    may_read_camera,
    report_listing,
    require,
)
from tncam_gateway.service.footage import FootageGuard, camera_not_found
from tncam_mesh.clock import Clock
from tncam_mesh.errors import NotFoundError

__all__ = ["CameraService", "camera_not_found", "readable_scope"]


async def readable_scope(
    scope_lookup: ScopeLookup, caller: Caller, camera_id: str, now: datetime
) -> CameraScope:
    """The (briefly cached) scope of a camera the caller may read; 404 otherwise."""
    camera = await scope_lookup(camera_id)
    if camera is None or not may_read_camera(caller.principal, camera, now=now):
        raise camera_not_found()
    return camera


class CameraService:
    """Reads and changes of the registry's cameras on behalf of an authorized caller."""

    def __init__(self, *, directory: CameraDirectory, clock: Clock, footage: FootageGuard) -> None:
        self.directory = directory
        self.clock = clock
        self.footage = footage

    async def list(self, caller: Caller, request: rpb.ListCamerasRequest) -> rpb.ListCamerasReply:
        """The cameras the caller may see, narrowed to its unit or sector by the policy."""
        listing = camera_listing(caller.principal)
        enforce(listing.decision, "Không có quyền xem camera")
        request.actor.CopyFrom(GATEWAY_ACTOR)
        if listing.unit_id is not None:
            request.owner_unit_id = listing.unit_id
        if listing.sector is not None:
            request.sector = listing.sector
        return await self.directory.list_cameras(request)

    async def get(self, caller: Caller, camera_id: str) -> rpb.Camera:
        """One camera within the caller's scope (404 outside it)."""
        try:
            cam = await self.directory.camera(camera_id)
        except NotFoundError as e:
            raise camera_not_found() from e
        # A grantee sees the record of a camera it was granted, as it may play it back.
        if not await self.footage.may_read(caller, scope_of(cam)):
            raise camera_not_found()
        return cam

    async def readable(self, caller: Caller, camera_id: str) -> CameraScope:
        """The scope of a camera the caller may read; 404 otherwise."""
        return await readable_scope(self.directory.scope, caller, camera_id, self.clock())

    async def create(
        self, caller: Caller, client: ClientInfo, request: rpb.CreateCameraRequest
    ) -> rpb.Camera:
        """Register a camera: province_admin, or a unit operator for its own unit's cameras
        (a camera without an owner belongs to its commune's People's Committee)."""
        fields = request.fields
        owner = fields.owner_unit_id or (
            commune_unit_id(fields.commune_code) if fields.commune_code else ""
        )
        require(
            caller.principal,
            Action.CAMERA_ADMIN,
            CameraScope(request.id, owner),
            now=self.clock(),
            message="Không có quyền đăng ký camera cho đơn vị này",
        )
        request.actor.CopyFrom(caller.actor())
        request.request_id = client.request_id
        return await self.directory.create_camera(request)

    async def _require_admin(self, caller: Caller, camera_id: str) -> None:
        # Whoever may change a camera may read it: a camera the caller may not read is a 404.
        camera = await self.readable(caller, camera_id)
        require(
            caller.principal,
            Action.CAMERA_ADMIN,
            camera,
            now=self.clock(),
            message="Không có quyền thay đổi camera này",
        )

    async def update(
        self, caller: Caller, client: ClientInfo, request: rpb.UpdateCameraRequest
    ) -> rpb.UpdateCameraReply:
        """Change the given fields of a camera the caller administers."""
        await self._require_admin(caller, request.id)
        request.actor.CopyFrom(caller.actor())
        request.request_id = client.request_id
        return await self.directory.update_camera(request)

    async def deactivate(
        self, caller: Caller, client: ClientInfo, camera_id: str, reason: str
    ) -> rpb.DeactivateCameraReply:
        """Take a camera the caller administers out of service."""
        await self._require_admin(caller, camera_id)
        return await self.directory.deactivate_camera(
            rpb.DeactivateCameraRequest(
                actor=caller.actor(), id=camera_id, reason=reason, request_id=client.request_id
            )
        )

    async def import_file(
        self, caller: Caller, client: ClientInfo, *, filename: str, content: bytes, dry_run: bool
    ) -> rpb.ImportCamerasReply:
        """Import a camera file (the registry checks each row's owning unit against the
        caller)."""
        require(caller.principal, Action.CAMERA_ADMIN, now=self.clock())
        return await self.directory.import_cameras(
            rpb.ImportCamerasRequest(
                actor=caller.actor(),
                filename=filename,
                content=content,
                dry_run=dry_run,
                request_id=client.request_id,
            )
        )

    async def connection_report(
        self,
        caller: Caller,
        client: ClientInfo,
        report_format: rpb.ReportFormat,
        as_of: datetime | None = None,
    ) -> rpb.GetConnectionReportReply:
        """The connection report as the caller may see it (the registry narrows the rows to
        the actor's unit or sector), now or ``as_of`` a past instant."""
        listing = report_listing(caller.principal)
        enforce(listing.decision)
        # As for the camera list: the gateway decides the scope and asks for it as itself.
        request = rpb.GetConnectionReportRequest(
            actor=GATEWAY_ACTOR,
            format=report_format,
            request_id=client.request_id,
            unit_id=listing.unit_id or "",
            sector=listing.sector or "",
        )
        if as_of is not None:
            request.as_of.FromDatetime(as_of)
        return await self.directory.connection_report(request)

    async def set_report_note(
        self, caller: Caller, client: ClientInfo, commune_code: str, text: str
    ) -> rpb.SetReportNoteReply:
        """Write (or, empty, remove) a commune's report note (province_admin; audited by the
        registry)."""
        require(caller.principal, Action.REPORT_NOTE_WRITE, now=self.clock())
        return await self.directory.set_report_note(
            rpb.SetReportNoteRequest(
                actor=caller.actor(),
                commune_code=commune_code,
                text=text,
                request_id=client.request_id,
            )
        )
