"""``/accounts``: administration by the central operator, and the account review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.db.accounts import Account
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.roles import Role
from tncam_gateway.domain.vocabulary import AccountStatus
from tncam_gateway.service.accounts import AccountFilter

router = APIRouter(prefix="/accounts", tags=["accounts"])

ID_EXAMPLE = "6f1d1c9e-2f7b-4c47-9a53-0d6c1c2b8e10"


class AccountOut(BaseModel):
    """An account (never its secrets)."""

    id: str = Field(examples=[ID_EXAMPLE])
    username: str = Field(examples=["xa.tanthinh.operator"])
    display_name: str = Field(examples=["Nguyễn Văn An"])
    role: Role
    unit_id: str = Field(examples=["commune-01"])
    sector_code: str = Field(examples=[""])
    unit_is_commune: bool
    unit_leader: bool = Field(
        default=False, description="Reads its own unit's processing and extraction logs"
    )
    status: AccountStatus = Field(examples=["active"])
    disabled_reason: str = ""
    mfa_enrolled: bool
    must_change_password: bool
    password_changed_at: UtcDatetime
    last_login_at: UtcDatetime | None
    scope_changed_at: UtcDatetime | None
    reviewed_at: UtcDatetime | None
    created_at: UtcDatetime


def out(a: Account) -> AccountOut:
    """The API view of an account."""
    return AccountOut(
        id=a.id,
        username=a.username,
        display_name=a.display_name,
        role=a.role,
        unit_id=a.unit_id,
        sector_code=a.sector_code,
        unit_is_commune=a.unit_is_commune,
        unit_leader=a.unit_leader,
        status=AccountStatus(a.status),
        disabled_reason=a.disabled_reason,
        mfa_enrolled=a.mfa_confirmed,
        must_change_password=a.must_change_password,
        password_changed_at=a.password_changed_at,
        last_login_at=a.last_login_at,
        scope_changed_at=a.scope_changed_at,
        reviewed_at=a.reviewed_at,
        created_at=a.created_at,
    )


class AccountPage(BaseModel):
    """One page of accounts."""

    items: list[AccountOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "",
    response_model=AccountPage,
    summary="Danh sách tài khoản",
    responses=responses(401, 403, 422),
    **operation("listAccounts", Action.ACCOUNT_ADMIN),
)
async def list_accounts(
    gw: GatewayDep,
    caller: CallerDep,
    role: Role | None = None,
    unit_id: Annotated[str | None, Query(max_length=128)] = None,
    status: AccountStatus | None = None,
    q: Annotated[str | None, Query(max_length=128, description="Search name or username")] = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> AccountPage:
    """Accounts, filtered (province_admin)."""
    offset = offset_of(page_token)
    found, total = await gw.accounts.search(
        caller,
        AccountFilter(
            role=role,
            unit_id=unit_id,
            status=status.value if status else None,
            q=q,
            limit=page_size,
            offset=offset,
        ),
    )
    return AccountPage(
        items=[out(a) for a in found],
        next_page_token=next_token(offset, len(found), total),
        total=total,
    )


class AccountCreate(BaseModel):
    """A new account: one person (or the app client) in one unit with one role."""

    username: str = Field(
        min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$", examples=["xa.tanthinh.op1"]
    )
    display_name: str = Field(min_length=1, max_length=200, examples=["Nguyễn Văn An"])
    role: Role = Field(examples=["unit_operator"])
    unit_id: str = Field(
        default="",
        max_length=128,
        examples=["commune-01"],
        description="An owning unit the registry knows (422 gateway.account.unknown_unit)",
    )
    sector_code: str = Field(
        default="",
        max_length=64,
        examples=[""],
        description="A sector the registry knows (422 gateway.account.unknown_sector)",
    )
    unit_is_commune: bool = Field(default=False, description="The unit is a commune/ward")
    unit_leader: bool = Field(
        default=False,
        description="Lãnh đạo đơn vị: reads the unit's processing and extraction logs "
        "(unit_operator, unit_viewer only; else 422 gateway.account.leader_role)",
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="Initial password; generated when omitted (shown once). Must be changed "
        "at first login. Ignored for app_client (a client secret is generated).",
    )


class AccountCreated(BaseModel):
    """The new account and its one-time secret."""

    account: AccountOut
    initial_secret: str = Field(
        description="Temporary password (people) or client secret (app_client); shown once"
    )


@router.post(
    "",
    response_model=AccountCreated,
    status_code=201,
    summary="Tạo tài khoản",
    responses=responses(401, 403, 409, 422, 503),
    **operation("createAccount", Action.ACCOUNT_ADMIN),
)
async def create_account(
    body: AccountCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep, response: Response
) -> AccountCreated:
    """Create an account (province_admin). Accounts of every role but app_client must enrol
    TOTP before their first login."""
    response.headers["Cache-Control"] = "no-store"
    account, secret = await gw.accounts.create(
        caller,
        client,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        unit_id=body.unit_id,
        sector_code=body.sector_code,
        unit_is_commune=body.unit_is_commune,
        password=body.password,
        unit_leader=body.unit_leader,
    )
    return AccountCreated(account=out(account), initial_secret=secret)


class ReviewEntry(BaseModel):
    """An account the periodic review should look at, and why."""

    account: AccountOut
    reasons: list[str] = Field(examples=[["inactive_90_days", "scope_changed"]])


class ReviewPage(BaseModel):
    """One page of the account review."""

    items: list[ReviewEntry]
    next_page_token: str = Field(description="Empty on the last page")
    total: int


@router.get(
    "/review",
    response_model=ReviewPage,
    summary="Rà soát tài khoản (Điều 17.1): không hoạt động hoặc đổi đơn vị/vai trò",
    responses=responses(401, 403, 422),
    **operation("reviewAccounts", Action.ACCOUNT_ADMIN),
)
async def review(
    gw: GatewayDep,
    caller: CallerDep,
    inactive_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> ReviewPage:
    """Active accounts unused for ``inactive_days`` (default from settings) or whose unit or
    role changed since their last review."""
    offset = offset_of(page_token)
    items = await gw.accounts.review(caller, inactive_days=inactive_days)
    page = items[offset : offset + page_size]
    return ReviewPage(
        items=[ReviewEntry(account=out(i.account), reasons=list(i.reasons)) for i in page],
        next_page_token=next_token(offset, len(page), len(items)),
        total=len(items),
    )


@router.get(
    "/{account_id}",
    response_model=AccountOut,
    summary="Một tài khoản",
    responses=responses(401, 403, 404),
    **operation("getAccount", Action.ACCOUNT_ADMIN),
)
async def get_account(account_id: str, gw: GatewayDep, caller: CallerDep) -> AccountOut:
    """One account (province_admin)."""
    return out(await gw.accounts.get(caller, account_id))


class AccountUpdate(BaseModel):
    """Fields to change; a change of role, unit or sector revokes the account's tokens."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    unit_id: str | None = Field(default=None, max_length=128)
    sector_code: str | None = Field(default=None, max_length=64)
    unit_is_commune: bool | None = None
    unit_leader: bool | None = None


@router.patch(
    "/{account_id}",
    response_model=AccountOut,
    summary="Sửa tài khoản",
    responses=responses(401, 403, 404, 422, 503),
    **operation("updateAccount", Action.ACCOUNT_ADMIN),
)
async def update_account(
    account_id: str, body: AccountUpdate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> AccountOut:
    """Change an account (province_admin)."""
    return out(
        await gw.accounts.update(
            caller,
            client,
            account_id,
            display_name=body.display_name,
            role=body.role,
            unit_id=body.unit_id,
            sector_code=body.sector_code,
            unit_is_commune=body.unit_is_commune,
            unit_leader=body.unit_leader,
        )
    )


class Reason(BaseModel):
    """Why (recorded in the audit log)."""

    reason: str = Field(min_length=3, max_length=500, examples=["Chuyển công tác sang đơn vị khác"])


@router.post(
    "/{account_id}/disable",
    response_model=AccountOut,
    summary="Khóa tài khoản (token bị từ chối trong vòng 5 giây)",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("disableAccount", Action.ACCOUNT_ADMIN),
)
async def disable_account(
    account_id: str, body: Reason, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> AccountOut:
    """Disable: every token of the account is refused within seconds; sessions end."""
    return out(
        await gw.accounts.set_status(caller, client, account_id, active=False, reason=body.reason)
    )


@router.post(
    "/{account_id}/enable",
    response_model=AccountOut,
    summary="Mở khóa tài khoản",
    responses=responses(401, 403, 404, 422, 503),
    **operation("enableAccount", Action.ACCOUNT_ADMIN),
)
async def enable_account(
    account_id: str, body: Reason, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> AccountOut:
    """Re-enable a disabled account."""
    return out(
        await gw.accounts.set_status(caller, client, account_id, active=True, reason=body.reason)
    )


class ResetRequest(Reason):
    """An admin-forced password reset."""

    reset_mfa: bool = Field(default=False, description="Also clear TOTP (re-enrolment needed)")


class ResetResult(BaseModel):
    """The temporary password (or new client secret), shown once."""

    temporary_secret: str


@router.post(
    "/{account_id}/reset-password",
    response_model=ResetResult,
    summary="Đặt lại mật khẩu (quản trị)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("resetAccountPassword", Action.ACCOUNT_ADMIN),
)
async def reset_password(
    account_id: str,
    body: ResetRequest,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    response: Response,
) -> ResetResult:
    """A temporary password to be changed at next login; sessions end."""
    response.headers["Cache-Control"] = "no-store"
    secret = await gw.accounts.reset_password(
        caller, client, account_id, reset_mfa=body.reset_mfa, reason=body.reason
    )
    return ResetResult(temporary_secret=secret)


@router.post(
    "/{account_id}/force-password-change",
    status_code=204,
    summary="Buộc đổi mật khẩu (nghi lộ mật khẩu)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("forceAccountPasswordChange", Action.ACCOUNT_ADMIN),
)
async def force_password_change(
    account_id: str, body: Reason, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> Response:
    """On evidence of compromise: tokens revoked; the next login must change the password."""
    await gw.accounts.force_password_change(caller, client, account_id, reason=body.reason)
    return Response(status_code=204)


@router.post(
    "/{account_id}/reviewed",
    status_code=204,
    summary="Ghi nhận đã rà soát, giữ tài khoản",
    responses=responses(401, 403, 404, 503),
    **operation("markAccountReviewed", Action.ACCOUNT_ADMIN),
)
async def mark_reviewed(
    account_id: str, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> Response:
    """Keep an account after review."""
    await gw.accounts.mark_reviewed(caller, client, account_id)
    return Response(status_code=204)
