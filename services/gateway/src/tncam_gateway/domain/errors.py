"""The gateway's own error kinds (beyond the mesh's error tree), with their HTTP status."""

from __future__ import annotations

from tncam_mesh.errors import TncamError


class ThrottledError(TncamError):
    """Too many attempts or requests; retry after ``details['retry_after_s']`` seconds."""

    http_status = 429
    default_retryable = True


class PayloadTooLargeError(TncamError):
    """The request body exceeds the limit."""

    http_status = 413


class GoneError(TncamError):
    """The thing existed but can no longer be had (an export already downloaded, expired)."""

    http_status = 410


class UnsupportedMediaTypeError(TncamError):
    """The request body is not of the media type the operation takes."""

    http_status = 415
