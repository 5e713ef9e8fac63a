"""Why a camera is not connected: FFmpeg/PyAV failures mapped to DisconnectReason."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import StrEnum

from tncam.camera.v1 import status_pb2
from tncam_mesh.redact import mask_urls_in


class Reason(StrEnum):
    """Disconnect reasons (the labels of metrics and the ``reason`` of status events)."""

    NONE = "none"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    CODEC_MISMATCH = "codec_mismatch"
    DECODE_ERROR = "decode_error"
    STREAM_ENDED = "stream_ended"
    LEASE_RELEASED = "lease_released"
    OTHER = "other"

    @property
    def proto(self) -> status_pb2.DisconnectReason:
        """The protobuf enum value."""
        return _PROTO[self]


_PROTO: dict[Reason, status_pb2.DisconnectReason] = {
    Reason.NONE: status_pb2.DISCONNECT_REASON_NONE,
    Reason.TIMEOUT: status_pb2.DISCONNECT_REASON_TIMEOUT,
    Reason.REFUSED: status_pb2.DISCONNECT_REASON_REFUSED,
    Reason.UNAUTHORIZED: status_pb2.DISCONNECT_REASON_UNAUTHORIZED,
    Reason.NOT_FOUND: status_pb2.DISCONNECT_REASON_NOT_FOUND,
    Reason.CODEC_MISMATCH: status_pb2.DISCONNECT_REASON_CODEC_MISMATCH,
    Reason.DECODE_ERROR: status_pb2.DISCONNECT_REASON_DECODE_ERROR,
    Reason.STREAM_ENDED: status_pb2.DISCONNECT_REASON_STREAM_ENDED,
    Reason.LEASE_RELEASED: status_pb2.DISCONNECT_REASON_LEASE_RELEASED,
    Reason.OTHER: status_pb2.DISCONNECT_REASON_OTHER,
}

_REFUSED_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.EPIPE,
}
_TIMEOUT_ERRNOS = {errno.ETIMEDOUT, errno.EAGAIN}


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure: the reason and a one-line detail without credentials."""

    reason: Reason
    detail: str


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return mask_urls_in(text)[:300]


def classify(exc: BaseException, *, elapsed_s: float, timeout_s: float) -> Failure:
    """Map an exception from opening or reading a stream to a reason.

    FFmpeg reports an expired socket ``timeout`` in several ways (EAGAIN, ETIMEDOUT, EIO,
    "invalid data" when the answer never came): a failure after at least the timeout counts
    as a timeout whatever its errno.
    """
    name = type(exc).__name__
    code = getattr(exc, "errno", None)
    detail = _detail(exc)
    status = getattr(exc, "status", None)  # RtspError from the native client
    if status in (401, 403):
        return Failure(Reason.UNAUTHORIZED, detail)
    if status == 404:
        return Failure(Reason.NOT_FOUND, detail)
    if isinstance(status, int):
        return Failure(Reason.OTHER, detail)
    if isinstance(exc, EOFError):
        return Failure(Reason.STREAM_ENDED, detail)
    if name in ("HTTPUnauthorizedError", "HTTPForbiddenError") or " 401 " in f" {detail} ":
        return Failure(Reason.UNAUTHORIZED, detail)
    if name == "HTTPNotFoundError":
        return Failure(Reason.NOT_FOUND, detail)
    if isinstance(exc, ConnectionRefusedError) or code in _REFUSED_ERRNOS:
        return Failure(Reason.REFUSED, detail)
    if isinstance(exc, TimeoutError) or code in _TIMEOUT_ERRNOS:
        return Failure(Reason.TIMEOUT, detail)
    if elapsed_s >= timeout_s * 0.9:
        return Failure(Reason.TIMEOUT, detail)
    if name == "InvalidDataError" or isinstance(exc, ValueError):
        return Failure(Reason.DECODE_ERROR, detail)
    if name == "HTTPClientError" or name.startswith("HTTP"):
        return Failure(Reason.REFUSED, detail)
    return Failure(Reason.OTHER, detail)
