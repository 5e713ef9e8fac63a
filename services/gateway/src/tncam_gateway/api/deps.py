"""Request-scoped dependencies: the gateway state, the client, the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.requests import HTTPConnection
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param

from tncam_gateway import API_PREFIX
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.errors import ThrottledError
from tncam_gateway.service.auth import require_fresh_password
from tncam_gateway.service.context import GatewayState
from tncam_mesh.errors import UnauthenticatedError, UnavailableError

TOKEN_URL = f"{API_PREFIX}/auth/token"


class OAuth2Bearer(OAuth2):
    """The access token as ``Authorization: Bearer``, from either grant of the token
    endpoint: ``password`` (people, with ``totp``) or ``client_credentials`` (app_client)."""

    def __init__(self) -> None:
        super().__init__(
            flows=OAuthFlows(
                password=OAuthFlowPassword(tokenUrl=TOKEN_URL),
                clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL),
            ),
            scheme_name="OAuth2",
            description="Access token (JWT, 10 phút) từ POST /api/v1/auth/token: `password` "
            "(người dùng, kèm `totp`) hoặc `client_credentials` (app_client)",
            auto_error=False,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        """The bearer token, or None (the caller dependency answers 401)."""
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not token:
            return None
        return token


oauth2 = OAuth2Bearer()


def gateway(request: Request) -> GatewayState:
    """The process's gateway state (503 while the service is starting)."""
    state: GatewayState | None = getattr(request.app.state, "gateway", None)
    if state is None:
        raise UnavailableError("gateway.starting", "Dịch vụ đang khởi động (starting)")
    return state


GatewayDep = Annotated[GatewayState, Depends(gateway)]


def client_info(request: Request) -> ClientInfo:
    """Where the request came from (for throttling and the audit log)."""
    st = request.scope.get("state", {})
    address = st.get("client_address") or (request.client.host if request.client else "")
    return ClientInfo(
        address=address,
        user_agent=request.headers.get("user-agent", "")[:256],
        request_id=st.get("request_id", ""),
    )


ClientDep = Annotated[ClientInfo, Depends(client_info)]


async def any_caller(gw: GatewayDep, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    """The authenticated caller, even one whose password change is due."""
    if not token:
        raise UnauthenticatedError(
            "gateway.auth.token_missing", "Cần access token (Authorization: Bearer ...)"
        )
    caller = await gw.auth.authenticate(token)
    wait = await gw.user_limiter.take(caller.account_id)
    if wait > 0:
        raise ThrottledError(
            "gateway.rate_limited.user",
            "Quá nhiều yêu cầu (too many requests for this account)",
            details={"retry_after_s": int(wait) + 1},
        )
    return caller


async def current_caller(caller: Annotated[Caller, Depends(any_caller)]) -> Caller:
    """The authenticated caller, refused while a password change is due."""
    require_fresh_password(caller)
    return caller


AnyCallerDep = Annotated[Caller, Depends(any_caller)]
CallerDep = Annotated[Caller, Depends(current_caller)]
