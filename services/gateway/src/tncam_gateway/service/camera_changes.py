"""Camera change requests (issue 14 item 2): a unit operator's change that would hide a camera
from the reports waits for a province admin, who approves or rejects it here. The registry
keeps the requests, re-checks the actor and audits every request and decision."""

from __future__ import annotations

from tncam.registry.v1 import changes_pb2 as cpb
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Action, change_listing, enforce, require
from tncam_mesh.clock import Clock


class CameraChanges:
    """Listing and deciding camera change requests on behalf of an authorized caller."""

    def __init__(self, *, directory: CameraDirectory, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock

    async def list(
        self, caller: Caller, *, status: cpb.ChangeStatus, camera_id: str, limit: int
    ) -> list[cpb.CameraChangeRequest]:
        """Province admin and auditor: every unit's; unit roles: their own unit's."""
        listing = change_listing(caller.principal)
        enforce(listing.decision, "Không có quyền xem yêu cầu thay đổi camera")
        reply = await self.directory.list_change_requests(
            cpb.ListCameraChangeRequestsRequest(
                actor=caller.actor(),
                status=status,
                owner_unit_id=listing.unit_id or "",
                camera_id=camera_id,
                limit=limit,
            )
        )
        return list(reply.requests)

    async def decide(
        self, caller: Caller, client: ClientInfo, request_id: str, *, approve: bool, reason: str
    ) -> cpb.CameraChangeRequest:
        """Approve (the change applies) or reject (with a reason): province_admin only."""
        require(
            caller.principal,
            Action.CHANGE_DECIDE,
            now=self.clock(),
            message="Chỉ quản trị cấp tỉnh được phê duyệt thay đổi camera",
        )
        reply = await self.directory.decide_change_request(
            cpb.DecideCameraChangeRequest(
                actor=caller.actor(),
                id=request_id,
                approve=approve,
                reason=reason,
                request_id=client.request_id,
            )
        )
        return reply.request
