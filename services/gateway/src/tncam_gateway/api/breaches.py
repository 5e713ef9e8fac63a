"""``/breaches``: the personal-data breach register (R14, Art. 10.4) — a breach must be
notified in writing to the provincial police and DOST within 72 hours of its detection."""

from __future__ import annotations

import uuid
from datetime import UTC
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from tncam.audit.v1 import breach_pb2
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, GatewayDep
from tncam_gateway.api.holds import ActorOut
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Action

router = APIRouter(prefix="/breaches", tags=["records"])
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Recipient(StrEnum):
    """Who receives a written notice."""

    PROVINCIAL_POLICE = "provincial_police"  # Công an tỉnh
    DOST = "dost"  # Sở Khoa học và Công nghệ


class BreachStatus(StrEnum):
    """Where a breach stands: notices pending, deadline passed, or both notices sent."""

    OPEN = "open"
    OVERDUE = "overdue"
    NOTIFIED = "notified"


RECIPIENT_PB = {
    Recipient.PROVINCIAL_POLICE: breach_pb2.NOTICE_RECIPIENT_PROVINCIAL_POLICE,
    Recipient.DOST: breach_pb2.NOTICE_RECIPIENT_DOST,
}
STATUS_PB = {
    BreachStatus.OPEN: breach_pb2.BREACH_STATUS_OPEN,
    BreachStatus.OVERDUE: breach_pb2.BREACH_STATUS_OVERDUE,
    BreachStatus.NOTIFIED: breach_pb2.BREACH_STATUS_NOTIFIED,
}


class BreachCreate(BaseModel):
    """A detected breach."""

    id: uuid.UUID | None = Field(
        default=None, description="Idempotency key: a retry with the same id returns the breach"
    )
    title: Text = Field(examples=["Lộ tài khoản vận hành của xã"])
    description: str = Field(default="", max_length=5000)
    detected_at: Instant = Field(examples=["2026-12-07T09:30:00+07:00"])
    scope: Text = Field(examples=["Hình ảnh 3 camera của xã Phan Đình Phùng"])
    unit_ids: list[Annotated[str, Field(max_length=128)]] = Field(default=[], max_length=100)
    camera_ids: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=500)


class NoticeCreate(BaseModel):
    """A written notice sent about a breach."""

    id: uuid.UUID | None = Field(default=None, description="Idempotency key")
    recipient: Recipient
    sent_at: Instant = Field(examples=["2026-12-08T14:00:00+07:00"])
    document_number: Text = Field(examples=["12/TB-SKHCN"])
    channel: str = Field(default="", max_length=200, examples=["công văn giấy"])


class NoticeOut(BaseModel):
    """A notice as recorded."""

    id: str
    recipient: Recipient
    sent_at: UtcDatetime
    document_number: str
    channel: str
    recorded_by: ActorOut


class BreachOut(BaseModel):
    """A breach with its 72-hour deadline and the notices sent so far."""

    id: str
    title: str
    description: str
    detected_at: UtcDatetime
    scope: str
    unit_ids: list[str]
    camera_ids: list[str]
    notice_deadline: UtcDatetime = Field(description="detected_at + 72 h")
    status: BreachStatus
    missing_notices: list[Recipient]
    notices: list[NoticeOut]
    recorded_by: ActorOut
    recorded_at: UtcDatetime


def _recipient(value: int) -> Recipient:
    return next(k for k, v in RECIPIENT_PB.items() if v == value)


def breach_out(b: breach_pb2.Breach) -> BreachOut:
    """The API view of a breach."""
    notices = [
        NoticeOut(
            id=n.notice_id,
            recipient=_recipient(n.recipient),
            sent_at=n.sent_at.ToDatetime(UTC),
            document_number=n.document_number,
            channel=n.channel,
            recorded_by=ActorOut(id=n.recorded_by.id, display_name=n.recorded_by.display_name),
        )
        for n in b.notices
    ]
    sent = {n.recipient for n in notices}
    return BreachOut(
        id=b.breach_id,
        title=b.title,
        description=b.description,
        detected_at=b.detected_at.ToDatetime(UTC),
        scope=b.scope,
        unit_ids=list(b.unit_ids),
        camera_ids=list(b.camera_ids),
        notice_deadline=b.notice_deadline.ToDatetime(UTC),
        status=next(k for k, v in STATUS_PB.items() if v == b.status),
        missing_notices=[r for r in Recipient if r not in sent],
        notices=notices,
        recorded_by=ActorOut(id=b.recorded_by.id, display_name=b.recorded_by.display_name),
        recorded_at=b.recorded_at.ToDatetime(UTC),
    )


@router.post(
    "",
    response_model=BreachOut,
    status_code=201,
    summary="Ghi sổ sự cố lộ lọt dữ liệu cá nhân",
    responses=responses(401, 403, 422, 503),
    **operation("recordBreach", Action.BREACH_RECORD),
)
async def record_breach(body: BreachCreate, gw: GatewayDep, caller: CallerDep) -> BreachOut:
    """Record a detected breach; the 72-hour notice deadline runs from ``detected_at`` (a
    detection in the future: 422 ``audit.breach.detected_in_future``)."""
    request = breach_pb2.RecordBreachRequest(
        breach_id=str(body.id or uuid.uuid4()),
        title=body.title,
        description=body.description,
        scope=body.scope,
        unit_ids=body.unit_ids,
        camera_ids=body.camera_ids,
    )
    request.detected_at.FromDatetime(body.detected_at)
    return breach_out(await gw.breaches.record(caller, request))


@router.post(
    "/{breach_id}/notices",
    response_model=BreachOut,
    status_code=201,
    summary="Ghi văn bản thông báo sự cố gửi Công an tỉnh / Sở KH&CN",
    responses=responses(401, 403, 404, 422, 503),
    **operation("recordBreachNotice", Action.BREACH_RECORD),
)
async def record_breach_notice(
    breach_id: Annotated[uuid.UUID, Path()],
    body: NoticeCreate,
    gw: GatewayDep,
    caller: CallerDep,
) -> BreachOut:
    """Record a written notice; a notice dated before the breach was detected: 422
    ``audit.breach.notice_before_breach``, nothing recorded."""
    request = breach_pb2.RecordBreachNoticeRequest(
        breach_id=str(breach_id),
        notice_id=str(body.id or uuid.uuid4()),
        recipient=RECIPIENT_PB[body.recipient],
        document_number=body.document_number,
        channel=body.channel,
    )
    request.sent_at.FromDatetime(body.sent_at)
    return breach_out(await gw.breaches.notice(caller, request))


class BreachPage(BaseModel):
    """One page of the register, newest detection first."""

    items: list[BreachOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "",
    response_model=BreachPage,
    summary="Sổ sự cố lộ lọt dữ liệu (hạn thông báo 72 giờ)",
    responses=responses(401, 403, 422, 503),
    **operation("listBreaches", Action.RECORDS_REVIEW),
)
async def list_breaches(
    gw: GatewayDep,
    caller: CallerDep,
    status: BreachStatus | None = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> BreachPage:
    """province_admin and auditor; ``status=overdue`` for breaches past their deadline
    without both notices."""
    offset = offset_of(page_token)
    found = await gw.breaches.list(
        caller, STATUS_PB[status] if status else breach_pb2.BREACH_STATUS_UNSPECIFIED
    )
    page = found[offset : offset + page_size]
    return BreachPage(
        items=[breach_out(b) for b in page],
        next_page_token=next_token(offset, len(page), len(found)),
        total=len(found),
    )
