"""A camera's history, fault tickets, maintenance records and the deadlines list, mapped onto
the registry (which re-checks the actor and audits every change)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api import ops_models as m
from tncam_gateway.api.cameras import CameraOut, out
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access, Action

router = APIRouter(tags=["operations"])
CAMERA_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", max_length=64)
TICKET_ID = Path(
    pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", max_length=36
)
UnitFilter = Annotated[str, Query(max_length=128, description="Owning unit id")]
CameraFilter = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]{0,64}$")]


@router.get(
    "/cameras/{camera_id}/history",
    response_model=m.HistoryOut,
    summary="Lịch sử trạng thái, thời gian hoạt động theo ngày và phiếu sự cố của camera",
    responses=responses(401, 404, 422, 503),
    **operation("getCameraHistory", Action.CAMERA_READ),
)
async def camera_history(
    camera_id: Annotated[str, CAMERA_ID],
    gw: GatewayDep,
    caller: CallerDep,
    days: Annotated[int, Query(ge=1, le=90, description="Days of daily uptime")] = 7,
) -> m.HistoryOut:
    """Whoever may read the camera (its unit, its sector, province_admin, the app client)."""
    return m.history_out(camera_id, await gw.operations.history(caller, camera_id, days))


@router.get(
    "/tickets",
    response_model=m.TicketPage,
    summary="Phiếu sự cố mất kết nối",
    responses=responses(401, 403, 422, 503),
    **operation("listTickets", Access.TICKET_LIST),
)
async def list_tickets(
    gw: GatewayDep,
    caller: CallerDep,
    camera_id: CameraFilter = "",
    unit_id: UnitFilter = "",
    open_only: bool = False,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> m.TicketPage:
    """Newest first; province_admin and the auditor every unit's, a unit's people their own."""
    offset_of(page_token)
    reply = await gw.operations.tickets(
        caller,
        rpb.ListFaultTicketsRequest(
            camera_id=camera_id,
            owner_unit_id=unit_id,
            open_only=open_only,
            page_size=page_size,
            page_token=page_token,
        ),
    )
    return m.TicketPage(
        items=[m.ticket_out(t) for t in reply.tickets],
        next_page_token=reply.next_page_token,
        total=reply.total_size,
    )


async def _ticket(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    verb: str,
    ticket_id: str,
    *,
    note: str,
    cause: str = "",
) -> m.TicketOut:
    request = rpb.FaultTicketActionRequest(ticket_id=ticket_id, note=note, cause=cause)
    return m.ticket_out(await gw.operations.ticket_action(caller, client, verb, request))


@router.post(
    "/tickets/{ticket_id}/acknowledge",
    response_model=m.TicketOut,
    summary="Đơn vị xác nhận đã nhận phiếu sự cố",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("acknowledgeTicket", Access.TICKET_HANDLE),
)
async def acknowledge_ticket(
    ticket_id: Annotated[str, TICKET_ID],
    body: m.TicketAck,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.TicketOut:
    """The owning unit's operator (or province_admin); twice: 409 ``already_acknowledged``."""
    return await _ticket(gw, caller, client, "acknowledge", ticket_id, note=body.note)


@router.post(
    "/tickets/{ticket_id}/notes",
    response_model=m.TicketOut,
    summary="Thêm ghi chú vào phiếu sự cố",
    responses=responses(401, 403, 404, 422, 503),
    **operation("addTicketNote", Access.TICKET_HANDLE),
)
async def add_ticket_note(
    ticket_id: Annotated[str, TICKET_ID],
    body: m.TicketNote,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.TicketOut:
    """What was found, what is being done."""
    return await _ticket(gw, caller, client, "note", ticket_id, note=body.note)


@router.post(
    "/tickets/{ticket_id}/close",
    response_model=m.TicketOut,
    summary="Đóng phiếu sự cố và ghi nguyên nhân",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("closeTicket", Access.TICKET_HANDLE),
)
async def close_ticket(
    ticket_id: Annotated[str, TICKET_ID],
    body: m.TicketClose,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.TicketOut:
    """Closes an open ticket with its cause, or records the cause of one closed when the
    camera came back; a cause already recorded: 409 ``already_closed``."""
    return await _ticket(gw, caller, client, "close", ticket_id, note=body.note, cause=body.cause)


@router.get(
    "/maintenance",
    response_model=m.MaintenancePage,
    summary="Nhật ký bảo trì camera (định kỳ 6 tháng)",
    responses=responses(401, 403, 422, 503),
    **operation("listMaintenance", Access.MAINTENANCE_LIST),
)
async def list_maintenance(
    gw: GatewayDep,
    caller: CallerDep,
    camera_id: CameraFilter = "",
    unit_id: UnitFilter = "",
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> m.MaintenancePage:
    """Newest visit first."""
    offset_of(page_token)
    reply = await gw.operations.maintenance(
        caller,
        rpb.ListMaintenanceRecordsRequest(
            camera_id=camera_id, owner_unit_id=unit_id, page_size=page_size, page_token=page_token
        ),
    )
    return m.MaintenancePage(
        items=[m.maintenance_out(r) for r in reply.records],
        next_page_token=reply.next_page_token,
        total=reply.total_size,
    )


@router.post(
    "/cameras/{camera_id}/maintenance",
    response_model=CameraOut,
    status_code=201,
    summary="Ghi nhận bảo trì camera",
    responses=responses(401, 403, 404, 422, 503),
    **operation("recordMaintenance", Access.MAINTENANCE_RECORD),
)
async def record_maintenance(
    camera_id: Annotated[str, CAMERA_ID],
    body: m.MaintenanceIn,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> CameraOut:
    """The owning unit's operator or province_admin; restarts the 6-month clock. A date in
    the future: 422 ``registry.record_maintenance.future_date``."""
    request = rpb.RecordMaintenanceRequest(
        camera_id=camera_id,
        done_on=body.done_on.isoformat() if body.done_on else "",
        note=body.note,
    )
    return out(await gw.operations.record_maintenance(caller, client, request))


@router.get(
    "/deadlines",
    response_model=m.DeadlinePage,
    summary="Các thời hạn quá hạn và sắp đến hạn, theo đơn vị",
    responses=responses(401, 403, 422, 503),
    **operation("listDeadlines", Access.DEADLINE_LIST),
)
async def list_deadlines(
    gw: GatewayDep,
    caller: CallerDep,
    unit_id: UnitFilter = "",
    kind: Annotated[list[m.DeadlineKind] | None, Query(max_length=5)] = None,
    upcoming_days: Annotated[
        int, Query(ge=0, le=366, description="Also those due within this many days")
    ] = 0,
    as_of: date | None = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> m.DeadlinePage:
    """Connection (15 working days after installation), registry update, maintenance (6
    months), fault fix (3 working days), annual needs (15 December); soonest first."""
    offset = offset_of(page_token)
    items = await gw.operations.deadlines(
        caller,
        rpb.ListOverdueDeadlinesRequest(
            owner_unit_id=unit_id,
            kinds=kind or [],
            upcoming_days=upcoming_days,
            as_of=as_of.isoformat() if as_of else "",
        ),
    )
    page = items[offset : offset + page_size]
    return m.DeadlinePage(
        items=[m.deadline_out(d) for d in page],
        next_page_token=next_token(offset, len(page), len(items)),
        total=len(items),
    )
