"""Rules of a login attempt: the name typed, the one error of a failure, the lockout keys, and
when a password must be changed."""

from __future__ import annotations

from datetime import datetime, timedelta

from tncam_gateway.domain.caller import ClientInfo
from tncam_gateway.domain.roles import Role
from tncam_mesh.errors import UnauthenticatedError

INVALID_CREDENTIALS = "gateway.auth.invalid_credentials"
GENERIC_LOGIN_ERROR = "Tên đăng nhập hoặc mật khẩu không đúng (invalid username or password)"


def login_name(username: str) -> str:
    """The normalised account name typed; one that no account can have fails like any other."""
    name = username.strip().lower()
    if not name.isprintable() or len(name) > 128:
        raise invalid_credentials()
    return name


def invalid_credentials() -> UnauthenticatedError:
    """The one error of a failed login, whatever failed."""
    return UnauthenticatedError(INVALID_CREDENTIALS, GENERIC_LOGIN_ERROR)


def throttle_keys(username: str, client: ClientInfo) -> list[str]:
    """The lockout keys of one attempt: the name typed and the source address."""
    keys = [f"account:{username.strip().lower()[:128]}"]
    if client.address:
        keys.append(f"address:{client.address}")
    return keys


def password_expired(
    role: Role,
    *,
    must_change: bool,
    changed_at: datetime,
    now: datetime,
    max_age_days: int,
) -> bool:
    """Whether a person's password must be changed now (forced, or older than the maximum
    age); an app client's secret never expires this way."""
    if role is Role.APP_CLIENT:
        return False
    return must_change or (max_age_days > 0 and now - changed_at > timedelta(days=max_age_days))
