"""Request/reply between services as NATS micro-services, with protobuf payloads.

A service exposes operations with ``RpcService.add(spec, RequestType, handler)``; callers use
``call(bus, spec, request, ReplyType)``. Endpoints use the NATS micro protocol, so
``nats micro ls/info/stats`` (``$SRV.*``) shows them. Errors travel as the micro error headers
plus ``Tncam-Error-Code`` / ``Tncam-Error-Retryable``, and come back to the caller as the same
kind of ``TncamError`` with the same stable code.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import nats.errors
from google.protobuf.message import DecodeError, Message
from nats.micro import add_service
from nats.micro.request import ERROR_CODE_HEADER, ERROR_HEADER, Request
from nats.micro.service import Service, ServiceConfig

from tncam_contracts.catalog import HEADER_TYPE, RequestSpec, type_name
from tncam_mesh import tracing
from tncam_mesh.bus import Bus
from tncam_mesh.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TncamError,
    UnauthenticatedError,
    UnavailableError,
)

log = logging.getLogger("tncam.mesh.rpc")

ERROR_CODE = "Tncam-Error-Code"
ERROR_RETRYABLE = "Tncam-Error-Retryable"
# Seconds after which a retryable error is worth retrying (``details["retry_after_s"]``): an
# HTTP edge turns it into ``Retry-After``.
RETRY_AFTER = "Tncam-Retry-After"
Req = TypeVar("Req", bound=Message)
Rep = TypeVar("Rep", bound=Message)
Handler = Callable[[Req], Awaitable[Message]]

_BY_STATUS: dict[int, type[TncamError]] = {
    400: InvalidInputError,
    422: InvalidInputError,
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    503: UnavailableError,
}


class RpcService:
    """The request/reply endpoints of one service (one micro service, queue-grouped)."""

    def __init__(self, bus: Bus, *, name: str, version: str, namespace: str = "") -> None:
        self._bus = bus
        self._name = name
        self._version = version
        self._namespace = namespace
        self._service: Service | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self.on_request: Callable[[str, str, float], None] | None = None  # op, outcome, seconds

    async def start(self) -> None:
        """Register the micro service (its endpoints are added with ``add``)."""
        self._service = await add_service(
            self._bus.nc,
            ServiceConfig(
                name=f"tncam-{self._name}",
                version=self._version,
                description=f"tncam {self._name} operations",
                queue_group=f"tncam-{self._name}{'-' + self._namespace if self._namespace else ''}",
            ),
        )

    async def add(
        self,
        spec: RequestSpec,
        request_type: type[Req],
        handler: Handler[Req],
        *,
        concurrency: int = 1,
    ) -> None:
        """Serve ``spec`` with ``handler`` (decoded request in, protobuf reply out).

        A NATS subscription hands its messages over one at a time: by default a request waits
        for the one before it. ``concurrency`` > 1 runs up to that many at once, each in its
        own task (for operations that wait on something else, e.g. a camera's first picture).
        """
        if self._service is None:
            raise RuntimeError("RpcService.start() first")
        op = spec.base.rsplit(".", 1)[-1]

        async def endpoint(req: Request) -> None:
            started = time.perf_counter()
            outcome = "ok"
            with tracing.bound(tracing.from_headers(req.headers)):
                try:
                    try:
                        request = request_type.FromString(req.data)
                    except DecodeError as e:
                        raise InvalidInputError(
                            "rpc.request.malformed", f"{op}: request is not a valid message"
                        ) from e
                    reply = await handler(request)
                    await req.respond(
                        reply.SerializeToString(), headers={HEADER_TYPE: type_name(reply)}
                    )
                except TncamError as e:
                    outcome = e.code
                    await _respond_error(req, e)
                except Exception:
                    outcome = "internal"
                    await _respond_error(req, internal_error(f"{self._name}.{op}.internal", op))
            if self.on_request is not None:
                self.on_request(op, outcome, time.perf_counter() - started)

        serve = endpoint if concurrency <= 1 else self._concurrently(endpoint, concurrency)
        await self._service.add_endpoint(
            name=op, subject=spec.subject(self._namespace), handler=serve
        )

    def _concurrently(
        self, endpoint: Callable[[Request], Coroutine[Any, Any, None]], limit: int
    ) -> Callable[[Request], Awaitable[None]]:
        slots = asyncio.Semaphore(limit)

        async def serve(req: Request) -> None:
            await slots.acquire()  # all slots busy: the next request waits its turn here
            task = asyncio.create_task(endpoint(req))
            self._inflight.add(task)

            def done(t: asyncio.Task[None]) -> None:
                self._inflight.discard(t)
                slots.release()

            task.add_done_callback(done)

        return serve

    async def stop(self) -> None:
        """Stop serving (in-flight handlers finish; no new requests are taken)."""
        if self._service is not None:
            await self._service.stop()
            self._service = None
        if self._inflight:
            await asyncio.wait(set(self._inflight))


def internal_error(code: str, what: str) -> TncamError:
    """Log the exception being handled under a new correlation id and return the error the
    caller gets: generic text carrying that id, never the exception's own text (it can hold
    SQL, parameters or paths)."""
    ref = uuid.uuid4().hex[:16]
    log.exception("%s failed (ref %s)", what, ref, extra={"code": code, "error_ref": ref})
    return TncamError(
        code,
        f"Lỗi hệ thống, mã tham chiếu {ref} (internal error, reference {ref})",
    )


def error_headers(error: TncamError) -> dict[str, str]:
    """The headers that carry ``error`` back to the caller (code, retryable, retry-after)."""
    headers = {ERROR_CODE: error.code, ERROR_RETRYABLE: "true" if error.retryable else "false"}
    retry_after = error.details.get("retry_after_s")
    if isinstance(retry_after, int | float) and retry_after > 0:
        headers[RETRY_AFTER] = str(int(retry_after))
    return headers


async def _respond_error(req: Request, error: TncamError) -> None:
    await req.respond_error(str(error.http_status), error.message, headers=error_headers(error))


async def call(
    bus: Bus,
    spec: RequestSpec,
    request: Message,
    reply_type: type[Rep],
    *,
    namespace: str = "",
    timeout: float = 5.0,
) -> Rep:
    """Call an operation and return its reply; its error comes back as the same TncamError."""
    return await call_subject(bus, spec.subject(namespace), request, reply_type, timeout=timeout)


async def call_subject(
    bus: Bus, subject: str, request: Message, reply_type: type[Rep], *, timeout: float = 5.0
) -> Rep:
    """:func:`call` on a concrete subject (a family such as one replica's control subject,
    which no single ``RequestSpec`` names); the same headers, errors and decoding."""
    headers = {
        tracing.TRACEPARENT: tracing.current().child().header(),
        HEADER_TYPE: type_name(request),
    }
    try:
        msg = await bus.nc.request(
            subject, request.SerializeToString(), timeout=timeout, headers=headers
        )
    except nats.errors.NoRespondersError as e:
        raise UnavailableError("rpc.call.no_responders", f"nobody serves {subject}") from e
    except (TimeoutError, nats.errors.TimeoutError) as e:
        raise UnavailableError("rpc.call.timeout", f"{subject}: no reply in {timeout} s") from e
    hdrs = msg.headers or {}
    if ERROR_HEADER in hdrs:
        status = int(hdrs.get(ERROR_CODE_HEADER, "500") or 500)
        cls = _BY_STATUS.get(status, TncamError)
        retry_after = hdrs.get(RETRY_AFTER, "")
        raise cls(
            hdrs.get(ERROR_CODE, "rpc.call.failed"),
            hdrs[ERROR_HEADER],
            retryable=hdrs.get(ERROR_RETRYABLE) == "true",
            details={"retry_after_s": int(retry_after)} if retry_after.isdigit() else None,
        )
    try:
        return reply_type.FromString(msg.data)
    except DecodeError as e:
        raise InvalidInputError("rpc.reply.malformed", f"{subject}: reply is not valid") from e
