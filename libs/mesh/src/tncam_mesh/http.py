"""The operations endpoints every service serves: ``/livez``, ``/readyz``, ``/metrics``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from tncam_mesh.health import Health
from tncam_mesh.metrics import Metrics


def ops_routes(health: Health, metrics: Metrics) -> list[BaseRoute]:
    """Routes for liveness, readiness and Prometheus metrics."""

    async def livez(_: Request) -> Response:
        ok, detail = health.live()
        return JSONResponse(
            {"status": "ok" if ok else "fail", "detail": detail}, 200 if ok else 503
        )

    async def readyz(_: Request) -> Response:
        ok, results = await health.ready()
        metrics.ready.set(1 if ok else 0)
        body = {
            "status": "ok" if ok else "fail",
            "checks": {r.name: {"ok": r.ok, "detail": r.detail} for r in results},
        }
        return JSONResponse(body, 200 if ok else 503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]


def ops_app(health: Health, metrics: Metrics) -> Starlette:
    """A bare ASGI app with only the operations endpoints."""
    return Starlette(routes=ops_routes(health, metrics))


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service runtime owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An ASGI app served by uvicorn inside the service's task group."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        # proxy_headers off: uvicorn would otherwise take X-Forwarded-For from any loopback
        # peer as the client address; which proxies are trusted is the service's decision
        # (the gateway's TRUSTED_PROXIES), never uvicorn's.
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            proxy_headers=False,
            forwarded_allow_ips="",
        )
        self._server = _Server(config)
        self.host, self.port = host, port

    async def serve(self) -> None:
        """Serve until ``stop`` is called; raise if the port cannot be bound."""
        try:
            await self._server.serve()
        except SystemExit as e:  # uvicorn exits the process when it cannot bind
            raise OSError(f"could not listen on {self.host}:{self.port}") from e
        if not self._server.started:
            raise OSError(f"could not listen on {self.host}:{self.port}")

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    def stop(self) -> None:
        """Ask the server to finish in-flight requests and exit."""
        self._server.should_exit = True
