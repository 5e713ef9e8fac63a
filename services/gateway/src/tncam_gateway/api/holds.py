"""``/legal-holds`` (lưu giữ theo vụ việc, R6) and ``/decommissions`` (tiêu hủy dữ liệu với
biên bản xác nhận kỹ thuật, Art. 11.4), mapped onto the recorder's operations."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, Field

from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Action
from tncam_gateway.service.storage_records import HoldPlacement, SignOff

router = APIRouter(tags=["records"])
Text = Annotated[str, Field(min_length=1, max_length=500)]
RecordId = Annotated[str, Path(max_length=64)]


class ActorOut(BaseModel):
    """Who did it, as recorded."""

    id: str
    display_name: str


def _actor(a: actor_pb2.Actor) -> ActorOut:
    return ActorOut(id=a.id, display_name=a.display_name)


def _t(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(UTC)


class HoldCreate(BaseModel):
    """A legal hold on the competent authority's written request (R6)."""

    case_reference: Text = Field(examples=["VV-2026-0142"])
    authority: Text = Field(examples=["Cơ quan CSĐT Công an tỉnh Thái Nguyên"])
    document_number: Text = Field(examples=["125/CV-CSĐT"])
    reason: Text = Field(examples=["Điều tra vụ trộm xe máy tại chợ Thái"])
    camera_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1, max_length=100, examples=[["CAM-01-001"]]
    )
    start: Instant = Field(examples=["2026-11-20T08:00:00+07:00"])
    end: Instant = Field(examples=["2026-11-20T10:00:00+07:00"])


class HoldRelease(BaseModel):
    """Why the hold ends (the authority's closing decision)."""

    reason: Text = Field(examples=["Kết thúc vụ việc theo quyết định 12/QĐ-CSĐT"])


class HoldOut(BaseModel):
    """A legal hold as recorded."""

    id: str
    case_reference: str
    authority: str
    document_number: str
    reason: str
    camera_ids: list[str]
    start: UtcDatetime
    end: UtcDatetime
    placed_by: ActorOut
    placed_at: UtcDatetime
    active: bool
    released_at: UtcDatetime | None
    released_by: ActorOut | None
    release_reason: str
    segments_changed: int | None = Field(
        default=None, description="Segments held (or freed) by this request"
    )


def hold_out(h: api.LegalHold, changed: int | None = None) -> HoldOut:
    """The API view of a hold."""
    released = h.HasField("released_at")
    return HoldOut(
        id=h.hold_id,
        case_reference=h.case_reference,
        authority=h.authority,
        document_number=h.document_number,
        reason=h.reason,
        camera_ids=list(h.camera_ids),
        start=_t(h.range.start),
        end=_t(h.range.end),
        placed_by=_actor(h.placed_by),
        placed_at=_t(h.placed_at),
        active=not released,
        released_at=_t(h.released_at) if released else None,
        released_by=_actor(h.released_by) if released else None,
        release_reason=h.release_reason,
        segments_changed=changed,
    )


@router.post(
    "/legal-holds",
    response_model=HoldOut,
    status_code=201,
    summary="Lưu giữ dữ liệu theo vụ việc (legal hold)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("placeLegalHold", Action.HOLD_MANAGE),
)
async def place_legal_hold(body: HoldCreate, gw: GatewayDep, caller: CallerDep) -> HoldOut:
    """Keep every segment of the cameras in [start, end) until the case is closed, on the
    competent authority's written request (its number in ``document_number``). A range with
    no footage of a camera: 422 ``recording.legal_hold.no_footage``, nothing recorded; an
    unknown camera: 404 ``gateway.camera.not_found``."""
    reply = await gw.storage.place_hold(
        caller,
        HoldPlacement(
            case_reference=body.case_reference,
            authority=body.authority,
            document_number=body.document_number,
            reason=body.reason,
            camera_ids=body.camera_ids,
            start=body.start,
            end=body.end,
        ),
    )
    return hold_out(reply.hold, reply.segments_changed)


class HoldPage(BaseModel):
    """One page of legal holds, newest first."""

    items: list[HoldOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "/legal-holds",
    response_model=HoldPage,
    summary="Danh sách lưu giữ theo vụ việc",
    responses=responses(401, 403, 422, 503),
    **operation("listLegalHolds", Action.RECORDS_REVIEW),
)
async def list_legal_holds(
    gw: GatewayDep,
    caller: CallerDep,
    active: bool = False,
    camera_id: Annotated[str, Query(max_length=64)] = "",
    case_reference: Annotated[str, Query(max_length=500)] = "",
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> HoldPage:
    """province_admin and auditor; ``active=true`` for holds not yet released."""
    offset = offset_of(page_token)
    reply = await gw.storage.list_holds(
        caller,
        api.ListLegalHoldsRequest(
            active_only=active,
            camera_id=camera_id,
            case_reference=case_reference,
            page_size=page_size,
            page_token=str(offset) if offset else "",
        ),
    )
    return HoldPage(
        items=[hold_out(h) for h in reply.holds],
        next_page_token=next_token(offset, len(reply.holds), reply.total),
        total=reply.total,
    )


@router.post(
    "/legal-holds/{hold_id}/release",
    response_model=HoldOut,
    summary="Chấm dứt lưu giữ khi vụ việc kết thúc",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("releaseLegalHold", Action.HOLD_MANAGE),
)
async def release_legal_hold(
    hold_id: RecordId, body: HoldRelease, gw: GatewayDep, caller: CallerDep
) -> HoldOut:
    """Release a hold when the authority closed the case; footage no other hold keeps goes
    back to its retention class. A released hold: 409 ``recording.legal_hold.released``."""
    reply = await gw.storage.release_hold(caller, hold_id, body.reason)
    return hold_out(reply.hold, reply.segments_changed)


class DecommissionCreate(BaseModel):
    """Wipe a camera's footage (every version) when it or its storage is retired."""

    camera_id: str = Field(min_length=1, max_length=64, examples=["CAM-01-001"])
    reason: Text = Field(examples=["Thanh lý camera hỏng"])
    document_reference: Text = Field(examples=["QĐ 123/QĐ-UBND"])


class SignOffIn(BaseModel):
    """The technical department's minutes (biên bản xác nhận của bộ phận kỹ thuật)."""

    signer_name: Text = Field(examples=["Nguyễn Văn An"])
    signer_role: Text = Field(examples=["Kỹ sư hệ thống, Phòng Hạ tầng số"])
    signed_on: date = Field(examples=["2026-12-07"], description="Ngày ký biên bản (UTC+7)")
    note: str = Field(default="", max_length=2000)


class SignOffOut(BaseModel):
    """A recorded sign-off."""

    signer_name: str
    signer_role: str
    signed_on: date
    note: str
    recorded_by: ActorOut
    recorded_at: UtcDatetime


class DecommissionOut(BaseModel):
    """A decommissioning: the signed machine certificate and the human sign-off beside it."""

    certificate_id: str
    scope: str
    camera_id: str
    issued_at: UtcDatetime | None
    certificate_json: str = Field(description="Canonical JSON, signed")
    signature: str = Field(description="Ed25519 signature of certificate_json, base64")
    public_key: str = Field(description="Raw Ed25519 public key of the recorder, base64")
    objects_deleted: int | None = None
    segments_deleted: int | None = None
    sign_off: SignOffOut | None = Field(description="null until the technical sign-off")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def decommission_out(d: api.DecommissionRecord) -> DecommissionOut:
    """The API view of a decommissioning."""
    s = d.sign_off if d.HasField("sign_off") else None
    return DecommissionOut(
        certificate_id=d.certificate_id,
        scope=d.scope,
        camera_id=d.camera_id,
        issued_at=_t(d.issued_at),
        certificate_json=d.certificate_json,
        signature=_b64(d.signature),
        public_key=_b64(d.public_key),
        sign_off=None
        if s is None
        else SignOffOut(
            signer_name=s.signer_name,
            signer_role=s.signer_role,
            signed_on=date.fromisoformat(s.signed_on),
            note=s.note,
            recorded_by=_actor(s.recorded_by),
            recorded_at=_t(s.recorded_at),
        ),
    )


@router.post(
    "/decommissions",
    response_model=DecommissionOut,
    status_code=201,
    summary="Tiêu hủy dữ liệu của một camera (chứng nhận xóa có chữ ký)",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("decommissionCamera", Action.STORAGE_DECOMMISSION),
)
async def decommission_camera(
    body: DecommissionCreate, gw: GatewayDep, caller: CallerDep
) -> DecommissionOut:
    """Delete every version of the camera's footage, verify nothing is left and get the
    recorder's signed certificate; footage under an active hold: 409
    ``recording.decommission.held``. The technical sign-off follows with ``/sign-off``."""
    cert = await gw.storage.decommission(
        caller, body.camera_id, body.reason, body.document_reference
    )
    return DecommissionOut(
        certificate_id=cert.certificate_id,
        scope="camera",
        camera_id=body.camera_id,
        issued_at=None,
        certificate_json=cert.certificate_json,
        signature=_b64(cert.signature),
        public_key=_b64(cert.public_key),
        objects_deleted=cert.objects_deleted,
        segments_deleted=cert.segments_deleted,
        sign_off=None,
    )


@router.post(
    "/decommissions/{certificate_id}/sign-off",
    response_model=DecommissionOut,
    summary="Ghi biên bản xác nhận của bộ phận kỹ thuật",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("signOffDecommission", Action.STORAGE_DECOMMISSION),
)
async def sign_off_decommission(
    certificate_id: RecordId, body: SignOffIn, gw: GatewayDep, caller: CallerDep
) -> DecommissionOut:
    """Record who signed the minutes, their role, the date and a note, beside the machine
    certificate (once: 409 ``recording.decommission.already_signed_off``; a date before the
    certificate or in the future: 422)."""
    record = await gw.storage.sign_off(
        caller,
        certificate_id,
        SignOff(body.signer_name, body.signer_role, body.signed_on.isoformat(), body.note),
    )
    return decommission_out(record)


class DecommissionPage(BaseModel):
    """One page of decommissionings, newest first."""

    items: list[DecommissionOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "/decommissions",
    response_model=DecommissionPage,
    summary="Danh sách tiêu hủy dữ liệu và biên bản xác nhận",
    responses=responses(401, 403, 422, 503),
    **operation("listDecommissions", Action.RECORDS_REVIEW),
)
async def list_decommissions(
    gw: GatewayDep,
    caller: CallerDep,
    unsigned: bool = False,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> DecommissionPage:
    """province_admin and auditor; ``unsigned=true`` for those still without a sign-off."""
    offset = offset_of(page_token)
    reply = await gw.storage.list_decommissions(
        caller,
        api.ListDecommissionsRequest(
            unsigned_only=unsigned, page_size=page_size, page_token=str(offset) if offset else ""
        ),
    )
    return DecommissionPage(
        items=[decommission_out(d) for d in reply.decommissions],
        next_page_token=next_token(offset, len(reply.decommissions), reply.total),
        total=reply.total,
    )
