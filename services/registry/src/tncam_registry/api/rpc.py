"""The registry's request/reply endpoints: decode, call one use case, encode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf.message import Message

from tncam.registry.v1 import annual_pb2, changes_pb2, credentials_pb2, notify_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.rpc import RpcService
from tncam_registry.api.convert import credentials_reply, deadlines_reply
from tncam_registry.service import (
    annual,
    cameras,
    change_decisions,
    change_requests,
    credentials,
    deadlines,
    history,
    imports,
    maintenance,
    notify,
    reports,
    ticket_handling,
    units,
)
from tncam_registry.service.context import RegistryContext

Handler = Callable[[Any], Awaitable[Message]]


def _camera_endpoints(
    ctx: RegistryContext,
) -> list[tuple[catalog.RequestSpec, type[Message], Handler]]:
    async def create(req: service_pb2.CreateCameraRequest) -> service_pb2.CreateCameraReply:
        return service_pb2.CreateCameraReply(camera=await cameras.create_camera(ctx, req))

    async def update(req: service_pb2.UpdateCameraRequest) -> service_pb2.UpdateCameraReply:
        return await cameras.update_camera(ctx, req)

    async def deactivate(
        req: service_pb2.DeactivateCameraRequest,
    ) -> service_pb2.DeactivateCameraReply:
        return await cameras.deactivate_camera(ctx, req)

    async def get(req: service_pb2.GetCameraRequest) -> service_pb2.GetCameraReply:
        return service_pb2.GetCameraReply(camera=await cameras.get_camera(ctx, req))

    async def list_(req: service_pb2.ListCamerasRequest) -> service_pb2.ListCamerasReply:
        return await cameras.list_cameras(ctx, req)

    async def import_(req: service_pb2.ImportCamerasRequest) -> service_pb2.ImportCamerasReply:
        return await imports.import_cameras(ctx, req)

    async def camera_history(
        req: service_pb2.GetCameraHistoryRequest,
    ) -> service_pb2.GetCameraHistoryReply:
        return await history.history(ctx, req)

    return [
        (catalog.REGISTRY_CREATE_CAMERA, service_pb2.CreateCameraRequest, create),
        (catalog.REGISTRY_UPDATE_CAMERA, service_pb2.UpdateCameraRequest, update),
        (catalog.REGISTRY_DEACTIVATE_CAMERA, service_pb2.DeactivateCameraRequest, deactivate),
        (catalog.REGISTRY_GET_CAMERA, service_pb2.GetCameraRequest, get),
        (catalog.REGISTRY_LIST_CAMERAS, service_pb2.ListCamerasRequest, list_),
        (catalog.REGISTRY_IMPORT_CAMERAS, service_pb2.ImportCamerasRequest, import_),
        (catalog.REGISTRY_GET_CAMERA_HISTORY, service_pb2.GetCameraHistoryRequest, camera_history),
    ]


def _compliance_endpoints(
    ctx: RegistryContext,
) -> list[tuple[catalog.RequestSpec, type[Message], Handler]]:
    async def report(
        req: service_pb2.GetConnectionReportRequest,
    ) -> service_pb2.GetConnectionReportReply:
        return await reports.connection_report(ctx, req)

    async def note(req: service_pb2.SetReportNoteRequest) -> service_pb2.SetReportNoteReply:
        return await reports.set_report_note(ctx, req)

    async def overdue(
        req: service_pb2.ListOverdueDeadlinesRequest,
    ) -> service_pb2.ListOverdueDeadlinesReply:
        return deadlines_reply(*await deadlines.list_overdue(ctx, req))

    async def maintenance(
        req: service_pb2.RecordMaintenanceRequest,
    ) -> service_pb2.RecordMaintenanceReply:
        return service_pb2.RecordMaintenanceReply(
            camera=await deadlines.record_maintenance(ctx, req)
        )

    async def needs(
        req: service_pb2.RecordConnectionNeedsRequest,
    ) -> service_pb2.RecordConnectionNeedsReply:
        return await deadlines.record_connection_needs(ctx, req)

    async def list_units(req: service_pb2.ListUnitsRequest) -> service_pb2.ListUnitsReply:
        return await units.list_units(ctx, req)

    async def resolve(
        req: credentials_pb2.ResolveCredentialsRequest,
    ) -> credentials_pb2.ResolveCredentialsReply:
        creds, revision = await credentials.resolve_credentials(
            ctx, req.credentials_ref, req.worker_id
        )
        return credentials_reply(creds, revision)

    return [
        (catalog.REGISTRY_GET_CONNECTION_REPORT, service_pb2.GetConnectionReportRequest, report),
        (catalog.REGISTRY_LIST_OVERDUE_DEADLINES, service_pb2.ListOverdueDeadlinesRequest, overdue),
        (catalog.REGISTRY_RECORD_MAINTENANCE, service_pb2.RecordMaintenanceRequest, maintenance),
        (catalog.REGISTRY_RECORD_CONNECTION_NEEDS, service_pb2.RecordConnectionNeedsRequest, needs),
        (catalog.REGISTRY_RESOLVE_CREDENTIALS, credentials_pb2.ResolveCredentialsRequest, resolve),
        (catalog.REGISTRY_LIST_UNITS, service_pb2.ListUnitsRequest, list_units),
        (catalog.REGISTRY_SET_REPORT_NOTE, service_pb2.SetReportNoteRequest, note),
    ]


def _operations_endpoints(
    ctx: RegistryContext,
) -> list[tuple[catalog.RequestSpec, type[Message], Handler]]:
    """Units and sites, fault tickets handled by people, maintenance records, needs."""
    rp = service_pb2

    async def create_unit(req: rp.CreateUnitRequest) -> rp.UnitReply:
        return rp.UnitReply(unit=await units.create_unit(ctx, req))

    async def update_unit(req: rp.UpdateUnitRequest) -> rp.UnitReply:
        return rp.UnitReply(unit=await units.update_unit(ctx, req))

    async def list_sites(req: rp.ListSitesRequest) -> rp.ListSitesReply:
        return await units.list_sites(ctx, req)

    async def create_site(req: rp.CreateSiteRequest) -> rp.SiteReply:
        return rp.SiteReply(site=await units.create_site(ctx, req))

    async def update_site(req: rp.UpdateSiteRequest) -> rp.SiteReply:
        return rp.SiteReply(site=await units.update_site(ctx, req))

    async def list_tickets(req: rp.ListFaultTicketsRequest) -> rp.ListFaultTicketsReply:
        return await ticket_handling.list_tickets(ctx, req)

    async def acknowledge(req: rp.FaultTicketActionRequest) -> rp.FaultTicketReply:
        return rp.FaultTicketReply(ticket=await ticket_handling.acknowledge(ctx, req))

    async def note(req: rp.FaultTicketActionRequest) -> rp.FaultTicketReply:
        return rp.FaultTicketReply(ticket=await ticket_handling.add_note(ctx, req))

    async def close(req: rp.FaultTicketActionRequest) -> rp.FaultTicketReply:
        return rp.FaultTicketReply(ticket=await ticket_handling.close(ctx, req))

    async def records(
        req: rp.ListMaintenanceRecordsRequest,
    ) -> rp.ListMaintenanceRecordsReply:
        return await maintenance.list_records(ctx, req)

    async def needs(req: rp.ListConnectionNeedsRequest) -> rp.ListConnectionNeedsReply:
        return await maintenance.list_needs(ctx, req)

    action = rp.FaultTicketActionRequest
    return [
        (catalog.REGISTRY_CREATE_UNIT, rp.CreateUnitRequest, create_unit),
        (catalog.REGISTRY_UPDATE_UNIT, rp.UpdateUnitRequest, update_unit),
        (catalog.REGISTRY_LIST_SITES, rp.ListSitesRequest, list_sites),
        (catalog.REGISTRY_CREATE_SITE, rp.CreateSiteRequest, create_site),
        (catalog.REGISTRY_UPDATE_SITE, rp.UpdateSiteRequest, update_site),
        (catalog.REGISTRY_LIST_FAULT_TICKETS, rp.ListFaultTicketsRequest, list_tickets),
        (catalog.REGISTRY_ACKNOWLEDGE_FAULT_TICKET, action, acknowledge),
        (catalog.REGISTRY_ADD_FAULT_TICKET_NOTE, action, note),
        (catalog.REGISTRY_CLOSE_FAULT_TICKET, action, close),
        (catalog.REGISTRY_LIST_MAINTENANCE_RECORDS, rp.ListMaintenanceRecordsRequest, records),
        (catalog.REGISTRY_LIST_CONNECTION_NEEDS, rp.ListConnectionNeedsRequest, needs),
    ]


def _notify_endpoints(
    ctx: RegistryContext, secrets: notify.SecretBox
) -> list[tuple[catalog.RequestSpec, type[Message], Handler]]:
    async def get_targets(
        req: notify_pb2.GetNotificationTargetsRequest,
    ) -> notify_pb2.NotificationTargetsReply:
        return await notify.get_targets(ctx, req)

    async def set_targets(
        req: notify_pb2.SetNotificationTargetsRequest,
    ) -> notify_pb2.NotificationTargetsReply:
        return await notify.set_targets(ctx, secrets, req)

    async def notices(req: notify_pb2.ListNoticesRequest) -> notify_pb2.ListNoticesReply:
        return await notify.list_notices(ctx, req)

    return [
        (
            catalog.REGISTRY_GET_NOTIFICATION_TARGETS,
            notify_pb2.GetNotificationTargetsRequest,
            get_targets,
        ),
        (
            catalog.REGISTRY_SET_NOTIFICATION_TARGETS,
            notify_pb2.SetNotificationTargetsRequest,
            set_targets,
        ),
        (catalog.REGISTRY_LIST_NOTICES, notify_pb2.ListNoticesRequest, notices),
    ]


def _approval_endpoints(
    ctx: RegistryContext,
) -> list[tuple[catalog.RequestSpec, type[Message], Handler]]:
    async def list_changes(
        req: changes_pb2.ListCameraChangeRequestsRequest,
    ) -> changes_pb2.ListCameraChangeRequestsReply:
        return await change_requests.list_change_requests(ctx, req)

    async def decide(
        req: changes_pb2.DecideCameraChangeRequest,
    ) -> changes_pb2.DecideCameraChangeReply:
        return await change_decisions.decide_change_request(ctx, req)

    async def annual_report(
        req: annual_pb2.GetAnnualReportRequest,
    ) -> annual_pb2.GetAnnualReportReply:
        return await annual.annual_report(ctx, req)

    return [
        (
            catalog.REGISTRY_LIST_CHANGE_REQUESTS,
            changes_pb2.ListCameraChangeRequestsRequest,
            list_changes,
        ),
        (catalog.REGISTRY_DECIDE_CHANGE_REQUEST, changes_pb2.DecideCameraChangeRequest, decide),
        (catalog.REGISTRY_GET_ANNUAL_REPORT, annual_pb2.GetAnnualReportRequest, annual_report),
    ]


async def add_endpoints(rpc: RpcService, ctx: RegistryContext, secrets: notify.SecretBox) -> None:
    """Serve every registry operation on ``rpc``."""
    endpoints = (
        _camera_endpoints(ctx)
        + _compliance_endpoints(ctx)
        + _operations_endpoints(ctx)
        + _approval_endpoints(ctx)
        + _notify_endpoints(ctx, secrets)
    )
    for spec, request_type, handler in endpoints:
        await rpc.add(spec, request_type, handler)
