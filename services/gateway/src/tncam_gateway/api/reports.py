"""The official connection report (the directive's appendix) and its notes, mapped onto the
registry's operations over NATS (the registry scopes the rows to the actor and audits notes)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from pydantic import BaseModel, Field

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.api.quality import ReportQualityItem
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.vocabulary import ReportCellText, ReportFormat

router = APIRouter(tags=["registry"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: format -> (registry format, media type)
REPORT_FORMATS: dict[ReportFormat, tuple[rpb.ReportFormat, str]] = {
    ReportFormat.JSON: (rpb.REPORT_FORMAT_JSON, "application/json"),
    ReportFormat.CSV: (rpb.REPORT_FORMAT_CSV, "text/csv; charset=utf-8"),
    ReportFormat.XLSX: (rpb.REPORT_FORMAT_XLSX, XLSX),
    ReportFormat.HTML: (rpb.REPORT_FORMAT_HTML, "text/html; charset=utf-8"),
    ReportFormat.PDF: (rpb.REPORT_FORMAT_PDF, "application/pdf"),
}


def negotiate(accept: str) -> ReportFormat:
    """The format an ``Accept`` header asks for (the first listed that we make; JSON when it
    names none of them, ``*/*`` included)."""
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        for fmt, (_, ours) in REPORT_FORMATS.items():
            if media and media == ours.split(";", 1)[0]:
                return fmt
    return ReportFormat.JSON


class ReportCellPart(BaseModel):
    """The cameras of one site kind within a cell (squares, public places)."""

    site_kind: str = Field(examples=["public_place"])
    text: ReportCellText
    cameras: int
    connected: int
    lost: int
    never: int
    unstable: int


class ReportCell(BaseModel):
    """One column in one commune: the appendix's text and the camera counts behind it."""

    text: ReportCellText
    cameras: int
    connected: int
    lost: int
    never: int
    unstable: int
    parts: list[ReportCellPart] = Field(description="The counts per site kind")


class ReportRow(BaseModel):
    """One commune/ward of the report (section I)."""

    number: int = Field(description="STT")
    commune_code: str = Field(examples=["05512"])
    commune_name: str = Field(examples=["Xã Tân Thịnh"])
    service_center: ReportCell = Field(description="Camera TTPVHCC")
    committee_hq: ReportCell = Field(description="Camera trụ sở UBND")
    square: ReportCell = Field(
        description="Camera quảng trường / khu vực công cộng (squares and public places)"
    )
    note: str = Field(description="Ghi chú: written by a person if any, else generated")
    generated_note: str
    note_by: str = Field(description="Who wrote the note (empty: generated)")
    note_at: UtcDatetime | None


class ReportUnitRow(BaseModel):
    """A unit in its own section: the provincial service center, a department or a sector
    operation center (every active camera it owns)."""

    number: int
    unit_id: str = Field(examples=["ttpvhcc-tinh"])
    unit_name: str
    unit_kind: str = Field(examples=["service_center"])
    cameras: ReportCell
    note: str


class ConnectionReport(BaseModel):
    """The connection report as JSON (``format=json``), built by the registry."""

    generated_at: UtcDatetime
    as_of: UtcDatetime | None = Field(description="Set when recomputed for a past instant")
    scope: str = Field(description="Empty: the whole province; else the unit or sector")
    rows: list[ReportRow]
    service_centers: list[ReportUnitRow] = Field(description="Section II")
    departments: list[ReportUnitRow] = Field(description="Section III")
    totals: list[str] = Field(description="The appendix's total lines")
    completed: list[str] = Field(description="Units whose every camera is connected")
    not_completed: list[str]
    unstable: list[str]
    quality: list[ReportQualityItem] = Field(
        default_factory=list,
        description="Connected cameras with a poor picture (Có kết nối — hình ảnh kém); "
        "empty in a report as of a past instant",
    )


@router.get(
    "/reports/connection-status",
    summary="Báo cáo tình trạng kết nối camera (phụ lục của chỉ thị)",
    response_class=Response,
    responses={
        200: {
            "description": "The report as JSON, CSV (UTF-8), XLSX, printable HTML or PDF",
            "model": ConnectionReport,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **responses(401, 403, 422, 503),
    },
    **operation("getConnectionReport", Action.REPORT_READ),
)
async def connection_report(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    format: ReportFormat | None = None,
    as_of: Instant | None = None,
    accept: Annotated[str, Header(include_in_schema=False)] = "",
) -> Response:
    """The connection report: province_admin and the C-Thái Nguyên backend see the whole
    province; unit operators and viewers their own commune's row (or their unit's section);
    sector operators their sector's cameras. ``format`` wins over ``Accept``; ``as_of`` (a past
    instant) recomputes the report from the state history."""
    chosen = format or negotiate(accept)
    registry_format, media = REPORT_FORMATS[chosen]
    reply = await gw.cameras.connection_report(caller, client, registry_format, as_of)
    headers = {"Cache-Control": "no-store", "Vary": "Accept"}
    if chosen is not ReportFormat.JSON:
        disposition = "inline" if chosen in (ReportFormat.HTML, ReportFormat.PDF) else "attachment"
        headers["Content-Disposition"] = f'{disposition}; filename="{reply.filename}"'
    return Response(content=reply.document, media_type=media, headers=headers)


class ReportNoteIn(BaseModel):
    """The note of a commune's row; empty text removes it (the generated note shows again)."""

    text: str = Field(max_length=2000, examples=["Đã báo nhà mạng, chờ kéo lại cáp quang"])


class ReportNoteOut(BaseModel):
    """The note as recorded."""

    commune_code: str
    text: str
    updated_by: str
    updated_at: UtcDatetime | None


@router.put(
    "/reports/connection-status/notes/{commune_code}",
    response_model=ReportNoteOut,
    summary="Ghi chú của một xã, phường trong báo cáo kết nối",
    responses=responses(401, 403, 404, 422, 503),
    **operation("putReportNote", Action.REPORT_NOTE_WRITE),
)
async def put_report_note(
    commune_code: Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,16}$")],
    body: ReportNoteIn,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> ReportNoteOut:
    """Write the note of a commune's report row over the generated one (province_admin; who
    and when are kept and the change is audited)."""
    reply = await gw.cameras.set_report_note(caller, client, commune_code, body.text)
    return ReportNoteOut(
        commune_code=reply.commune_code,
        text=reply.text,
        updated_by=reply.updated_by,
        updated_at=reply.updated_at.ToDatetime(tzinfo=UTC) if reply.text else None,
    )
