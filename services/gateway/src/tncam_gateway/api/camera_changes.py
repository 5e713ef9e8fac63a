"""``/camera-changes``: changes that would hide a camera waiting for a province admin, and
``/reports/annual``: the annual report per unit with its score (issue 14 items 2 and 4)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from tncam.registry.v1 import annual_pb2 as apb
from tncam.registry.v1 import changes_pb2 as cpb
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access, Action

router = APIRouter(tags=["registry"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUEST_ID = Path(pattern=r"^[0-9a-fA-F-]{36}$", max_length=36)


class ChangeKind(StrEnum):
    DEACTIVATE = "deactivate"
    UPDATE = "update"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


KIND_NAMES = {
    cpb.CHANGE_KIND_DEACTIVATE: ChangeKind.DEACTIVATE,
    cpb.CHANGE_KIND_UPDATE: ChangeKind.UPDATE,
}
STATUS_NAMES = {
    cpb.CHANGE_STATUS_PENDING: ChangeStatus.PENDING,
    cpb.CHANGE_STATUS_APPROVED: ChangeStatus.APPROVED,
    cpb.CHANGE_STATUS_REJECTED: ChangeStatus.REJECTED,
}
STATUS_PB = {v: k for k, v in STATUS_NAMES.items()}


class ChangeRequestOut(BaseModel):
    """A change that would hide a camera from the reports (deactivation, another commune or
    site kind) asked by a unit operator: the camera is unchanged, still reported, its fault
    ticket open, until a province admin approves it."""

    id: str
    camera_id: str = Field(examples=["cam-0001"])
    owner_unit_id: str = Field(examples=["commune-05512"])
    kind: ChangeKind
    status: ChangeStatus
    requested_by: str
    requested_by_name: str
    requested_at: UtcDatetime | None = None
    reason: str = Field(description="The deactivation reason; empty for an update")
    summary: list[str] = Field(examples=[["site_kind: committee_hq → square"]])
    decided_by: str = ""
    decided_at: UtcDatetime | None = None
    decision_reason: str = ""


def change_out(r: cpb.CameraChangeRequest) -> ChangeRequestOut:
    """The API view of a change request."""
    return ChangeRequestOut(
        id=r.id,
        camera_id=r.camera_id,
        owner_unit_id=r.owner_unit_id,
        kind=KIND_NAMES[r.kind],
        status=STATUS_NAMES[r.status],
        requested_by=r.requested_by,
        requested_by_name=r.requested_by_name,
        requested_at=r.requested_at.ToDatetime() if r.HasField("requested_at") else None,
        reason=r.reason,
        summary=list(r.summary),
        decided_by=r.decided_by,
        decided_at=r.decided_at.ToDatetime() if r.HasField("decided_at") else None,
        decision_reason=r.decision_reason,
    )


class ChangeRequestList(BaseModel):
    items: list[ChangeRequestOut]


class Rejection(BaseModel):
    """Why the change is refused (shown to the unit)."""

    reason: str = Field(min_length=3, max_length=1000, examples=["Camera vẫn hoạt động tại chỗ"])


@router.get(
    "/camera-changes",
    response_model=ChangeRequestList,
    summary="Yêu cầu thay đổi camera chờ phê duyệt",
    responses=responses(401, 403, 422, 503),
    **operation("listCameraChanges", Access.CHANGE_LIST),
)
async def list_changes(
    gw: GatewayDep,
    caller: CallerDep,
    status: ChangeStatus | None = ChangeStatus.PENDING,
    camera_id: Annotated[str | None, Query(max_length=64)] = None,
) -> ChangeRequestList:
    """The newest 500, newest first; ``pending`` by default. Province admin and auditor: every
    unit's; unit operators and viewers: their own unit's."""
    items = await gw.changes.list(
        caller,
        status=STATUS_PB[status] if status else cpb.CHANGE_STATUS_UNSPECIFIED,
        camera_id=camera_id or "",
        limit=500,
    )
    return ChangeRequestList(items=[change_out(r) for r in items])


@router.post(
    "/camera-changes/{request_id}/approve",
    response_model=ChangeRequestOut,
    summary="Phê duyệt thay đổi camera (áp dụng thay đổi)",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("approveCameraChange", Action.CHANGE_DECIDE),
)
async def approve_change(
    request_id: Annotated[str, REQUEST_ID], gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> ChangeRequestOut:
    """province_admin: the change applies now (deactivation closes the open fault ticket);
    409 ``registry.decide_change_request.already_decided`` if it was decided."""
    return change_out(await gw.changes.decide(caller, client, request_id, approve=True, reason=""))


@router.post(
    "/camera-changes/{request_id}/reject",
    response_model=ChangeRequestOut,
    summary="Từ chối thay đổi camera (camera giữ nguyên)",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("rejectCameraChange", Action.CHANGE_DECIDE),
)
async def reject_change(
    request_id: Annotated[str, REQUEST_ID],
    body: Rejection,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> ChangeRequestOut:
    """province_admin: the camera stays as it is; the reason is kept and audited."""
    return change_out(
        await gw.changes.decide(caller, client, request_id, approve=False, reason=body.reason)
    )


class AnnualFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    PDF = "pdf"


ANNUAL_FORMATS = {
    AnnualFormat.JSON: apb.ANNUAL_REPORT_FORMAT_JSON,
    AnnualFormat.XLSX: apb.ANNUAL_REPORT_FORMAT_XLSX,
    AnnualFormat.PDF: apb.ANNUAL_REPORT_FORMAT_PDF,
}


class ScorePart(BaseModel):
    code: str = Field(examples=["connected"])
    points: float
    max_points: float


class AnnualRow(BaseModel):
    """One unit's year (see ``score_rules`` for how the score is made)."""

    number: int = Field(description="STT")
    unit_id: str
    unit_name: str
    unit_kind: str = Field(examples=["commune"])
    commune_code: str
    cameras: int = Field(description="Cameras registered (active at some time in the year)")
    connected: int = Field(description="Connected at least once by the year's end")
    never: int
    uptime: float = Field(description="Connected share of the observed time, 0-1")
    incidents: int = Field(description="Lost-connection incidents (fault tickets)")
    fixed_in_time: int = Field(description="Fixed within 3 working days")
    maintained: int = Field(description="Cameras maintained every 6 months")
    registry_updates: int
    registry_updates_in_time: int = Field(description="Recorded within 15 working days")
    needs: str = Field(
        description="Next year's needs", json_schema_extra={"enum": ["on_time", "late", "missing"]}
    )
    extractions: int
    quick_extractions: int
    break_glass_uses: int
    breaches: int
    breaches_notified_in_time: int = Field(description="Every notice sent within 72 h")
    score: float = Field(ge=0, le=100)
    grade: str = Field(examples=["Khá"])
    parts: list[ScorePart]


class AnnualReport(BaseModel):
    """The annual report as JSON (``format=json``), composed by the registry."""

    year: int
    generated_at: UtcDatetime
    period_from: str
    period_to: str
    outside_included: bool = Field(
        description="False when the breach register could not be read: those columns are 0"
    )
    rows: list[AnnualRow]
    score_rules: list[str]


@router.get(
    "/reports/annual",
    summary="Báo cáo năm theo đơn vị và điểm đánh giá",
    response_class=Response,
    responses={
        200: {
            "description": "The report as JSON, XLSX or PDF",
            "model": AnnualReport,
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **responses(401, 403, 422, 503),
    },
    **operation("getAnnualReport", Access.ANNUAL_REPORT),
)
async def annual_report(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    year: Annotated[int, Query(ge=2000, le=2200)],
    format: AnnualFormat = AnnualFormat.JSON,
    unit_id: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """Per unit for a calendar year: cameras registered / connected / never, uptime, lost
    connections fixed within 3 working days, 6-monthly maintenance, registry updates within 15
    working days, next year's needs (15 December), extractions, quick extractions, break-glass
    uses, breaches notified within 72 h, and the score with its rules. province_admin and the
    app backend: every unit (or ``unit_id``); unit operators and viewers: their own unit."""
    reply = await gw.annual.report(
        caller, client, year=year, report_format=ANNUAL_FORMATS[format], unit_id=unit_id or ""
    )
    headers = {"Cache-Control": "no-store"}
    if format is not AnnualFormat.JSON:
        headers["Content-Disposition"] = f'attachment; filename="{reply.filename}"'
    return Response(content=reply.document, media_type=reply.content_type, headers=headers)
