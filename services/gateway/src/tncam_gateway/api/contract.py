"""The OpenAPI document as generated clients read it (issue 20).

FastAPI writes the paths and schemas; this module finishes the document once, for the served
``/api/v1/openapi.json`` and the committed ``openapi.json`` alike:

* every error response is a ``Problem`` under ``application/problem+json`` (FastAPI's
  ``HTTPValidationError`` is gone: the server answers 422 as a problem too), with the statuses
  every operation of its kind can give added (401 when it takes a token, 413 and 422 when it
  takes input, 429 everywhere, 503 wherever the database or a service stands behind it);
* ``Retry-After`` is documented on 429 and 503;
* every operation carries its short camelCase ``operationId`` and ``x-required-roles``, the
  roles the policy can ever allow it (:data:`tncam_gateway.domain.policy.REQUIRED_ROLES`);
* ``servers`` and the pagination convention.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tncam_gateway.api.problems import PROBLEM_JSON, Problem, problem_response
from tncam_gateway.domain.policy import REQUIRED_ROLES, Access, Action

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ROLES_KEY = "x-required-roles"
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]{2,39}$")
SERVERS = [{"url": "/", "description": "Máy chủ phục vụ tài liệu này (the host serving it)"}]

PAGINATION = """
**Phân trang (pagination).** Mọi danh sách dùng một quy ước: tham số `page_size` (số mục
tối đa) và `page_token` (trống ở trang đầu; sau đó là `next_page_token` của trang trước).
Trang trả về `{"items": [...], "next_page_token": "..."}` (thêm `total` khi biết tổng số);
`next_page_token` rỗng ở trang cuối. Token là chuỗi mờ (opaque): chỉ chuyển lại nguyên vẹn.
(Every list: `page_size` and `page_token` in, `items` and `next_page_token` out, `""` on
the last page.)

**Quyền (roles).** `x-required-roles` của mỗi thao tác là các vai trò mà chính sách có thể
cho phép (rỗng: không cần tài khoản); phạm vi đơn vị, ngành và quyền khẩn cấp vẫn được kiểm
tra cho từng yêu cầu.
"""


def operation(op_id: str, *needs: Action | Access, **extra: Any) -> dict[str, Any]:
    """Route keyword arguments: the operation's id and the roles that can call it, from what
    it needs of the policy (the union over ``needs``), plus any other ``openapi_extra``."""
    roles = sorted({r.value for n in needs for r in REQUIRED_ROLES[n]})
    return {"operation_id": op_id, "openapi_extra": {ROLES_KEY: roles, **extra}}


def _statuses(method: str, op: dict[str, Any]) -> set[int]:
    """The error statuses any operation of this shape can give, beyond its own."""
    statuses = {429}  # the per-address rate limit runs before any route
    if method != "options":  # the gateway state (503 gateway.starting) and the database
        statuses.add(503)
    if op.get("security"):
        statuses.add(401)
    if op.get("parameters") or op.get("requestBody"):
        statuses.add(422)
    if op.get("requestBody"):
        statuses.add(413)
    return statuses


def _finish_operation(path: str, method: str, op: dict[str, Any]) -> None:
    if not OPERATION_ID.fullmatch(op.get("operationId", "")):
        raise ValueError(f"{method.upper()} {path}: set a short camelCase operation id")
    if ROLES_KEY not in op:
        raise ValueError(f"{method.upper()} {path}: declare its roles with contract.operation()")
    responses: dict[str, Any] = op["responses"]
    for code in _statuses(method, op):
        responses.setdefault(str(code), problem_response(code))
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def build(app: FastAPI) -> dict[str, Any]:
    """The finished document of ``app`` (computed once)."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=(app.description or "") + PAGINATION,
        routes=app.routes,
        servers=SERVERS,
    )
    schemas: dict[str, Any] = spec["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            _finish_operation(path, method, op)
    app.openapi_schema = spec
    return spec


def install(app: FastAPI) -> None:
    """Serve the finished document."""
    app.openapi = lambda: build(app)  # type: ignore[method-assign]
