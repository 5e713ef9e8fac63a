"""Composition root of the gateway: the public API for C-Thái Nguyên and operators (issue 7)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute

from tncam_gateway.settings import GatewaySettings
from tncam_mesh.errors import TncamError
from tncam_mesh.http import problem_response
from tncam_mesh.runtime import Runtime, run_service
from tncam_mesh.service_db import open_database

API_PREFIX = "/api/v1"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(ops: list[BaseRoute]) -> FastAPI:
    """The gateway's FastAPI app: the public API plus the operations endpoints."""
    app = FastAPI(
        title="tncam gateway",
        summary="Hệ thống camera giám sát tập trung tỉnh Thái Nguyên — public API",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.router.routes.extend(ops)

    @app.exception_handler(TncamError)
    async def tncam_error(request: Request, exc: TncamError) -> JSONResponse:
        return problem_response(exc, instance=request.url.path)

    return app


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[GatewaySettings]) -> AsyncIterator[None]:
    """Open the gateway schema (accounts, grants); the API state hangs off the app."""
    async with open_database(rt.settings, rt.health, migrations=MIGRATIONS) as db:
        rt.http_app.state.runtime = rt  # type: ignore[attr-defined]
        rt.http_app.state.db = db  # type: ignore[attr-defined]
        yield


def main() -> None:
    """Run the gateway."""
    run_service(GatewaySettings, lifespan, app_factory=create_app)
