"""The gateway's Prometheus metrics: requests, authentication, footage access, grants.

Authentication, footage and grant figures are taken from the audit events the gateway records
anyway (a wrapper around the audit sink), so a metric can never disagree with the audit log.
Label values are bounded: HTTP status codes, route templates, audit action names, purpose and
legal-basis enum names.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway import API_PREFIX
from tncam_gateway.clients.audit import AuditSink

_FOOTAGE = {apb.DATA_CATEGORY_IMAGE, apb.DATA_CATEGORY_PLATE, apb.DATA_CATEGORY_BIOMETRIC}


class GatewayMetrics:
    """Metrics of one gateway process, registered in the service's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "tncam_gateway_requests_total",
            "API requests by route template, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "tncam_gateway_request_duration_seconds",
            "API request duration by route template",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.auth_failures = Counter(
            "tncam_gateway_auth_failures_total",
            "Refused logins, token refreshes and password changes, by audit action",
            ["reason"],
            registry=registry,
        )
        self.lockouts = Counter(
            "tncam_gateway_lockouts_total",
            "Logins refused because the account or address is locked out or throttled",
            registry=registry,
        )
        self.footage = Counter(
            "tncam_gateway_footage_accesses_total",
            "Accesses to footage (snapshot, playback, export) by purpose and outcome",
            ["purpose", "outcome"],
            registry=registry,
        )
        self.grants = Counter(
            "tncam_gateway_grants_issued_total",
            "Break-glass grants issued, by legal basis",
            ["legal_basis"],
            registry=registry,
        )

    def observe_event(self, event: apb.AuditEvent) -> None:
        """Count what an audit event says about authentication, footage and grants."""
        action = event.action
        failed = event.outcome != apb.OUTCOME_SUCCESS
        if action.startswith("account.") and (failed or action.endswith(("failed", "reused"))):
            if action in ("account.login.locked", "account.login.throttled"):
                self.lockouts.inc()
            self.auth_failures.labels(reason=action).inc()
        if _FOOTAGE.intersection(event.data_categories):
            self.footage.labels(
                purpose=apb.PurposeCode.Name(event.purpose_code)
                .removeprefix("PURPOSE_CODE_")
                .lower(),
                outcome=apb.Outcome.Name(event.outcome).removeprefix("OUTCOME_").lower(),
            ).inc()
        if action == "grant.issued" and not failed:
            self.grants.labels(
                legal_basis=apb.LegalBasis.Name(event.legal_basis)
                .removeprefix("LEGAL_BASIS_")
                .lower()
            ).inc()


class MeteredAuditSink:
    """An audit sink that counts each event once the log has accepted it."""

    def __init__(self, sink: AuditSink, metrics: GatewayMetrics) -> None:
        self._sink = sink
        self._metrics = metrics

    async def record(self, event: apb.AuditEvent, *, timeout: float = 5.0) -> Any:
        """Record through the wrapped sink, then count (a refused event is not counted)."""
        result = await self._sink.record(event, timeout=timeout)
        self._metrics.observe_event(event)
        return result


class RequestMetrics:
    """ASGI middleware counting API requests by route template, method and status.

    The metrics object is attached to ``app.state.metrics`` by the lifespan (the app exists
    before the service's metrics registry does); until then requests are not counted.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics: GatewayMetrics | None = getattr(
            getattr(scope.get("app"), "state", None), "metrics", None
        )
        if metrics is None or scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            metrics.requests.labels(route=route, method=scope["method"], status=str(status)).inc()
            metrics.duration.labels(route=route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    # The router records the matched route in the (shared) scope; its path template keeps the
    # label set bounded (never the raw path with ids in it).
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not template:
        return "unmatched"
    # Routes of included routers carry their path without the router's prefix.
    return str(template) if str(template).startswith("/api/") else f"{API_PREFIX}{template}"
