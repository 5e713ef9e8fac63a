"""``/exports``: quick extraction (trích xuất nhanh), approved exports, one-time download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.db.exports import ExportRecord
from tncam_gateway.domain.policy import Access, Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.domain.vocabulary import ExportKind, ExportStatus
from tncam_gateway.service.exports import ExportFilter, ExportRequest

router = APIRouter(prefix="/exports", tags=["exports"])
EXPORT_ID = Path(max_length=64)


class ExportCreate(BaseModel):
    """An export request: which footage, why, and whether it is a quick extraction."""

    camera_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["cam-0001"])
    from_: Instant = Field(alias="from", examples=["2026-11-20T08:00:00+07:00"])
    to: Instant = Field(examples=["2026-11-20T08:05:00+07:00"])
    purpose: Purpose = Field(description="Mục đích truy cập (required)")
    purpose_text: str | None = Field(default=None, max_length=500)
    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="Lý do (bắt buộc), e.g. the urgent case of a quick extraction",
        examples=["Đổ rác trái phép tại ngã ba chợ, cần trích xuất gấp"],
    )
    quick: bool = Field(
        default=False,
        description="Trích xuất nhanh (Art. 8.2): commune/ward unit operators, own cameras, "
        "built at once and reported after the fact; otherwise the export waits for approval",
    )
    grant_id: str | None = Field(default=None, max_length=64)

    model_config = {"populate_by_name": True}


class ExportDecision(BaseModel):
    """An approver's note."""

    note: str = Field(default="", max_length=1000, examples=["Đồng ý theo công văn 12/CV"])


class ExportOut(BaseModel):
    """An export request and its state."""

    id: str
    kind: ExportKind = Field(examples=["quick"])
    status: ExportStatus = Field(examples=["ready"])
    requested_by: str
    requester_unit_id: str
    camera_id: str
    owner_unit_id: str
    from_: UtcDatetime = Field(serialization_alias="from")
    to: UtcDatetime
    purpose: Purpose
    purpose_text: str
    reason: str
    grant_id: str
    created_at: UtcDatetime
    decided_at: UtcDatetime | None
    decided_by: str
    decision_note: str
    file_sha256: str
    file_bytes: int
    ready_at: UtcDatetime | None
    download_deadline: UtcDatetime | None
    downloaded_at: UtcDatetime | None
    error_code: str


def out(r: ExportRecord) -> ExportOut:
    """The API view of an export."""
    return ExportOut(
        id=r.id,
        kind=ExportKind(r.kind),
        status=ExportStatus(r.status),
        requested_by=r.requested_by,
        requester_unit_id=r.requester_unit_id,
        camera_id=r.camera_id,
        owner_unit_id=r.owner_unit_id,
        from_=r.footage_from,
        to=r.footage_to,
        purpose=Purpose(r.purpose),
        purpose_text=r.purpose_text,
        reason=r.reason,
        grant_id=r.grant_id,
        created_at=r.created_at,
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        decision_note=r.decision_note,
        file_sha256=r.file_sha256,
        file_bytes=r.file_bytes,
        ready_at=r.ready_at,
        download_deadline=r.download_deadline,
        downloaded_at=r.downloaded_at,
        error_code=r.error_code,
    )


@router.post(
    "",
    response_model=ExportOut,
    response_model_by_alias=True,
    status_code=201,
    summary="Yêu cầu trích xuất / trích xuất nhanh (cần mục đích và lý do)",
    responses=responses(400, 401, 403, 404, 422, 503),
    **operation("createExport", Action.FOOTAGE_EXPORT, Action.FOOTAGE_QUICK_EXTRACT),
)
async def request_export(
    body: ExportCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> ExportOut:
    """``quick=true``: a commune/ward unit operator extracts its own camera's footage at once
    (recorded with legal basis quick extraction, listed for after-the-fact reporting). Otherwise
    the request is recorded as ``pending`` until an approver decides. Either way it is
    authorized and written to the processing log before anything is built."""
    record = await gw.exports.request(
        caller,
        client,
        ExportRequest(
            camera_id=body.camera_id,
            start=body.from_,
            end=body.to,
            purpose=PurposeOfAccess.parse(body.purpose.value, body.purpose_text),
            reason=body.reason,
            quick=body.quick,
            grant_id=body.grant_id,
        ),
    )
    return out(record)


class ExportPage(BaseModel):
    """One page of exports."""

    items: list[ExportOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "",
    response_model=ExportPage,
    response_model_by_alias=True,
    summary="Danh sách trích xuất (báo cáo sau trích xuất nhanh)",
    responses=responses(401, 422),
    **operation("listExports", Access.EXPORT_LIST),
)
async def list_exports(
    gw: GatewayDep,
    caller: CallerDep,
    kind: ExportKind | None = None,
    status: ExportStatus | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> ExportPage:
    """province_admin and auditor see every export (``kind=quick`` lists the quick
    extractions to report); a unit operator sees its own requests and those on its unit's
    cameras; everyone else their own requests."""
    offset = offset_of(page_token)
    found, total = await gw.exports.search(
        caller,
        ExportFilter(
            kind=kind.value if kind else None,
            status=status.value if status else None,
            since=since,
            until=until,
            limit=page_size,
            offset=offset,
        ),
    )
    return ExportPage(
        items=[out(r) for r in found],
        next_page_token=next_token(offset, len(found), total),
        total=total,
    )


@router.get(
    "/{export_id}",
    response_model=ExportOut,
    response_model_by_alias=True,
    summary="Một yêu cầu trích xuất",
    responses=responses(401, 404),
    **operation("getExport", Access.EXPORT_LIST),
)
async def get_export(
    gw: GatewayDep, caller: CallerDep, export_id: Annotated[str, EXPORT_ID]
) -> ExportOut:
    """One export: its requester, or province_admin / auditor."""
    return out(await gw.exports.get(caller, export_id))


@router.post(
    "/{export_id}/approve",
    response_model=ExportOut,
    response_model_by_alias=True,
    summary="Duyệt yêu cầu trích xuất (bản trích xuất có chữ ký được tạo)",
    responses=responses(401, 403, 404, 409, 503),
    **operation("approveExport", Action.EXPORT_APPROVE),
)
async def approve_export(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    export_id: Annotated[str, EXPORT_ID],
    body: ExportDecision | None = None,
) -> ExportOut:
    """An authorized approver (province_admin, not the requester) approves; the recorder
    builds the signed export, downloadable once by the requester within the window."""
    note = body.note if body else ""
    return out(await gw.exports.decide(caller, client, export_id, approve=True, note=note))


@router.post(
    "/{export_id}/reject",
    response_model=ExportOut,
    response_model_by_alias=True,
    summary="Từ chối yêu cầu trích xuất",
    responses=responses(401, 403, 404, 409, 503),
    **operation("rejectExport", Action.EXPORT_APPROVE),
)
async def reject_export(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    export_id: Annotated[str, EXPORT_ID],
    body: ExportDecision | None = None,
) -> ExportOut:
    """An approver refuses the request."""
    note = body.note if body else ""
    return out(await gw.exports.decide(caller, client, export_id, approve=False, note=note))


@router.get(
    "/{export_id}/download",
    summary="Tải bản trích xuất có chữ ký (một lần, trong thời hạn)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The signed export (zip: video.mp4, segments, manifest.json, "
            "manifest.sig, signer.pub); verify with `tncam export verify`",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **responses(401, 403, 404, 409, 410, 503),
    },
    **operation("downloadExport", Action.FOOTAGE_EXPORT, Action.FOOTAGE_QUICK_EXTRACT),
)
async def download_export(
    gw: GatewayDep, caller: CallerDep, client: ClientDep, export_id: Annotated[str, EXPORT_ID]
) -> StreamingResponse:
    """The requester downloads the export once, within the window; the download is
    re-authorized and written to the processing log before the first byte."""
    record, stream = await gw.exports.download(caller, client, export_id)
    return StreamingResponse(
        stream.chunks,
        media_type=stream.content_type,
        headers={
            "Content-Length": str(stream.total_bytes),
            "Content-Disposition": f'attachment; filename="trich-xuat-{record.id}.zip"',
            "Cache-Control": "no-store",
            "X-Export-SHA256": stream.sha256,
        },
    )
