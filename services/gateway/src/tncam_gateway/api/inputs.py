"""The edge check every operation runs first: no control character in any string the caller
sent (path, query, JSON or form body), so none reaches a database or another service."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection

from tncam_gateway.domain.text import refuse_control, strings_in


async def refuse_control_characters(connection: HTTPConnection) -> None:
    """422 ``gateway.request.invalid_characters`` for a control character in any parameter
    (path and query only on a WebSocket, which has no body)."""
    refuse_control("path", [str(v) for v in connection.path_params.values()])
    refuse_control("query", [s for kv in connection.query_params.multi_items() for s in kv])
    if not isinstance(connection, Request):
        return
    request = connection
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = await request.json()  # FastAPI already read and cached it
        except (ValueError, UnicodeDecodeError):
            return  # not JSON: the body's own validation answers
        refuse_control("body", list(strings_in(body)))
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        fields = [s for k, v in form.multi_items() if not isinstance(v, UploadFile) for s in (k, v)]
        refuse_control("body", [str(s) for s in fields])
