"""Trace context carried in NATS headers (W3C ``traceparent``) and log context variables."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

TRACEPARENT = "traceparent"
_TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

trace_id_var: ContextVar[str | None] = ContextVar("tncam_trace_id", default=None)
span_id_var: ContextVar[str | None] = ContextVar("tncam_span_id", default=None)
camera_id_var: ContextVar[str | None] = ContextVar("tncam_camera_id", default=None)


@dataclass(frozen=True, slots=True)
class TraceContext:
    """A W3C trace context: trace id, parent span id and flags."""

    trace_id: str
    span_id: str
    flags: str = "01"

    @classmethod
    def new(cls) -> TraceContext:
        """Start a new trace."""
        return cls(secrets.token_hex(16), secrets.token_hex(8))

    def child(self) -> TraceContext:
        """A new span in the same trace."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.flags)

    def header(self) -> str:
        """The ``traceparent`` header value."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    @classmethod
    def parse(cls, value: str | None) -> TraceContext | None:
        """Parse a ``traceparent`` header; None when absent or malformed."""
        if not value:
            return None
        m = _TRACEPARENT_RE.match(value.strip().lower())
        if m is None or m.group(1) == "0" * 32 or m.group(2) == "0" * 16:
            return None
        return cls(m.group(1), m.group(2), m.group(3))


def current() -> TraceContext:
    """The active trace context, or a new one when none is active."""
    trace_id, span_id = trace_id_var.get(), span_id_var.get()
    if trace_id and span_id:
        return TraceContext(trace_id, span_id)
    return TraceContext.new()


@contextlib.contextmanager
def bound(
    ctx: TraceContext | None = None, *, camera_id: str | None = None
) -> Iterator[TraceContext]:
    """Bind a trace context (and optionally a camera id) for logs and outgoing messages."""
    ctx = ctx or TraceContext.new()
    tokens = [trace_id_var.set(ctx.trace_id), span_id_var.set(ctx.span_id)]
    cam_token = camera_id_var.set(camera_id) if camera_id is not None else None
    try:
        yield ctx
    finally:
        span_id_var.reset(tokens[1])
        trace_id_var.reset(tokens[0])
        if cam_token is not None:
            camera_id_var.reset(cam_token)


def from_headers(headers: Mapping[str, str] | None) -> TraceContext | None:
    """The trace context of an incoming message, if it carries one."""
    return TraceContext.parse((headers or {}).get(TRACEPARENT))
