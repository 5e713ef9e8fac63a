"""Live tokens, the end rules of live sessions, WHEP media types and edge errors (pure)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from tncam_gateway.domain.errors import UnsupportedMediaTypeError
from tncam_gateway.domain.live import (
    SDP,
    TRICKLE_ICE,
    LiveClaims,
    LiveStreamName,
    LiveTokenCodec,
    edge_error,
    require_media_type,
)
from tncam_gateway.domain.policy import (
    Grant,
    LiveEnd,
    LiveSessionFacts,
    live_session_end,
    live_token_expiry,
)
from tncam_gateway.domain.roles import GrantScope, LegalBasis
from tncam_gateway.domain.signed import b64url, unb64url
from tncam_mesh.errors import (
    ConflictError,
    InvalidInputError,
    TncamError,
    UnauthenticatedError,
    UnavailableError,
)

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
CLAIMS = LiveClaims(
    session_id="s" * 32,
    account_id="a-1",
    login_session_id="login-1",
    camera_id="cam-1",
    stream=LiveStreamName.SUB,
    purpose="public_order",
    grant_id="g-1",
    expires_at=NOW + timedelta(minutes=10),
)


def test_token_round_trip() -> None:
    codec = LiveTokenCodec(b"k" * 32)
    token = codec.issue(CLAIMS)
    assert codec.verify(token, session_id=CLAIMS.session_id, now=NOW) == CLAIMS


@pytest.mark.parametrize(
    "case",
    ["expired", "other_session", "other_key", "tampered", "junk", "empty", "playback_key"],
)
def test_token_refusals(case: str) -> None:
    codec = LiveTokenCodec(b"k" * 32)
    token = codec.issue(CLAIMS)
    session_id, now = CLAIMS.session_id, NOW
    if case == "expired":
        now = CLAIMS.expires_at
    elif case == "other_session":
        session_id = "t" * 32
    elif case == "other_key":
        token = LiveTokenCodec(b"x" * 32).issue(CLAIMS)
    elif case == "tampered":
        body, mac = token.split(".")
        forged = unb64url(body).replace(b"cam-1", b"cam-2")
        token = f"{b64url(forged)}.{mac}"
    elif case == "junk":
        token = "not-a-token"
    elif case == "empty":
        token = ""
    elif case == "playback_key":
        # The same claims MAC'd as a playback token is under the same key: not a live token.
        body = CLAIMS.to_json()
        mac = hmac.new(b"k" * 32, b"token\x00" + body, hashlib.sha256).digest()
        token = f"{b64url(body)}.{b64url(mac)}"
    with pytest.raises(UnauthenticatedError) as e:
        codec.verify(token, session_id=session_id, now=now)
    assert e.value.code == "gateway.live.invalid_token"


def test_token_key_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LiveTokenCodec(b"short")


def _grant(**kw: object) -> Grant:
    values: dict[str, object] = {
        "grant_id": "g-1",
        "grantee_id": "a-1",
        "legal_basis": LegalBasis.EMERGENCY_COMMAND,
        "camera_ids": frozenset({"cam-1"}),
        "footage_from": NOW - timedelta(days=1),
        "footage_to": NOW + timedelta(days=1),
        "scopes": frozenset({GrantScope.VIEW}),
        "expires_at": NOW + timedelta(hours=2),
    }
    values.update(kw)
    return Grant(**values)  # type: ignore[arg-type]


FACTS = LiveSessionFacts(
    expires_at=NOW + timedelta(minutes=10),
    account_active=True,
    login_revoked_reason=None,
    login_expires_at=NOW + timedelta(hours=8),
    grant_id="",
    grant=None,
)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, None),
        ({"expires_at": NOW}, LiveEnd.TOKEN_EXPIRED),
        ({"account_active": False}, LiveEnd.ACCOUNT_DISABLED),
        ({"login_revoked_reason": "logout"}, LiveEnd.LOGGED_OUT),
        ({"login_revoked_reason": "disabled"}, LiveEnd.ACCOUNT_DISABLED),
        ({"login_revoked_reason": "refresh_reuse"}, LiveEnd.SESSION_REVOKED),
        ({"login_expires_at": NOW}, LiveEnd.SESSION_EXPIRED),
        ({"grant_id": "g-1", "grant": _grant()}, None),
        ({"grant_id": "g-1", "grant": None}, LiveEnd.GRANT_REVOKED),
        ({"grant_id": "g-1", "grant": _grant(revoked=True)}, LiveEnd.GRANT_REVOKED),
        ({"grant_id": "g-1", "grant": _grant(expires_at=NOW)}, LiveEnd.GRANT_LAPSED),
        (
            {"grant_id": "g-1", "grant": _grant(footage_to=NOW - timedelta(seconds=1))},
            LiveEnd.GRANT_LAPSED,
        ),
        # The most telling reason wins when several hold.
        ({"account_active": False, "expires_at": NOW}, LiveEnd.ACCOUNT_DISABLED),
        (
            {"grant_id": "g-1", "grant": _grant(revoked=True), "expires_at": NOW},
            LiveEnd.GRANT_REVOKED,
        ),
    ],
)
def test_end_rules(change: dict[str, object], expected: LiveEnd | None) -> None:
    facts = dataclasses.replace(FACTS, **change)  # type: ignore[arg-type]
    assert live_session_end(facts, now=NOW) == expected


def test_token_expiry_never_past_the_grant() -> None:
    ttl_end = NOW + timedelta(minutes=10)
    assert live_token_expiry(NOW, ttl_end, None) == ttl_end
    assert live_token_expiry(NOW, ttl_end, _grant()) == ttl_end
    soon = NOW + timedelta(minutes=3)
    assert live_token_expiry(NOW, ttl_end, _grant(expires_at=soon)) == soon
    assert live_token_expiry(NOW, ttl_end, _grant(footage_to=soon)) == soon


def test_media_types() -> None:
    require_media_type("application/sdp", SDP)
    require_media_type("Application/SDP; charset=utf-8", SDP)
    require_media_type("application/trickle-ice-sdpfrag", TRICKLE_ICE)
    for wrong in (None, "", "application/json", "text/plain", "application/sdpx"):
        with pytest.raises(UnsupportedMediaTypeError) as e:
            require_media_type(wrong, SDP)
        assert e.value.http_status == 415
        assert e.value.code == "gateway.live.unsupported_media_type"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UnavailableError("live.capacity", "full", retryable=True), "live.capacity"),
        (UnavailableError("live.camera_unavailable", "gone"), "live.camera_unavailable"),
        (TncamError("live.camera_unavailable", "gone"), "live.camera_unavailable"),
        (UnavailableError("rpc.call.no_responders", "nobody"), "gateway.live.unavailable"),
        (UnavailableError("rpc.call.timeout", "slow"), "gateway.live.unavailable"),
    ],
)
def test_edge_errors_are_503_with_retry_after(error: TncamError, code: str) -> None:
    mapped = edge_error(error, retry_after_s=7)
    assert isinstance(mapped, UnavailableError)
    assert mapped.code == code
    assert mapped.http_status == 503
    assert mapped.details == {"retry_after_s": 7}


def test_other_edge_errors_pass_through() -> None:
    bad = InvalidInputError("live.offer_invalid", "no video m-line")
    assert edge_error(bad, retry_after_s=5) is bad
    conflict = ConflictError("live.session_exists", "dup")
    assert edge_error(conflict, retry_after_s=5) is conflict


def test_the_edges_own_retry_hint_is_passed_on() -> None:
    hinted = UnavailableError("live.capacity", "full", details={"retry_after_s": 7})
    assert edge_error(hinted, retry_after_s=5).details == {"retry_after_s": 7}
    plain = UnavailableError("live.capacity", "full")
    assert edge_error(plain, retry_after_s=5).details == {"retry_after_s": 5}
