"""Access tokens: pinned algorithm, issuer/audience/expiry checked, tampering refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tncam_gateway.domain.tokens import TokenCodec
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.errors import UnauthenticatedError

KEY = b"k" * 32
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def codec(**kw: object) -> TokenCodec:
    args: dict[str, object] = {"issuer": "iss", "audience": "aud", "ttl_s": 600}
    args.update(kw)
    return TokenCodec(KEY, **args)  # type: ignore[arg-type]


def issue(c: TokenCodec | None = None) -> str:
    token, _ = (c or codec()).issue(
        account_id="a1",
        session_id="s1",
        role="unit_operator",
        unit_id="U1",
        token_version=3,
        now=NOW,
    )
    return token


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip() -> None:
    claims = codec().verify(issue(), now=NOW + timedelta(seconds=10))
    assert (claims.account_id, claims.session_id, claims.role, claims.unit_id) == (
        "a1",
        "s1",
        "unit_operator",
        "U1",
    )
    assert claims.token_version == 3
    assert claims.expires_at - claims.issued_at == timedelta(seconds=600)


def refused(token: str, now: datetime = NOW, c: TokenCodec | None = None) -> None:
    with pytest.raises(UnauthenticatedError) as e:
        (c or codec()).verify(token, now=now)
    assert e.value.code == "gateway.auth.invalid_token"


def test_expired_refused() -> None:
    refused(issue(), now=NOW + timedelta(seconds=611))


def test_wrong_issuer_or_audience_refused() -> None:
    refused(issue(codec(issuer="other")))
    refused(issue(codec(audience="other")))


def test_wrong_key_refused() -> None:
    forged = jwt.encode({"sub": "a1"}, b"x" * 32, algorithm="HS256")
    refused(forged)


def test_tampered_payload_refused() -> None:
    header, payload, sig = issue().split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["role"] = "province_admin"
    refused(f"{header}.{b64(data)}.{sig}")


def test_alg_none_refused() -> None:
    _, payload, _ = issue().split(".")
    refused(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.")
    refused(f"{b64({'alg': 'None'})}.{payload}.")


def test_other_algorithms_refused() -> None:
    token = jwt.encode(
        {
            "iss": "iss",
            "aud": "aud",
            "sub": "a1",
            "sid": "s",
            "exp": 2**40,
            "iat": 0,
            "jti": "j",
            "ver": 1,
            "role": "auditor",
        },
        KEY * 2,
        algorithm="HS512",
    )
    refused(token)


def test_missing_claims_refused() -> None:
    token = jwt.encode({"iss": "iss", "aud": "aud", "exp": 2**40}, KEY, algorithm="HS256")
    refused(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "x" * 5000])
def test_garbage_refused(garbage: str) -> None:
    refused(garbage)


def test_short_or_missing_keys_refused_in_every_environment() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenCodec(b"short", issuer="i", audience="a", ttl_s=60)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        GatewaySettings(
            environment="prod",
            db_password="x",
            jwt_signing_key="short",
            mfa_encryption_key="m" * 40,
        )
    ok = GatewaySettings(
        environment="prod", db_password="x", jwt_signing_key="j" * 32, mfa_encryption_key="m" * 32
    )
    assert ok.access_token_ttl_s == 600
    for environment in ("dev", "test", "prod"):
        with pytest.raises(ValueError, match="jwt_signing_key"):
            GatewaySettings(environment=environment, db_password="x", mfa_encryption_key="m" * 40)
        with pytest.raises(ValueError, match="former public development default"):
            GatewaySettings(
                environment=environment,
                db_password="x",
                jwt_signing_key="insecure-dev-only",
                mfa_encryption_key="m" * 40,
            )
