"""Operator duties through the API (issue 15): units and their contacts, sites and their notice
sign, a camera's history and fault tickets, maintenance records, deadlines, annual needs.

Each use case asks the policy first (default deny, ``domain/policy.py``), then the registry,
which re-checks the actor and audits every change in the change's own transaction. Lists are
read on the gateway's authority and narrowed to the caller's unit by the policy's listing.
"""

from __future__ import annotations

from typing import Any

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts import catalog
from tncam_contracts.units import commune_unit_id
from tncam_gateway.clients.registry import GATEWAY_ACTOR
from tncam_gateway.clients.registry_ops import RegistryOps
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import (
    Access,
    Listing,
    enforce,
    ops_decision,
    ops_listing,
    unit_contacts_visible,
)
from tncam_gateway.service.cameras import CameraService
from tncam_mesh.clock import Clock

NOT_ALLOWED = "Không có quyền thực hiện thao tác này cho đơn vị"
TICKET_ACTIONS = {
    "acknowledge": catalog.REGISTRY_ACKNOWLEDGE_FAULT_TICKET,
    "note": catalog.REGISTRY_ADD_FAULT_TICKET_NOTE,
    "close": catalog.REGISTRY_CLOSE_FAULT_TICKET,
}


class Operations:
    """The registry's operator duties on behalf of an authorized caller."""

    def __init__(self, *, ops: RegistryOps, cameras: CameraService, clock: Clock) -> None:
        self.ops = ops
        self.cameras = cameras
        self.clock = clock

    def _allow(self, caller: Caller, access: Access, unit_id: str) -> None:
        enforce(ops_decision(caller.principal, access, unit_id), NOT_ALLOWED)

    def listing(self, caller: Caller, access: Access) -> Listing:
        """The caller's part of an operational list (refused outright when it has none)."""
        listing = ops_listing(caller.principal, access)
        enforce(listing.decision, NOT_ALLOWED)
        return listing

    def narrowed(self, caller: Caller, access: Access, req: Any, unit_field: str) -> bool:
        """Put the caller's part of a list into its request (asked as the gateway, with the
        unit in ``unit_field`` when the caller sees one unit only); False when the request
        names another unit, of which it sees nothing."""
        listing = self.listing(caller, access)
        req.actor.CopyFrom(GATEWAY_ACTOR)
        if listing.unit_id is None:
            return True
        if getattr(req, unit_field) not in ("", listing.unit_id):
            return False
        setattr(req, unit_field, listing.unit_id)
        return True

    # ------------------------------------------------------------------------ units

    async def units(self, caller: Caller) -> rpb.ListUnitsReply:
        """Every unit; contacts only where the caller may see them."""
        self._allow(caller, Access.UNIT_LIST, "")
        reply = await self.ops.list_units(rpb.ListUnitsRequest(actor=GATEWAY_ACTOR))
        for unit in reply.units:
            if not unit_contacts_visible(caller.principal, unit.id):
                unit.ClearField("leader")
                unit.ClearField("it_focal")
        return reply

    async def create_unit(self, caller: Caller, client: ClientInfo, unit: rpb.Unit) -> rpb.Unit:
        """Add a unit (province_admin)."""
        self._allow(caller, Access.UNIT_ADMIN, unit.id)
        return await self.ops.create_unit(
            rpb.CreateUnitRequest(actor=caller.actor(), unit=unit, request_id=client.request_id)
        )

    async def update_unit(
        self, caller: Caller, client: ClientInfo, req: rpb.UpdateUnitRequest
    ) -> rpb.Unit:
        """Change a unit (province_admin; its own operators: its contacts)."""
        self._allow(caller, Access.UNIT_EDIT, req.id)
        req.actor.CopyFrom(caller.actor())
        req.request_id = client.request_id
        return await self.ops.update_unit(req)

    # ------------------------------------------------------------------------ sites

    async def sites(self, caller: Caller, req: rpb.ListSitesRequest) -> rpb.ListSitesReply:
        """The sites the caller may see."""
        if not self.narrowed(caller, Access.SITE_LIST, req, "unit_id"):
            return rpb.ListSitesReply()  # another unit's: nothing the caller may see
        return await self.ops.list_sites(req)

    async def create_site(self, caller: Caller, client: ClientInfo, site: rpb.Site) -> rpb.Site:
        """Add a site for a unit the caller answers for."""
        owner = site.unit_id or (commune_unit_id(site.commune_code) if site.commune_code else "")
        self._allow(caller, Access.SITE_ADMIN, owner)
        return await self.ops.create_site(
            rpb.CreateSiteRequest(actor=caller.actor(), site=site, request_id=client.request_id)
        )

    async def update_site(
        self, caller: Caller, client: ClientInfo, req: rpb.UpdateSiteRequest
    ) -> rpb.Site:
        """Change a site (the registry checks that the caller answers for it)."""
        self._allow(caller, Access.SITE_ADMIN, caller.principal.unit_id)
        req.actor.CopyFrom(caller.actor())
        req.request_id = client.request_id
        return await self.ops.update_site(req)

    # ------------------------------------------------------------ history, tickets

    async def history(self, caller: Caller, camera_id: str, days: int) -> rpb.GetCameraHistoryReply:
        """A camera's transitions, daily uptime and tickets: whoever may read the camera."""
        await self.cameras.get(caller, camera_id)  # its scope, or a grant on it; else 404
        return await self.ops.history(
            rpb.GetCameraHistoryRequest(actor=GATEWAY_ACTOR, camera_id=camera_id, days=days)
        )

    async def tickets(
        self, caller: Caller, req: rpb.ListFaultTicketsRequest
    ) -> rpb.ListFaultTicketsReply:
        """The fault tickets the caller may see."""
        if not self.narrowed(caller, Access.TICKET_LIST, req, "owner_unit_id"):
            return rpb.ListFaultTicketsReply()  # another unit's: nothing the caller may see
        return await self.ops.list_tickets(req)

    async def ticket_action(
        self, caller: Caller, client: ClientInfo, verb: str, req: rpb.FaultTicketActionRequest
    ) -> rpb.FaultTicket:
        """Acknowledge, note or close a ticket of a camera the caller's unit owns."""
        self._allow(caller, Access.TICKET_HANDLE, caller.principal.unit_id)
        req.actor.CopyFrom(caller.actor())
        req.request_id = client.request_id
        return await self.ops.ticket_action(TICKET_ACTIONS[verb], req)

    # ------------------------------------------------ maintenance, deadlines, needs

    async def maintenance(
        self, caller: Caller, req: rpb.ListMaintenanceRecordsRequest
    ) -> rpb.ListMaintenanceRecordsReply:
        """The maintenance records the caller may see."""
        if not self.narrowed(caller, Access.MAINTENANCE_LIST, req, "owner_unit_id"):
            return rpb.ListMaintenanceRecordsReply()  # another unit's: nothing the caller may see
        return await self.ops.list_maintenance(req)

    async def record_maintenance(
        self, caller: Caller, client: ClientInfo, req: rpb.RecordMaintenanceRequest
    ) -> rpb.Camera:
        """Record a maintenance visit on a camera of the caller's unit (404 out of scope)."""
        camera = await self.cameras.get(caller, req.camera_id)
        self._allow(caller, Access.MAINTENANCE_RECORD, camera.owner_unit_id)
        req.actor.CopyFrom(caller.actor())
        req.request_id = client.request_id
        return await self.ops.record_maintenance(req)

    async def deadlines(
        self, caller: Caller, req: rpb.ListOverdueDeadlinesRequest
    ) -> list[rpb.Deadline]:
        """Overdue (and upcoming) deadlines the caller may see, soonest first."""
        if not self.narrowed(caller, Access.DEADLINE_LIST, req, "owner_unit_id"):
            return []  # another unit's: nothing the caller may see
        return list((await self.ops.deadlines(req)).deadlines)

    async def register_needs(
        self, caller: Caller, client: ClientInfo, req: rpb.RecordConnectionNeedsRequest
    ) -> rpb.RecordConnectionNeedsReply:
        """A unit's needs for a year (its own operators, or province_admin)."""
        self._allow(caller, Access.NEEDS_REGISTER, req.unit_id)
        req.actor.CopyFrom(caller.actor())
        req.request_id = client.request_id
        return await self.ops.record_needs(req)

    async def needs(
        self, caller: Caller, req: rpb.ListConnectionNeedsRequest
    ) -> rpb.ListConnectionNeedsReply:
        """The needs registrations of a year the caller may see (central operator: all)."""
        if not self.narrowed(caller, Access.NEEDS_LIST, req, "unit_id"):
            return rpb.ListConnectionNeedsReply()  # another unit's: nothing the caller may see
        return await self.ops.list_needs(req)
