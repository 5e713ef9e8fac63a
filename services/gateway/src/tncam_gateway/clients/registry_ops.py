"""The registry's operator duties over NATS: units and sites, camera history and fault
tickets, maintenance records, deadlines, annual needs (the registry re-checks the actor and
audits every change)."""

from __future__ import annotations

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts import catalog as c
from tncam_gateway.clients.rpc import RpcClient


class RegistryOps(RpcClient):
    """Client of the registry's operator-duty operations."""

    async def list_units(self, req: rpb.ListUnitsRequest) -> rpb.ListUnitsReply:
        return await self._call(c.REGISTRY_LIST_UNITS, req, rpb.ListUnitsReply)

    async def create_unit(self, req: rpb.CreateUnitRequest) -> rpb.Unit:
        return (await self._call(c.REGISTRY_CREATE_UNIT, req, rpb.UnitReply)).unit

    async def update_unit(self, req: rpb.UpdateUnitRequest) -> rpb.Unit:
        return (await self._call(c.REGISTRY_UPDATE_UNIT, req, rpb.UnitReply)).unit

    async def list_sites(self, req: rpb.ListSitesRequest) -> rpb.ListSitesReply:
        return await self._call(c.REGISTRY_LIST_SITES, req, rpb.ListSitesReply)

    async def create_site(self, req: rpb.CreateSiteRequest) -> rpb.Site:
        return (await self._call(c.REGISTRY_CREATE_SITE, req, rpb.SiteReply)).site

    async def update_site(self, req: rpb.UpdateSiteRequest) -> rpb.Site:
        return (await self._call(c.REGISTRY_UPDATE_SITE, req, rpb.SiteReply)).site

    async def history(self, req: rpb.GetCameraHistoryRequest) -> rpb.GetCameraHistoryReply:
        return await self._call(c.REGISTRY_GET_CAMERA_HISTORY, req, rpb.GetCameraHistoryReply)

    async def list_tickets(self, req: rpb.ListFaultTicketsRequest) -> rpb.ListFaultTicketsReply:
        return await self._call(c.REGISTRY_LIST_FAULT_TICKETS, req, rpb.ListFaultTicketsReply)

    async def ticket_action(
        self, spec: c.RequestSpec, req: rpb.FaultTicketActionRequest
    ) -> rpb.FaultTicket:
        return (await self._call(spec, req, rpb.FaultTicketReply)).ticket

    async def list_maintenance(
        self, req: rpb.ListMaintenanceRecordsRequest
    ) -> rpb.ListMaintenanceRecordsReply:
        return await self._call(
            c.REGISTRY_LIST_MAINTENANCE_RECORDS, req, rpb.ListMaintenanceRecordsReply
        )

    async def record_maintenance(self, req: rpb.RecordMaintenanceRequest) -> rpb.Camera:
        return (
            await self._call(c.REGISTRY_RECORD_MAINTENANCE, req, rpb.RecordMaintenanceReply)
        ).camera

    async def deadlines(
        self, req: rpb.ListOverdueDeadlinesRequest
    ) -> rpb.ListOverdueDeadlinesReply:
        return await self._call(
            c.REGISTRY_LIST_OVERDUE_DEADLINES, req, rpb.ListOverdueDeadlinesReply
        )

    async def record_needs(
        self, req: rpb.RecordConnectionNeedsRequest
    ) -> rpb.RecordConnectionNeedsReply:
        return await self._call(
            c.REGISTRY_RECORD_CONNECTION_NEEDS, req, rpb.RecordConnectionNeedsReply
        )

    async def list_needs(self, req: rpb.ListConnectionNeedsRequest) -> rpb.ListConnectionNeedsReply:
        return await self._call(c.REGISTRY_LIST_CONNECTION_NEEDS, req, rpb.ListConnectionNeedsReply)
