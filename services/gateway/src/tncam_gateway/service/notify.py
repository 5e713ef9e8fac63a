"""A unit's notifications (ADR 0025): its targets and the notices it was sent, authorized here
by the policy and carried out by the registry, which re-checks the actor and audits changes."""

from __future__ import annotations

from tncam.registry.v1 import notify_pb2 as npb
from tncam_gateway.clients.notify import NotifyDirectory
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Access, decide_unit, enforce, notice_listing
from tncam_mesh.errors import ForbiddenError


class NotifyService:
    """Targets and notices on behalf of an authorized caller."""

    def __init__(self, directory: NotifyDirectory) -> None:
        self.directory = directory

    async def targets(self, caller: Caller, unit_id: str) -> npb.NotificationTargets:
        """A unit's targets: its own people, province_admin, the auditor."""
        enforce(
            decide_unit(caller.principal, Access.NOTIFY_READ, unit_id),
            "Không có quyền xem nơi nhận thông báo của đơn vị này",
        )
        return await self.directory.targets(
            npb.GetNotificationTargetsRequest(actor=caller.actor(), unit_id=unit_id)
        )

    async def set_targets(
        self, caller: Caller, client: ClientInfo, targets: npb.NotificationTargets
    ) -> npb.NotificationTargets:
        """Replace a unit's targets: province_admin, or a unit operator for its own unit."""
        enforce(
            decide_unit(caller.principal, Access.NOTIFY_ADMIN, targets.unit_id),
            "Không có quyền thay đổi nơi nhận thông báo của đơn vị này",
        )
        return await self.directory.set_targets(
            npb.SetNotificationTargetsRequest(
                actor=caller.actor(), request_id=client.request_id, targets=targets
            )
        )

    async def notices(
        self, caller: Caller, request: npb.ListNoticesRequest
    ) -> npb.ListNoticesReply:
        """Notices the caller may see: a unit's people their own unit's, reviewers all."""
        listing = notice_listing(caller.principal)
        enforce(listing.decision, "Không có quyền xem thông báo")
        if listing.unit_id is not None:
            if request.unit_id and request.unit_id != listing.unit_id:
                raise ForbiddenError(
                    "gateway.authz.out_of_scope", "Chỉ xem được thông báo của đơn vị mình"
                )
            request.unit_id = listing.unit_id
        request.actor.CopyFrom(caller.actor())
        return await self.directory.notices(request)
