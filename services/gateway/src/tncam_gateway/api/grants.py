"""``/grants``: break-glass grants and recorded committee approvals; review after the fact."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.db.grants import GrantRecord
from tncam_gateway.domain.grants import GrantRequest
from tncam_gateway.domain.policy import Access, Action
from tncam_gateway.domain.roles import GrantScope, LegalBasis
from tncam_gateway.service.grants import GrantFilter

router = APIRouter(prefix="/grants", tags=["grants"])


class GrantCreate(BaseModel):
    """A grant: who, on what legal basis, which cameras, which footage, what for, until when."""

    grantee_id: str | None = Field(
        default=None,
        max_length=64,
        description="Account the grant is for; default: the issuer (break-glass)",
    )
    legal_basis: LegalBasis = Field(examples=["written_request"])
    ticket_id: str = Field(default="", max_length=128, examples=["SC-2026-0042"])
    document_number: str = Field(default="", max_length=128, examples=["123/CV-CAT"])
    document_issuer: str = Field(default="", max_length=256, examples=["Công an tỉnh Thái Nguyên"])
    document_date: date | None = Field(default=None, examples=["2026-11-20"])
    reason: str = Field(min_length=3, max_length=1000, examples=["Xác minh vụ việc tại chợ"])
    camera_ids: list[str] = Field(min_length=1, max_length=500, examples=[["cam-0001"]])
    footage_from: Instant = Field(examples=["2026-11-20T00:00:00+07:00"])
    footage_to: Instant = Field(examples=["2026-11-21T00:00:00+07:00"])
    scopes: list[GrantScope] = Field(min_length=1, max_length=2, examples=[["view"]])
    expires_at: Instant = Field(examples=["2026-11-23T00:00:00+07:00"])


class GrantOut(BaseModel):
    """A grant as reviewed."""

    id: str
    issued_by: str
    grantee_id: str
    legal_basis: LegalBasis
    ticket_id: str
    document_number: str
    document_issuer: str
    document_date: date | None
    reason: str
    camera_ids: list[str]
    unit_ids: list[str] = Field(description="Owning units of the cameras (notified)")
    footage_from: UtcDatetime
    footage_to: UtcDatetime
    scopes: list[GrantScope]
    expires_at: UtcDatetime
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None
    revoked_by: str
    notified: bool
    active: bool


def out(g: GrantRecord, now: datetime) -> GrantOut:
    """The API view of a grant."""
    return GrantOut(
        id=g.id,
        issued_by=g.issued_by,
        grantee_id=g.grantee_id,
        legal_basis=g.legal_basis,
        ticket_id=g.ticket_id,
        document_number=g.document_number,
        document_issuer=g.document_issuer,
        document_date=g.document_date,
        reason=g.reason,
        camera_ids=g.camera_ids,
        unit_ids=g.unit_ids,
        footage_from=g.footage_from,
        footage_to=g.footage_to,
        scopes=[GrantScope(s) for s in g.scopes],
        expires_at=g.expires_at,
        created_at=g.created_at,
        revoked_at=g.revoked_at,
        revoked_by=g.revoked_by,
        notified=g.notified_at is not None,
        active=g.revoked_at is None and now < g.expires_at,
    )


@router.post(
    "",
    response_model=GrantOut,
    status_code=201,
    summary="Cấp quyền truy cập khẩn cấp / ghi nhận phê duyệt của UBND tỉnh",
    responses=responses(401, 403, 422, 503),
    **operation("issueGrant", Action.GRANT_ISSUE),
)
async def issue_grant(
    body: GrantCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> GrantOut:
    """Issue a break-glass grant (``emergency_command``, ``incident_fix`` with a ticket,
    ``written_request`` with the document) for a province_admin, or record a
    ``committee_approval`` (document of the Provincial People's Committee) for another
    account. The owning units are notified (event ``tncam.gateway.v1.grant_issued.<unit>``)."""
    record = await gw.grants.issue(
        caller,
        client,
        GrantRequest(
            grantee_id=body.grantee_id or caller.account_id,
            legal_basis=body.legal_basis,
            reason=body.reason,
            camera_ids=tuple(body.camera_ids),
            footage_from=body.footage_from,
            footage_to=body.footage_to,
            scopes=frozenset(body.scopes),
            expires_at=body.expires_at,
            ticket_id=body.ticket_id,
            document_number=body.document_number,
            document_issuer=body.document_issuer,
            document_date=body.document_date,
        ),
    )
    return out(record, gw.clock())


class GrantPage(BaseModel):
    """One page of grants."""

    items: list[GrantOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "",
    response_model=GrantPage,
    summary="Danh sách quyền truy cập để rà soát",
    responses=responses(401, 403, 422),
    **operation("listGrants", Access.GRANT_LIST),
)
async def list_grants(
    gw: GatewayDep,
    caller: CallerDep,
    active: bool | None = None,
    grantee_id: Annotated[str | None, Query(max_length=64)] = None,
    unit_id: Annotated[str | None, Query(max_length=128)] = None,
    legal_basis: LegalBasis | None = None,
    issued_from: Instant | None = None,
    issued_to: Instant | None = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> GrantPage:
    """province_admin and auditor see every grant; a unit operator sees the grants on its
    own unit's cameras."""
    offset = offset_of(page_token)
    found, total = await gw.grants.search(
        caller,
        GrantFilter(
            active=active,
            grantee_id=grantee_id,
            unit_id=unit_id,
            legal_basis=legal_basis,
            issued_from=issued_from,
            issued_to=issued_to,
            limit=page_size,
            offset=offset,
        ),
    )
    now = gw.clock()
    return GrantPage(
        items=[out(g, now) for g in found],
        next_page_token=next_token(offset, len(found), total),
        total=total,
    )


@router.get(
    "/{grant_id}",
    response_model=GrantOut,
    summary="Một quyền truy cập",
    responses=responses(401, 403, 404),
    **operation("getGrant", Access.GRANT_READ),
)
async def get_grant(grant_id: str, gw: GatewayDep, caller: CallerDep) -> GrantOut:
    """One grant (issuer side, auditor, its grantee, or the owning unit's operator)."""
    record = await gw.grants.visible(caller, grant_id)
    return out(record, gw.clock())


@router.post(
    "/{grant_id}/revoke",
    response_model=GrantOut,
    summary="Thu hồi quyền truy cập",
    responses=responses(401, 403, 404, 503),
    **operation("revokeGrant", Action.GRANT_ISSUE),
)
async def revoke_grant(
    grant_id: str, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> GrantOut:
    """End a grant before its expiry (province_admin)."""
    return out(await gw.grants.revoke(caller, client, grant_id), gw.clock())
