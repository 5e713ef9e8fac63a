"""Camera administration, import and the analytics gate, mapped onto
the registry's operations over NATS (the registry re-checks the actor and audits changes)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api.camera_changes import ChangeRequestOut, change_out
from tncam_gateway.api.cameras import CameraOut, out
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.db.exports import AnalyticsRecord
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.vocabulary import SiteKind
from tncam_gateway.service.analytics import AnalyticsBasis, AnalyticsChange
from tncam_mesh.errors import InvalidInputError

router = APIRouter(tags=["registry"])
CAMERA_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", max_length=64)
SHORT = 256


class CameraFieldsIn(BaseModel):
    """Writable fields of a camera (credentials are write-only and never returned)."""

    name: str | None = Field(default=None, max_length=SHORT, examples=["Cổng UBND xã"])
    commune_code: str | None = Field(default=None, max_length=16, examples=["05512"])
    site_kind: SiteKind | None = Field(default=None, examples=["committee_hq"])
    site_id: str | None = Field(default=None, max_length=128)
    owner_unit_id: str | None = Field(default=None, max_length=128)
    sectors: list[str] | None = Field(default=None, max_length=20)
    rtsp_url: str | None = Field(default=None, max_length=1024)
    rtsp_sub_url: str | None = Field(default=None, max_length=1024)
    onvif_url: str | None = Field(default=None, max_length=1024)
    vendor: str | None = Field(default=None, max_length=SHORT)
    model: str | None = Field(default=None, max_length=SHORT)
    firmware: str | None = Field(default=None, max_length=SHORT)
    declared_codec: str | None = Field(default=None, max_length=16, examples=["hevc"])
    resolution: str | None = Field(default=None, max_length=16, examples=["1920x1080"])
    qcvn135_cert: str | None = Field(default=None, max_length=SHORT)
    qcvn135_valid_until: str | None = Field(default=None, max_length=10)
    onvif_version: str | None = Field(default=None, max_length=16)
    installed_on: str | None = Field(default=None, max_length=10)
    retention_days: int | None = Field(default=None, ge=0, le=3650)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    location: str | None = Field(default=None, max_length=1024)
    username: str | None = Field(default=None, max_length=SHORT, description="write-only")
    password: str | None = Field(default=None, max_length=SHORT, description="write-only")


CREDENTIAL_FIELDS = {"username", "password"}


class CameraCreate(CameraFieldsIn):
    """A new camera: its id (= code) and fields."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["cam-0001"])


class CameraUpdate(CameraFieldsIn):
    """A change: only the fields given change."""

    expected_revision: int | None = Field(default=None, ge=0)
    changed_on: date | None = Field(default=None, description="Date of the change in the field")


class Deactivation(BaseModel):
    """Why a camera is taken out of service."""

    reason: str = Field(min_length=3, max_length=1000, examples=["Thay thiết bị"])


def _fields(body: CameraFieldsIn) -> tuple[rpb.CameraFields, list[str]]:
    given = [
        f
        for f in body.model_fields_set & set(CameraFieldsIn.model_fields)
        if f not in CREDENTIAL_FIELDS and getattr(body, f) is not None
    ]
    fields = rpb.CameraFields()
    for name in given:
        value = getattr(body, name)
        if name == "sectors":
            fields.sectors.extend(value)
        elif isinstance(value, Enum):
            setattr(fields, name, value.value)
        else:
            setattr(fields, name, value)
    return fields, sorted(given)


@router.post(
    "/cameras",
    response_model=CameraOut,
    status_code=201,
    summary="Đăng ký camera",
    responses=responses(401, 403, 409, 422, 503),
    **operation("createCamera", Action.CAMERA_ADMIN),
)
async def create_camera(
    body: CameraCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> CameraOut:
    """province_admin, or a unit operator for its own unit's cameras."""
    fields, _ = _fields(body)
    request = rpb.CreateCameraRequest(id=body.id, fields=fields)
    if body.username or body.password:
        request.credentials.username = body.username or ""
        request.credentials.password = body.password or ""
    return out(await gw.cameras.create(caller, client, request))


PENDING: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ChangeRequestOut,
        "description": "A unit operator's change of the camera's commune or site kind, or "
        "deactivation, waits for a province admin's approval (GET /camera-changes): the camera "
        "is unchanged and still reported meanwhile",
    }
}


def _pending(request: Any) -> JSONResponse:
    """202 with the change request that now waits for a province admin."""
    return JSONResponse(change_out(request).model_dump(mode="json"), status_code=202)


@router.patch(
    "/cameras/{camera_id}",
    response_model=CameraOut,
    summary="Cập nhật thông tin camera",
    responses={**PENDING, **responses(401, 403, 404, 409, 422, 503)},
    **operation("updateCamera", Action.CAMERA_ADMIN),
)
async def update_camera(
    camera_id: Annotated[str, CAMERA_ID],
    body: CameraUpdate,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> CameraOut | JSONResponse:
    """Change the given fields (and the credentials when ``username``/``password`` are given);
    ``expected_revision`` refuses a stale update (409)."""
    fields, mask = _fields(body)
    request = rpb.UpdateCameraRequest(
        id=camera_id,
        fields=fields,
        update_mask=mask,
        expected_revision=body.expected_revision or 0,
        changed_on=body.changed_on.isoformat() if body.changed_on else "",
    )
    if body.username is not None or body.password is not None:
        request.set_credentials = True
        request.credentials.username = body.username or ""
        request.credentials.password = body.password or ""
    reply = await gw.cameras.update(caller, client, request)
    if reply.HasField("change_request"):
        return _pending(reply.change_request)
    return out(reply.camera)


@router.post(
    "/cameras/{camera_id}/deactivate",
    response_model=CameraOut,
    summary="Ngừng sử dụng camera",
    responses={**PENDING, **responses(401, 403, 404, 409, 422, 503)},
    **operation("deactivateCamera", Action.CAMERA_ADMIN),
)
async def deactivate_camera(
    camera_id: Annotated[str, CAMERA_ID],
    body: Deactivation,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> CameraOut | JSONResponse:
    """Ingest drops the camera; it is kept in the registry, reports skip it. A unit
    operator's deactivation waits for a province admin (202 with the change request)."""
    reply = await gw.cameras.deactivate(caller, client, camera_id, body.reason)
    if reply.HasField("change_request"):
        return _pending(reply.change_request)
    return out(reply.camera)


class ImportErrorOut(BaseModel):
    """One problem of an import file (row as a spreadsheet shows it; 0 = the whole file)."""

    row: int
    column: str
    code: str = Field(examples=["unknown_commune"])
    message: str


class ImportResult(BaseModel):
    """The outcome of an import: all or nothing."""

    accepted: bool
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportErrorOut]


@router.post(
    "/cameras/import",
    response_model=ImportResult,
    summary="Nhập danh sách camera từ CSV/XLSX (tất cả hoặc không)",
    responses=responses(401, 403, 413, 422, 503),
    **operation("importCameras", Action.CAMERA_ADMIN),
)
async def import_cameras(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, `,` or `;`) or XLSX")],
    dry_run: Annotated[bool, Form()] = False,
) -> ImportResult:
    """Columns: ``code,name,commune_code,site_kind,rtsp_url`` and optional ones (see the
    registry's documentation). A file with any error writes nothing: 422
    ``gateway.import.rejected`` with row-numbered errors in ``errors``."""
    content = await file.read(gw.settings.max_upload_bytes + 1)
    name = (file.filename or "cameras.csv")[:256]
    reply = await gw.cameras.import_file(
        caller, client, filename=name, content=content, dry_run=dry_run
    )
    errors = [
        ImportErrorOut(row=e.row, column=e.column, code=e.code, message=e.message)
        for e in reply.errors
    ]
    if not reply.accepted and errors:
        raise InvalidInputError(
            "gateway.import.rejected",
            f"Tệp có {len(errors)} lỗi, không có camera nào được ghi (nothing was written)",
            details={"rows": reply.rows, "errors": [e.model_dump() for e in errors[:500]]},
        )
    return ImportResult(
        accepted=reply.accepted,
        dry_run=dry_run,
        rows=reply.rows,
        created=reply.created,
        updated=reply.updated,
        unchanged=reply.unchanged,
        errors=errors,
    )


class AnalyticsOut(BaseModel):
    """The analytics gate of a camera (off unless enabled with an approved basis)."""

    camera_id: str
    enabled: bool
    basis: str = Field(
        description="Empty while analytics was never enabled",
        json_schema_extra={"enum": [*(b.value for b in AnalyticsBasis), ""]},
    )
    document_number: str = ""
    document_issuer: str = ""
    document_date: date | None = None
    reason: str = ""
    changed_by: str = ""
    changed_at: UtcDatetime | None = None
    revision: int = 0


class AnalyticsIn(BaseModel):
    """Enable (with an approved basis) or disable analytics on a camera."""

    enabled: bool
    basis: AnalyticsBasis | None = Field(default=None, examples=["traffic_safety"])
    reason: str = Field(min_length=1, max_length=1000, examples=["Đếm lưu lượng giao thông"])
    document_number: str = Field(default="", max_length=128)
    document_issuer: str = Field(default="", max_length=256)
    document_date: date | None = None


def analytics_out(camera_id: str, r: AnalyticsRecord | None) -> AnalyticsOut:
    """The API view of the gate (off when never set)."""
    if r is None:
        return AnalyticsOut(camera_id=camera_id, enabled=False, basis="")
    return AnalyticsOut(
        camera_id=r.camera_id,
        enabled=r.enabled,
        basis=r.basis,
        document_number=r.document_number,
        document_issuer=r.document_issuer,
        document_date=r.document_date,
        reason=r.reason,
        changed_by=r.changed_by,
        changed_at=r.changed_at,
        revision=r.revision,
    )


@router.get(
    "/cameras/{camera_id}/analytics",
    response_model=AnalyticsOut,
    summary="Trạng thái tính năng phân tích (AI) của camera",
    responses=responses(401, 404, 503),
    **operation("getCameraAnalytics", Action.CAMERA_READ),
)
async def get_analytics(
    camera_id: Annotated[str, CAMERA_ID], gw: GatewayDep, caller: CallerDep
) -> AnalyticsOut:
    """Off by default; who may read the camera may read its gate."""
    return analytics_out(camera_id, await gw.analytics.get(caller, camera_id))


@router.put(
    "/cameras/{camera_id}/analytics",
    response_model=AnalyticsOut,
    summary="Bật/tắt phân tích (AI) cho camera (province_admin, cần mục đích được phê duyệt)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("setCameraAnalytics", Action.ANALYTICS_ENABLE),
)
async def set_analytics(
    camera_id: Annotated[str, CAMERA_ID],
    body: AnalyticsIn,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> AnalyticsOut:
    """Enabling needs ``basis`` ``public_order`` or ``traffic_safety``, or
    ``approval_document`` with the document's number, issuer and date; recorded in the audit
    log before it takes effect."""
    record = await gw.analytics.change(
        caller,
        client,
        camera_id,
        AnalyticsChange(
            enabled=body.enabled,
            basis=body.basis,
            reason=body.reason,
            document_number=body.document_number,
            document_issuer=body.document_issuer,
            document_date=body.document_date,
        ),
    )
    return analytics_out(camera_id, record)
