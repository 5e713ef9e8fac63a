"""One error tree with stable codes (``<domain>.<operation>.<detail>``) and a retryable flag."""

from __future__ import annotations

from typing import Any, ClassVar


class TncamError(Exception):
    """Base of every error tncam raises on purpose.

    ``code`` is stable and machine-readable; ``retryable`` tells consumers whether to nak
    (try again later) or terminate; ``http_status`` is the one HTTP mapping.
    """

    http_status: ClassVar[int] = 500
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.details = details or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """RFC 9457 problem details for this error."""
        problem: dict[str, Any] = {
            "type": f"https://tncam.thainguyen.gov.vn/problems/{self.code}",
            "title": self.code,
            "status": self.http_status,
            "detail": self.message,
            "code": self.code,
            "retryable": self.retryable,
        }
        if instance:
            problem["instance"] = instance
        if self.details:
            problem["errors"] = self.details
        return problem


class InvalidInputError(TncamError):
    """The caller sent something malformed; fix the input, do not retry."""

    http_status = 422


class NotFoundError(TncamError):
    """The named thing does not exist (or the caller may not know that it does)."""

    http_status = 404


class ConflictError(TncamError):
    """The request conflicts with the current state (duplicate, stale revision)."""

    http_status = 409


class UnauthenticatedError(TncamError):
    """No valid identity was presented."""

    http_status = 401


class ForbiddenError(TncamError):
    """The identity is known but not allowed to do this."""

    http_status = 403


class UnavailableError(TncamError):
    """A dependency (NATS, PostgreSQL, S3, audit) is unavailable; try again later."""

    http_status = 503
    default_retryable = True


class ConfigurationError(TncamError):
    """A setting is missing or invalid; the process cannot start."""

    http_status = 500
