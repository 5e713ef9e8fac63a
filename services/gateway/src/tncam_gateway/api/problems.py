"""RFC 9457 problem details for every error the API returns, validation errors included."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tncam_mesh.errors import TncamError

log = logging.getLogger("tncam.gateway.api")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://tncam.thainguyen.gov.vn/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details with tncam's stable ``code``."""

    type: str = Field(examples=[TYPE_BASE + "gateway.auth.invalid_credentials"])
    title: str = Field(examples=["gateway.auth.invalid_credentials"])
    status: int = Field(examples=[401])
    detail: str = Field(examples=["Tên đăng nhập hoặc mật khẩu không đúng"])
    code: str = Field(examples=["gateway.auth.invalid_credentials"])
    retryable: bool = Field(default=False)
    instance: str | None = Field(default=None, examples=["/api/v1/auth/token"])
    errors: Any = Field(default=None, description="Details: invalid fields, retry delay, ...")


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: Any = None,
    retryable: bool = False,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
        "retryable": retryable,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _headers(exc: TncamError) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    retry = exc.details.get("retry_after_s") if exc.details else None
    if retry is not None:
        headers["Retry-After"] = str(int(retry))
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="tncam"'
    return headers or None


# Fields whose absence is a 400 with its own code rather than a generic 422.
_MISSING_CODES = {"purpose": "gateway.footage.purpose_required"}


def _internal(
    request: Request, code: str, what: str, *, exc_info: bool | BaseException
) -> JSONResponse:
    """Log the failure under a new correlation id; the body carries only that id (an internal
    error's text can hold SQL, parameters, paths or class names)."""
    ref = uuid.uuid4().hex[:16]
    log.error(
        "%s (ref %s)",
        what,
        ref,
        exc_info=exc_info,
        extra={"path": request.url.path, "code": code, "error_ref": ref},
    )
    return problem(
        500,
        code,
        f"Lỗi hệ thống, mã tham chiếu {ref} (internal error, reference {ref})",
        instance=request.url.path,
        errors={"error_ref": ref},
    )


async def _tncam_error(request: Request, exc: TncamError) -> JSONResponse:
    if exc.http_status == 500:  # not a deliberate answer: another service's internal error
        return _internal(request, exc.code, f"request failed: {exc}", exc_info=False)
    if exc.http_status > 500:
        log.warning("request failed: %s", exc.code, extra={"code": exc.code})
    return JSONResponse(
        exc.to_problem(request.url.path),
        status_code=exc.http_status,
        media_type=PROBLEM_JSON,
        headers=_headers(exc),
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    for e in errors:
        field = e["loc"][-1] if e["loc"] else ""
        if e["type"] == "missing" and field in _MISSING_CODES:
            return problem(
                400,
                _MISSING_CODES[field],
                "Phải nêu mục đích truy cập (purpose is required)",
                instance=request.url.path,
                errors=errors,
            )
    return problem(
        422,
        "gateway.request.invalid",
        "Yêu cầu không hợp lệ (invalid request)",
        instance=request.url.path,
        errors=errors,
    )


HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


def _allowed_methods(request: Request) -> str:
    """Every method the API answers on this path, from its OpenAPI document (the router
    names only one route's methods, and a path such as ``/exports`` has a route per
    method)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in HTTP_METHODS}
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {
        404: "gateway.route.not_found",
        405: "gateway.route.method_not_allowed",
    }.get(exc.status_code, f"gateway.http.{exc.status_code}")
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)  # RFC 9110 §15.5.6: required
    return problem(
        exc.status_code,
        code,
        str(exc.detail),
        instance=request.url.path,
        headers=headers or None,
    )


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    # Text PostgreSQL cannot store (NUL characters) is the caller's fault, not ours.
    if "invalid byte sequence" in str(exc.orig):
        return problem(
            422,
            "gateway.request.invalid_characters",
            "Dữ liệu chứa ký tự không hợp lệ (NUL characters are not accepted)",
            instance=request.url.path,
        )
    log.exception("database error", extra={"path": request.url.path})
    return problem(
        503,
        "gateway.database.unavailable",
        "Cơ sở dữ liệu không sẵn sàng (database unavailable)",
        instance=request.url.path,
        retryable=True,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return _internal(request, "gateway.internal", "unexpected error", exc_info=exc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""
    app.exception_handler(TncamError)(_tncam_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(DBAPIError)(_database_error)
    app.exception_handler(Exception)(_unexpected)


_TEXT = {
    400: "Thiếu mục đích truy cập hoặc yêu cầu sai (bad request)",
    401: "Chưa xác thực hoặc token không hợp lệ (unauthenticated)",
    403: "Không có quyền (forbidden)",
    404: "Không tìm thấy (not found)",
    409: "Xung đột trạng thái (conflict)",
    410: "Đã hết hiệu lực, ví dụ đã tải hoặc quá hạn (gone)",
    413: "Yêu cầu quá lớn (payload too large)",
    415: "Kiểu nội dung không được hỗ trợ (unsupported media type)",
    422: "Dữ liệu không hợp lệ (validation error)",
    429: "Quá nhiều yêu cầu (rate limited / throttled)",
    503: "Dịch vụ phụ thuộc không sẵn sàng, ví dụ nhật ký kiểm toán (unavailable)",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Số giây nên chờ trước khi thử lại (seconds to wait before retrying)",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problem_response(status: int) -> dict[str, Any]:
    """The OpenAPI response of one problem status: ``Problem`` as ``application/problem+json``,
    with ``Retry-After`` on 429 and 503."""
    response: dict[str, Any] = {
        "description": _TEXT[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give (api/contract.py adds the
    ones every operation of its shape can give)."""
    return {s: problem_response(s) for s in statuses}
