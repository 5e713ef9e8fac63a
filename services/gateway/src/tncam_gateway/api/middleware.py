"""ASGI middleware: request id, client address, per-address rate limit, body size limit, CORS."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tncam_gateway import API_PREFIX
from tncam_gateway.api.problems import PROBLEM_JSON
from tncam_gateway.domain.errors import PayloadTooLargeError, ThrottledError
from tncam_mesh.errors import TncamError


def _state(scope: Scope) -> Any:
    app = scope.get("app")
    return getattr(getattr(app, "state", None), "gateway", None)


def client_address(scope: Scope, trusted: list[str]) -> str:
    """The client's address: the peer, or the last untrusted X-Forwarded-For hop behind a
    trusted proxy (the ingress)."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    if not trusted or peer not in trusted:
        return str(peer)
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
            for hop in reversed(hops):
                if hop not in trusted:
                    try:
                        return str(ipaddress.ip_address(hop))
                    except ValueError:
                        return str(peer)
    return str(peer)


async def _send_problem(send: Send, exc: TncamError, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps(exc.to_problem(), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.http_status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        "gateway.request.too_large",
        f"Yêu cầu vượt quá {limit} byte (request larger than {limit} bytes)",
    )


class _TooLargeError(Exception):
    pass


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-Id`` (at most 64 characters), or a new one."""
    request_id = ""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            request_id = value.decode("latin-1")[:64]
    return request_id or uuid.uuid4().hex


def _declared_over(scope: Scope, limit: int) -> bool:
    """Whether a ``Content-Length`` header announces more than ``limit`` bytes (or is junk)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = limit + 1
            if declared > limit:
                return True
    return False


def _declares_length(scope: Scope) -> bool:
    return any(name == b"content-length" for name, _ in scope.get("headers", []))


async def _buffered_within(receive: Receive, limit: int) -> Receive | None:
    """A body without ``Content-Length`` (chunked), read here up to ``limit`` bytes: a
    receive that replays it, or None when it is larger. Read before the app, because the
    framework turns an error raised while it reads the body into a 400."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            first: Message = message
            break
        body = message.get("body", b"")
        size += len(body)
        if size > limit:
            return None
        chunks.append(body)
        if not message.get("more_body", False):
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return first

    return replay


async def _within_limit(scope: Scope, receive: Receive, limit: int) -> Receive | None:
    """The receive to read the body with, or None when it is known to exceed ``limit``."""
    if _declared_over(scope, limit):
        return None
    if not _declares_length(scope):
        return await _buffered_within(receive, limit)
    return receive


class GatewayMiddleware:
    """Request id, client address, per-address rate limit and request size limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        state = _state(scope)
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        rid = [(b"x-request-id", request_id.encode())]
        if state is None:
            await self.app(scope, receive, send)
            return
        settings = state.settings
        address = client_address(scope, settings.trusted_proxies)
        scope["state"]["client_address"] = address

        wait = await state.address_limiter.take(address)
        if wait > 0:
            await _send_problem(
                send,
                ThrottledError(
                    "gateway.rate_limited.address",
                    "Quá nhiều yêu cầu từ địa chỉ này (too many requests from this address)",
                ),
                [(b"retry-after", str(int(wait) + 1).encode()), *rid],
            )
            return

        limit = (
            settings.max_upload_bytes
            if scope["path"].endswith("/import")
            else settings.max_request_bytes
        )
        if (checked := await _within_limit(scope, receive, limit)) is None:
            await _send_problem(send, _too_large(limit), rid)
            return
        receive = checked
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLargeError
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *rid]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _TooLargeError:
            if not started:
                await _send_problem(send, _too_large(limit), rid)


#: The WHEP endpoint: its CORS preflight also says what it takes (``Accept-Post``).
_WHEP_RE = re.compile(re.escape(API_PREFIX) + r"/live/[A-Za-z0-9_-]+/whep")


class ConfiguredCORS:
    """CORS from the gateway's settings (known only once the service started)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = _state(scope)
        if scope["type"] != "http" or state is None or not state.settings.cors_origins:
            await self.app(scope, receive, send)
            return
        if self._inner is None:
            self._inner = CORSMiddleware(
                self.app,
                allow_origins=list(state.settings.cors_origins),
                allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type", "X-Request-Id", "If-Match"],
                # WHEP players read Location (the session resource) from the 201.
                expose_headers=[
                    "Retry-After",
                    "X-Request-Id",
                    "Content-Disposition",
                    "Location",
                    "Accept-Post",
                    "X-Tncam-Codec-Path",
                ],
                max_age=600,
            )
        if scope["method"] == "OPTIONS" and _WHEP_RE.fullmatch(scope["path"]):
            send = _with_header(send, b"accept-post", b"application/sdp")
        await self._inner(scope, receive, send)


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    """``send`` adding one header to the response (unless it already has it)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if all(k.lower() != name for k, _ in headers):
                message["headers"] = [*headers, (name, value)]
        await send(message)

    return sending
