"""Live view tokens and WHEP signalling rules (pure; docs/adr/0022).

A live token is the proof of one authorized, audited live access: it binds the live session
id, the camera and its stream, the account and its login session, the purpose and the grant,
and expires after a few minutes. It is an HMAC-signed claim set (``<base64url claims>.
<base64url HMAC-SHA256>``) under a key derived from the gateway's JWT signing key with its own
HKDF label, like playback tokens: stateless to verify, never stored. What may change after it
was issued (opened once, ended) lives in the ``live_sessions`` table, keyed by the session id
the token binds.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from tncam.live.v1 import live_pb2
from tncam_gateway.domain.errors import UnsupportedMediaTypeError
from tncam_gateway.domain.signed import Sealer
from tncam_mesh.errors import ConflictError, TncamError, UnauthenticatedError, UnavailableError

TOKEN_VERSION = 1
SDP = "application/sdp"
TRICKLE_ICE = "application/trickle-ice-sdpfrag"
#: Codes of the live edge's errors (services/live) the gateway maps to 503.
EDGE_CAPACITY = "live.capacity"
EDGE_CAMERA_UNAVAILABLE = "live.camera_unavailable"
#: The mesh's codes for "no live replica answered" (nobody subscribed, or no reply in time).
NO_EDGE = frozenset({"rpc.call.no_responders", "rpc.call.timeout"})


class LiveStreamName(StrEnum):
    """Which of a camera's streams a viewer watches."""

    MAIN = "main"
    SUB = "sub"


STREAM_PB: dict[LiveStreamName, live_pb2.LiveStream] = {
    LiveStreamName.MAIN: live_pb2.LIVE_STREAM_MAIN,
    LiveStreamName.SUB: live_pb2.LIVE_STREAM_SUB,
}


class LiveState(StrEnum):
    """Where a live session is in its life (the ``live_sessions.state`` column)."""

    ISSUED = "issued"  # token handed out, no offer yet
    OPENING = "opening"  # the offer is being relayed to the live edge
    OPEN = "open"  # a replica holds it
    ENDING = "ending"  # ended here; the close and the audit event are still to be done
    ENDED = "ended"


#: States of a session the end rules still apply to.
LIVE_STATES = (LiveState.ISSUED, LiveState.OPENING, LiveState.OPEN)


def invalid_live_token() -> UnauthenticatedError:
    """The one error of every live token failure (bad, expired, another session's)."""
    return UnauthenticatedError(
        "gateway.live.invalid_token",
        "Token xem trực tiếp không hợp lệ hoặc đã hết hạn (invalid or expired live token)",
    )


def session_ended() -> UnauthenticatedError:
    """The token's session was ended (logout, disabled account, revoked grant) before use."""
    return UnauthenticatedError(
        "gateway.live.session_ended",
        "Phiên xem trực tiếp đã kết thúc (the live session has ended)",
    )


def already_opened() -> ConflictError:
    """A second offer for a session that was already opened (a token opens one session)."""
    return ConflictError(
        "gateway.live.already_opened",
        "Phiên xem trực tiếp đã được mở; xin token mới (session already opened; "
        "ask POST /api/v1/live for a new token)",
    )


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` header, without parameters, lower case."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def require_media_type(content_type: str | None, expected: str) -> None:
    """415 ``gateway.live.unsupported_media_type`` unless the body is ``expected``."""
    if media_type(content_type) != expected:
        raise UnsupportedMediaTypeError(
            "gateway.live.unsupported_media_type",
            f"Cần Content-Type: {expected} (expected {expected})",
        )


def edge_error(error: TncamError, *, retry_after_s: int) -> TncamError:
    """The answer to a live edge failure: capacity, an unavailable camera and no replica at
    all are 503 (with ``Retry-After``: the edge's own hint when it sent one, else
    ``retry_after_s``); any other error of the edge is passed on as it is."""
    hint = error.details.get("retry_after_s")
    retry = {"retry_after_s": hint if isinstance(hint, int) and hint > 0 else retry_after_s}
    if error.code == EDGE_CAPACITY:
        return UnavailableError(
            EDGE_CAPACITY,
            "Máy chủ xem trực tiếp đã đủ tải, thử lại sau (live view at capacity; retry later)",
            details=retry,
        )
    if error.code == EDGE_CAMERA_UNAVAILABLE:
        return UnavailableError(
            EDGE_CAMERA_UNAVAILABLE,
            "Camera không sẵn sàng để xem trực tiếp (camera unavailable for live view)",
            details=retry,
        )
    if error.code in NO_EDGE:
        return UnavailableError(
            "gateway.live.unavailable",
            "Dịch vụ xem trực tiếp không sẵn sàng (no live edge answered)",
            details=retry,
        )
    return error


@dataclass(frozen=True)
class LiveClaims:
    """What a live token binds."""

    session_id: str
    account_id: str
    login_session_id: str
    camera_id: str
    stream: LiveStreamName
    purpose: str
    grant_id: str
    expires_at: datetime

    def to_json(self) -> bytes:
        """The claims as compact, key-sorted JSON (what is signed)."""
        body = {
            "v": TOKEN_VERSION,
            "lid": self.session_id,
            "sub": self.account_id,
            "sid": self.login_session_id,
            "cam": self.camera_id,
            "st": self.stream.value,
            "pur": self.purpose,
            "gid": self.grant_id,
            "exp": self.expires_at.timestamp(),
        }
        return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> LiveClaims:
        """The claims of signed JSON (ValueError/KeyError/TypeError when malformed)."""
        d = json.loads(raw)
        if d.get("v") != TOKEN_VERSION:
            raise ValueError("token version")
        return cls(
            session_id=str(d["lid"]),
            account_id=str(d["sub"]),
            login_session_id=str(d["sid"]),
            camera_id=str(d["cam"]),
            stream=LiveStreamName(d["st"]),
            purpose=str(d["pur"]),
            grant_id=str(d["gid"]),
            expires_at=datetime.fromtimestamp(float(d["exp"]), UTC),
        )


class LiveTokenCodec:
    """Issues and verifies live tokens with one key (its own, never the playback key)."""

    def __init__(self, key: bytes) -> None:
        self._sealer = Sealer(key, what="live token")

    def issue(self, claims: LiveClaims) -> str:
        """The token: ``<base64url claims>.<base64url HMAC-SHA256>``."""
        return self._sealer.seal(b"live", claims.to_json())

    def verify(self, token: str, *, session_id: str, now: datetime) -> LiveClaims:
        """The claims of a genuine, unexpired token for ``session_id`` (else 401)."""
        try:
            claims = LiveClaims.from_json(self._sealer.unseal(b"live", token))
        except (ValueError, KeyError, TypeError) as e:
            raise invalid_live_token() from e
        if now >= claims.expires_at or not hmac.compare_digest(
            claims.session_id.encode(), session_id.encode()
        ):
            raise invalid_live_token()
        return claims
