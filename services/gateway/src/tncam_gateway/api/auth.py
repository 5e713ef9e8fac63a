"""``/auth``: tokens, refresh, logout, TOTP enrolment; ``/me``: the caller and its password."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Response
from pydantic import BaseModel, Field

from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import AnyCallerDep, ClientDep, GatewayDep
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access
from tncam_gateway.domain.roles import Role
from tncam_gateway.service.auth import TokenPair
from tncam_mesh.errors import InvalidInputError

router = APIRouter(tags=["auth"])


class TokenResponse(BaseModel):
    """OAuth2 token response."""

    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9..."])
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(examples=[600], description="Access token lifetime in seconds")
    refresh_token: str | None = Field(
        default=None, examples=["3f1c...e9.kq2Z..."], description="Rotating; one use only"
    )
    refresh_expires_in: int | None = Field(default=None, examples=[28800])
    password_change_required: bool = Field(
        default=False,
        description="The password is too old or was reset: only POST /api/v1/me/password works",
    )


def _token(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
        password_change_required=pair.password_change_required,
    )


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="Đăng nhập: lấy access token (OAuth2 password / client credentials)",
    responses=responses(401, 422, 429, 503),
    **operation("issueToken", Access.PUBLIC),
)
async def token(
    gw: GatewayDep,
    client: ClientDep,
    response: Response,
    grant_type: Annotated[
        Literal["password", "client_credentials"],
        Form(description="password (people) or client_credentials (app_client)"),
    ] = "password",
    username: Annotated[str, Form(max_length=128, examples=["xa.tanthinh.operator"])] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    totp: Annotated[
        str | None, Form(max_length=12, description="TOTP code when MFA is on", examples=["123456"])
    ] = None,
    client_id: Annotated[str, Form(max_length=128)] = "",
    client_secret: Annotated[str, Form(max_length=1024)] = "",
    scope: Annotated[str, Form(max_length=256)] = "",
) -> TokenResponse:
    """Password grant for people (``totp`` when MFA applies); client credentials for the
    C-Thái Nguyên backend (``app_client``). Errors are the same for an unknown account and a
    wrong password; repeated failures lock the name and the address progressively (429)."""
    response.headers.update(NO_STORE)
    if grant_type == "client_credentials":
        if not client_id or not client_secret:
            raise InvalidInputError(
                "gateway.auth.client_credentials_required", "client_id and client_secret needed"
            )
        return _token(await gw.auth.client_credentials(client_id, client_secret, client))
    if not username or not password:
        raise InvalidInputError(
            "gateway.auth.password_required", "Cần username và password (username and password)"
        )
    return _token(await gw.auth.login(username, password, totp, client))


class RefreshRequest(BaseModel):
    """A refresh token to rotate."""

    refresh_token: str = Field(min_length=1, max_length=256, examples=["3f1c...e9.kq2Z..."])


@router.post(
    "/auth/refresh",
    response_model=TokenResponse,
    summary="Đổi refresh token lấy cặp token mới (xoay vòng)",
    responses=responses(401, 422, 503),
    **operation("refreshToken", Access.PUBLIC),
)
async def refresh(
    body: RefreshRequest, gw: GatewayDep, client: ClientDep, response: Response
) -> TokenResponse:
    """Rotate: the old refresh token stops working; using it again revokes the session."""
    response.headers.update(NO_STORE)
    return _token(await gw.auth.refresh(body.refresh_token, client))


@router.post(
    "/auth/logout",
    status_code=204,
    summary="Đăng xuất (thu hồi phiên)",
    responses=responses(401, 503),
    **operation("logout", Access.SESSION),
)
async def logout(gw: GatewayDep, caller: AnyCallerDep, client: ClientDep) -> Response:
    """End the session: its access and refresh tokens stop working."""
    await gw.auth.logout(caller, client)
    return Response(status_code=204)


class MfaEnrolment(BaseModel):
    """A TOTP secret to add to an authenticator app, shown once."""

    secret: str = Field(examples=["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"])
    otpauth_uri: str = Field(
        examples=["otpauth://totp/tncam%20Th%C3%A1i%20Nguy%C3%AAn:admin?secret=...&period=30"]
    )


@router.post(
    "/auth/mfa/enroll",
    response_model=MfaEnrolment,
    summary="Bắt đầu đăng ký TOTP (xác thực hai lớp)",
    responses=responses(401, 409, 422, 429, 503),
    **operation("enrollMfa", Access.PUBLIC),
)
async def mfa_enroll(
    gw: GatewayDep,
    client: ClientDep,
    response: Response,
    username: Annotated[str, Form(min_length=1, max_length=128)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> MfaEnrolment:
    """Only while no TOTP is confirmed (first login, or after an admin reset)."""
    response.headers.update(NO_STORE)
    secret, uri = await gw.auth.mfa_enroll(username, password, client)
    return MfaEnrolment(secret=secret, otpauth_uri=uri)


@router.post(
    "/auth/mfa/confirm",
    status_code=204,
    summary="Xác nhận đăng ký TOTP bằng mã đầu tiên",
    responses=responses(401, 409, 422, 429, 503),
    **operation("confirmMfa", Access.PUBLIC),
)
async def mfa_confirm(
    gw: GatewayDep,
    client: ClientDep,
    username: Annotated[str, Form(min_length=1, max_length=128)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    totp: Annotated[str, Form(min_length=6, max_length=12, examples=["123456"])],
) -> Response:
    """From now on every login of the account needs a TOTP code."""
    await gw.auth.mfa_confirm(username, password, totp, client)
    return Response(status_code=204)


class Me(BaseModel):
    """The authenticated caller."""

    account_id: str = Field(examples=["6f1d1c9e-2f7b-4c47-9a53-0d6c1c2b8e10"])
    username: str = Field(examples=["xa.tanthinh.operator"])
    display_name: str = Field(examples=["Nguyễn Văn An"])
    role: Role = Field(examples=["unit_operator"])
    unit_id: str = Field(examples=["xa-tan-thinh"])
    sector_code: str = Field(examples=[""])
    password_change_required: bool = False
    unit_leader: bool = Field(
        default=False,
        description="Lãnh đạo đơn vị: reads its unit's processing and extraction logs",
    )


@router.get(
    "/me",
    response_model=Me,
    summary="Tài khoản đang đăng nhập",
    responses=responses(401),
    **operation("getMe", Access.SESSION),
)
async def me(caller: AnyCallerDep) -> Me:
    """Who the token belongs to (works while a password change is due)."""
    p = caller.principal
    return Me(
        account_id=p.account_id,
        username=caller.username,
        display_name=caller.display_name,
        role=p.role,
        unit_id=p.unit_id,
        sector_code=p.sector_code,
        password_change_required=caller.password_change_required,
        unit_leader=p.unit_leader,
    )


class PasswordChange(BaseModel):
    """Change one's own password (at least 12 characters, not a common one)."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024, examples=["ngựa-pin-kẹp-giấy-đúng"])


@router.post(
    "/me/password",
    status_code=204,
    summary="Đổi mật khẩu",
    responses=responses(401, 409, 422, 429, 503),
    **operation("changePassword", Access.SESSION),
)
async def change_password(
    body: PasswordChange, gw: GatewayDep, caller: AnyCallerDep, client: ClientDep
) -> Response:
    """Also ends a forced or age-based change."""
    await gw.auth.change_password(caller, body.current_password, body.new_password, client)
    return Response(status_code=204)
