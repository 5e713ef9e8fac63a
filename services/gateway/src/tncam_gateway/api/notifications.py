"""Notifications of the owning units (ADR 0025): who a unit's notices go to
(``/units/{unit_id}/notification-targets``) and what was sent (``/notifications``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from tncam.registry.v1 import notify_pb2 as npb
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access

router = APIRouter(tags=["notifications"])
UNIT_ID = Path(
    pattern=r"^[A-Za-z0-9_-]{1,128}$",
    max_length=128,
    description='Đơn vị (owning unit id), hoặc "province" cho trung tâm điều hành (digest)',
)
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,189}$"


class WebhookIn(BaseModel):
    """A webhook: the URL notices are POSTed to and the secret they are signed with."""

    url: str = Field(max_length=1024, examples=["https://xa01.example.vn/tncam/hook"])
    secret: str = Field(
        default="",
        max_length=256,
        description="Khóa bí mật HMAC-SHA256 (16-256 byte), chỉ ghi; để trống = giữ khóa cũ "
        "của URL này (write-only; empty keeps the stored secret of this URL)",
    )


class TargetsIn(BaseModel):
    """Everyone told about one unit's matters (replaces the previous list)."""

    emails: list[Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]] = Field(
        default_factory=list, max_length=20, examples=[["it.xa01@thainguyen.gov.vn"]]
    )
    webhooks: list[WebhookIn] = Field(default_factory=list, max_length=5)


class WebhookOut(BaseModel):
    """A webhook (its secret is never shown)."""

    url: str
    has_secret: bool


class TargetsOut(BaseModel):
    """A unit's notification targets."""

    unit_id: str
    emails: list[str]
    webhooks: list[WebhookOut]
    updated_at: UtcDatetime | None


def _targets_out(t: npb.NotificationTargets) -> TargetsOut:
    return TargetsOut(
        unit_id=t.unit_id,
        emails=list(t.emails),
        webhooks=[WebhookOut(url=w.url, has_secret=w.has_secret) for w in t.webhooks],
        updated_at=t.updated_at.ToDatetime() if t.HasField("updated_at") else None,
    )


@router.get(
    "/units/{unit_id}/notification-targets",
    response_model=TargetsOut,
    summary="Nơi nhận thông báo của đơn vị",
    responses=responses(401, 403, 404),
    **operation("getNotifyTargets", Access.NOTIFY_READ),
)
async def get_targets(
    unit_id: Annotated[str, UNIT_ID], gw: GatewayDep, caller: CallerDep
) -> TargetsOut:
    """The unit's e-mail addresses and webhooks (the unit's people, province_admin, auditor)."""
    return _targets_out(await gw.notify.targets(caller, unit_id))


@router.put(
    "/units/{unit_id}/notification-targets",
    response_model=TargetsOut,
    summary="Đặt nơi nhận thông báo của đơn vị",
    responses=responses(401, 403, 404, 422),
    **operation("setNotifyTargets", Access.NOTIFY_ADMIN),
)
async def set_targets(
    unit_id: Annotated[str, UNIT_ID],
    body: TargetsIn,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> TargetsOut:
    """Replace the unit's targets: province_admin, or a unit operator for its own unit.
    Audited (addresses and URLs, never secrets)."""
    targets = npb.NotificationTargets(
        unit_id=unit_id,
        emails=body.emails,
        webhooks=[npb.WebhookTarget(url=w.url, secret=w.secret) for w in body.webhooks],
    )
    return _targets_out(await gw.notify.set_targets(caller, client, targets))


class NoticeStatus(StrEnum):
    """Where a notice stands."""

    PENDING = "pending"
    RETRYING = "retrying"
    SENT = "sent"
    DEAD = "dead"


class NoticeOut(BaseModel):
    """One notice to one recipient, with its delivery state."""

    id: str
    unit_id: str
    kind: str = Field(
        description="fault_ticket, grant, deadline_due, deadline_overdue, breach, digest"
    )
    event_key: str
    channel: str = Field(description="email hoặc webhook")
    recipient: str
    subject: str
    status: NoticeStatus
    attempts: int
    last_error: str
    camera_id: str
    created_at: UtcDatetime | None
    last_attempt_at: UtcDatetime | None
    sent_at: UtcDatetime | None


class NoticePage(BaseModel):
    """A page of notices, newest first."""

    items: list[NoticeOut]
    next_page_token: str


def _at(n: npb.Notice, name: str) -> datetime | None:
    return getattr(n, name).ToDatetime() if n.HasField(name) else None


@router.get(
    "/notifications",
    response_model=NoticePage,
    summary="Thông báo đã gửi cho các đơn vị",
    responses=responses(401, 403, 422),
    **operation("listNotifications", Access.NOTIFY_READ),
)
async def list_notifications(
    gw: GatewayDep,
    caller: CallerDep,
    unit_id: Annotated[str, Query(max_length=128, pattern=r"^[A-Za-z0-9_-]*$")] = "",
    status: NoticeStatus | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> NoticePage:
    """A unit's people see their own unit's notices; province_admin and the auditor every
    unit's (or one unit's with ``unit_id``)."""
    reply = await gw.notify.notices(
        caller,
        npb.ListNoticesRequest(
            unit_id=unit_id,
            status=status.value if status else "",
            page_size=page_size,
            page_token=page_token,
        ),
    )
    items = [
        NoticeOut(
            id=n.id,
            unit_id=n.unit_id,
            kind=n.kind,
            event_key=n.event_key,
            channel=n.channel,
            recipient=n.recipient,
            subject=n.subject,
            status=NoticeStatus(n.status),
            attempts=n.attempts,
            last_error=n.last_error,
            camera_id=n.camera_id,
            created_at=_at(n, "created_at"),
            last_attempt_at=_at(n, "last_attempt_at"),
            sent_at=_at(n, "sent_at"),
        )
        for n in reply.notices
    ]
    return NoticePage(items=items, next_page_token=reply.next_page_token)
