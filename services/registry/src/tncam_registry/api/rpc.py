"""The registry's request/reply endpoints: decode, call one use case, encode."""

from __future__ import annotations

from tncam.registry.v1 import credentials_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.errors import InvalidInputError
from tncam_mesh.rpc import RpcService
from tncam_registry.domain.deadlines import KINDS
from tncam_registry.domain.importing import parse_date
from tncam_registry.service import Registry


async def add_endpoints(rpc: RpcService, registry: Registry) -> None:
    """Serve every registry operation on ``rpc``."""

    async def create_camera(req: service_pb2.CreateCameraRequest) -> service_pb2.CreateCameraReply:
        return service_pb2.CreateCameraReply(camera=await registry.create_camera(req))

    async def update_camera(req: service_pb2.UpdateCameraRequest) -> service_pb2.UpdateCameraReply:
        return service_pb2.UpdateCameraReply(camera=await registry.update_camera(req))

    async def deactivate_camera(
        req: service_pb2.DeactivateCameraRequest,
    ) -> service_pb2.DeactivateCameraReply:
        return service_pb2.DeactivateCameraReply(camera=await registry.deactivate_camera(req))

    async def get_camera(req: service_pb2.GetCameraRequest) -> service_pb2.GetCameraReply:
        return service_pb2.GetCameraReply(camera=await registry.get_camera(req))

    async def list_cameras(req: service_pb2.ListCamerasRequest) -> service_pb2.ListCamerasReply:
        return await registry.list_cameras(req)

    async def import_cameras(
        req: service_pb2.ImportCamerasRequest,
    ) -> service_pb2.ImportCamerasReply:
        return await registry.import_or_dry_run(req)

    async def report(
        req: service_pb2.GetConnectionReportRequest,
    ) -> service_pb2.GetConnectionReportReply:
        return await registry.connection_report(req)

    async def overdue(
        req: service_pb2.ListOverdueDeadlinesRequest,
    ) -> service_pb2.ListOverdueDeadlinesReply:
        # Unit-scoped roles see only their own unit's deadlines.
        scoped = bool(registry._scope(req.actor, "list_overdue_deadlines"))
        unknown = [k for k in req.kinds if k not in KINDS]
        if unknown:
            raise InvalidInputError(
                "registry.list_overdue_deadlines.kind", f"unknown kinds {unknown}; use {KINDS}"
            )
        try:
            as_of = parse_date(req.as_of) if req.as_of else None
        except ValueError as e:
            raise InvalidInputError(
                "registry.list_overdue_deadlines.as_of", "as_of must be YYYY-MM-DD"
            ) from e
        items = await registry.overdue(as_of, list(req.kinds))
        return service_pb2.ListOverdueDeadlinesReply(
            deadlines=[
                service_pb2.Deadline(
                    kind=i.kind,
                    camera_id=i.camera_id,
                    owner_unit_id=i.owner_unit_id,
                    commune_code=i.commune_code,
                    due_on=i.due_on.isoformat(),
                    days_overdue=i.days_overdue,
                    ticket_id=i.ticket_id,
                    detail=i.detail,
                )
                for i in items
                if not scoped or i.owner_unit_id == req.actor.unit_id
            ]
        )

    async def record_maintenance(
        req: service_pb2.RecordMaintenanceRequest,
    ) -> service_pb2.RecordMaintenanceReply:
        return service_pb2.RecordMaintenanceReply(camera=await registry.record_maintenance(req))

    async def record_needs(
        req: service_pb2.RecordConnectionNeedsRequest,
    ) -> service_pb2.RecordConnectionNeedsReply:
        return await registry.record_connection_needs(req)

    async def history(
        req: service_pb2.GetCameraHistoryRequest,
    ) -> service_pb2.GetCameraHistoryReply:
        return await registry.history(req)

    async def resolve(
        req: credentials_pb2.ResolveCredentialsRequest,
    ) -> credentials_pb2.ResolveCredentialsReply:
        creds, revision = await registry.resolve_credentials(req.credentials_ref, req.worker_id)
        return credentials_pb2.ResolveCredentialsReply(
            username=creds.username, password=creds.password, revision=revision
        )

    await rpc.add(catalog.REGISTRY_CREATE_CAMERA, service_pb2.CreateCameraRequest, create_camera)
    await rpc.add(catalog.REGISTRY_UPDATE_CAMERA, service_pb2.UpdateCameraRequest, update_camera)
    await rpc.add(
        catalog.REGISTRY_DEACTIVATE_CAMERA, service_pb2.DeactivateCameraRequest, deactivate_camera
    )
    await rpc.add(catalog.REGISTRY_GET_CAMERA, service_pb2.GetCameraRequest, get_camera)
    await rpc.add(catalog.REGISTRY_LIST_CAMERAS, service_pb2.ListCamerasRequest, list_cameras)
    await rpc.add(catalog.REGISTRY_IMPORT_CAMERAS, service_pb2.ImportCamerasRequest, import_cameras)
    await rpc.add(
        catalog.REGISTRY_GET_CONNECTION_REPORT, service_pb2.GetConnectionReportRequest, report
    )
    await rpc.add(
        catalog.REGISTRY_LIST_OVERDUE_DEADLINES, service_pb2.ListOverdueDeadlinesRequest, overdue
    )
    await rpc.add(
        catalog.REGISTRY_RECORD_MAINTENANCE,
        service_pb2.RecordMaintenanceRequest,
        record_maintenance,
    )
    await rpc.add(
        catalog.REGISTRY_RECORD_CONNECTION_NEEDS,
        service_pb2.RecordConnectionNeedsRequest,
        record_needs,
    )
    await rpc.add(catalog.REGISTRY_GET_CAMERA_HISTORY, service_pb2.GetCameraHistoryRequest, history)
    await rpc.add(
        catalog.REGISTRY_RESOLVE_CREDENTIALS, credentials_pb2.ResolveCredentialsRequest, resolve
    )
