"""Composition root of the gateway: the public API for C-Thái Nguyên and operators (issue 7)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.routing import BaseRoute

from tncam_contracts.catalog import GATEWAY_STREAM
from tncam_gateway import API_PREFIX
from tncam_gateway.api import (
    accounts,
    audit,
    auth,
    breaches,
    camera_changes,
    cameras,
    contract,
    duties,
    exports,
    footage,
    gaps,
    grants,
    holds,
    live,
    live_ws,
    notifications,
    onvif,
    problems,
    registry,
    reports,
    units,
)
from tncam_gateway.api.console import mount_console
from tncam_gateway.api.inputs import refuse_control_characters
from tncam_gateway.api.middleware import ConfiguredCORS, GatewayMiddleware
from tncam_gateway.api.static import mount_live_player
from tncam_gateway.metrics import GatewayMetrics, MeteredAuditSink, RequestMetrics
from tncam_gateway.service.context import build_state
from tncam_gateway.service.ratelimits import prune_full_buckets
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.audit import AuditClient
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "1.0.0"

DESCRIPTION = """\
API công khai của **Hệ thống camera giám sát tập trung tỉnh Thái Nguyên** cho ứng dụng
C-Thái Nguyên và cán bộ vận hành.

* Đăng nhập: `POST /api/v1/auth/token` (OAuth2 password, kèm `totp` khi bật xác thực hai
  lớp; `client_credentials` cho `app_client`). Access token 10 phút, refresh token xoay vòng.
* Phân quyền mặc định từ chối: đơn vị thấy camera của mình, trung tâm chuyên ngành thấy camera
  của ngành; quản trị tỉnh chỉ xem hình ảnh của đơn vị qua quyền khẩn cấp (`/grants`).
* Mọi truy cập hình ảnh phải nêu **mục đích** (`purpose`) và được ghi vào nhật ký xử lý dữ
  liệu cá nhân trước khi trả dữ liệu; nếu nhật ký không sẵn sàng: 503 `gateway.audit.unavailable`.
* Lỗi theo RFC 9457 (`application/problem+json`) với mã ổn định `code`.
"""


def create_app(ops: list[BaseRoute]) -> FastAPI:
    """The gateway's FastAPI app: the public API plus the operations endpoints."""
    app = FastAPI(
        title="tncam gateway",
        summary="Hệ thống camera giám sát tập trung tỉnh Thái Nguyên — public API",
        description=DESCRIPTION,
        version=VERSION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        # One rule for every string parameter, checked before anything else runs.
        dependencies=[Depends(refuse_control_characters)],
        responses=problems.responses(422),  # which any operation can now answer
    )
    app.router.routes.extend(ops)
    for module in (
        auth,
        accounts,
        grants,
        registry,
        reports,
        cameras,
        footage,
        live,
        live_ws,
        exports,
        audit,
        units,
        duties,
        notifications,
        camera_changes,
        onvif,
        holds,
        breaches,
        gaps,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    problems.install(app)
    contract.install(app)
    app.add_middleware(GatewayMiddleware)
    app.add_middleware(ConfiguredCORS)
    app.add_middleware(RequestMetrics)
    mount_live_player(app)
    mount_console(app)
    return app


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[GatewaySettings]) -> AsyncIterator[None]:
    """Open the gateway schema, compose the API state, run the grant-notification outbox
    and the end rules of live sessions."""
    await declare_streams(rt, GATEWAY_STREAM)
    async with open_database(rt.settings, rt.health, migrations=MIGRATIONS) as db:
        metrics = GatewayMetrics(rt.metrics.registry)
        sink = AuditClient(rt.bus.js, service="gateway", namespace=rt.settings.nats_namespace)
        state = build_state(
            rt.settings, db.sessions, rt.bus, audit_sink=MeteredAuditSink(sink, metrics)
        )
        app = rt.http_app
        app.state.metrics = metrics  # type: ignore[attr-defined]
        app.state.gateway = state  # type: ignore[attr-defined]
        rt.every("grant-outbox", 5.0, state.grants.notify_pending)
        rt.every("live-session-ends", rt.settings.live_end_interval_s, state.live.end_due)
        rt.every("rate-limit-prune", 60.0, functools.partial(prune_full_buckets, db.sessions))
        yield
        app.state.gateway = None  # type: ignore[attr-defined]


def main() -> None:
    """Run the gateway."""
    run_service(GatewaySettings, lifespan, app_factory=create_app)
