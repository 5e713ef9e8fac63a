"""Access tokens: JWT (HS256 pinned), short-lived, with issuer, audience and expiry checked.

The token only proves who the caller was when it was issued; every request still checks the
account and the session server-side (disabled account, logout, reuse of a refresh token), so
a revoked token stops working within the revocation cache's lifetime, not at its expiry.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from tncam_mesh.errors import UnauthenticatedError

ALGORITHM = "HS256"  # pinned: the verifier accepts nothing else (no "none", no RS/HS confusion)
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AccessClaims:
    """What an access token says."""

    account_id: str
    session_id: str
    role: str
    unit_id: str
    token_version: int
    token_id: str
    issued_at: datetime
    expires_at: datetime


def invalid(detail: str = "token không hợp lệ (invalid token)") -> UnauthenticatedError:
    """The one error of every token failure (no hint which check failed)."""
    return UnauthenticatedError("gateway.auth.invalid_token", detail)


class TokenCodec:
    """Issues and verifies access tokens with one symmetric key."""

    def __init__(self, key: bytes, *, issuer: str, audience: str, ttl_s: int) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"JWT signing key must be at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s

    def issue(
        self,
        *,
        account_id: str,
        session_id: str,
        role: str,
        unit_id: str,
        token_version: int,
        now: datetime,
    ) -> tuple[str, AccessClaims]:
        """A signed token and its claims."""
        claims = AccessClaims(
            account_id=account_id,
            session_id=session_id,
            role=role,
            unit_id=unit_id,
            token_version=token_version,
            token_id=str(uuid.uuid4()),
            issued_at=now.replace(microsecond=0),
            expires_at=(now + timedelta(seconds=self.ttl_s)).replace(microsecond=0),
        )
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": account_id,
            "sid": session_id,
            "role": role,
            "unit": unit_id,
            "ver": token_version,
            "jti": claims.token_id,
            "iat": int(claims.issued_at.timestamp()),
            "nbf": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": "at+jwt"})
        return token, claims

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a valid token; ``UnauthenticatedError`` for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise invalid() from e
        if header.get("alg") != ALGORITHM:
            raise invalid()
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=5,
                options={
                    "require": ["iss", "aud", "sub", "sid", "exp", "iat", "jti"],
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as e:
            raise invalid() from e
        try:
            exp = int(payload["exp"])
            iat = int(payload["iat"])
            claims = AccessClaims(
                account_id=str(payload["sub"]),
                session_id=str(payload["sid"]),
                role=str(payload["role"]),
                unit_id=str(payload.get("unit", "")),
                token_version=int(payload["ver"]),
                token_id=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(iat, now.tzinfo),
                expires_at=datetime.fromtimestamp(exp, now.tzinfo),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise invalid() from e
        ts = now.timestamp()
        if ts >= exp + 5 or ts + 5 < iat:
            raise invalid("token đã hết hạn (token expired)")
        return claims


def new_refresh_secret() -> str:
    """A refresh token secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database keeps of a refresh token or client secret: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()
