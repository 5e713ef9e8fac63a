"""A real gateway app in-process, against the session's PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.catalog import (
    AUDIT_EVENT_RECORDED,
    AUDIT_STREAM,
    CAMERA_STREAM,
    GATEWAY_STREAM,
    REGISTRY_GET_CAMERA,
    REGISTRY_LIST_UNITS,
)
from tncam_gateway.app import create_app
from tncam_gateway.domain import totp
from tncam_gateway.domain.policy import mfa_required
from tncam_gateway.domain.roles import Role
from tncam_gateway.service.accounts import bootstrap_admin
from tncam_gateway.service.context import GatewayState, build_state
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import Bus, connect
from tncam_mesh.clock import Clock, utc_now
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.errors import NotFoundError
from tncam_mesh.jetstream import ensure_stream
from tncam_mesh.rpc import RpcService
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer

PASSWORD = "ngựa pin kẹp giấy đúng"


def make_settings(db: MigratedDatabase, nats: NatsServer, ns: str, **kw: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": db.base_url,
        "db_password": db.passwords["gateway"],
        "nats_url": nats.url,
        "nats_namespace": ns,
        "jwt_signing_key": "j" * 48,
        "mfa_encryption_key": "m" * 48,
        "lockout_threshold": 3,
        "lockout_address_threshold": 6,
        "lockout_base_s": 60.0,
        "revocation_cache_s": 1.0,
    }
    values.update(kw)
    return GatewaySettings(**values)


#: Units and sectors the stand-in registry knows besides its cameras' owners and sectors.
UNITS = ("U1", "U2", "U3", "skhcn")
SECTORS = ("traffic", "health")


@dataclass
class Registry:
    """Stands in for the registry's get_camera and list_units operations (the same NATS
    contract; test_wired_services runs the real registry)."""

    cameras: dict[str, rpb.Camera] = field(default_factory=dict)

    def add(self, camera_id: str, unit: str, sectors: Iterable[str] = ()) -> None:
        self.cameras[camera_id] = rpb.Camera(
            id=camera_id,
            name=f"Camera {camera_id}",
            active=True,
            owner_unit_id=unit,
            sectors=list(sectors),
            site_kind="committee_hq",  # every registry camera stands at a site of a kind
        )

    async def get_camera(self, req: rpb.GetCameraRequest) -> rpb.GetCameraReply:
        cam = self.cameras.get(req.id)
        if cam is None:
            raise NotFoundError("registry.get_camera.not_found", f"no camera {req.id}")
        return rpb.GetCameraReply(camera=cam)

    async def list_units(self, req: rpb.ListUnitsRequest) -> rpb.ListUnitsReply:
        units = set(UNITS) | {c.owner_unit_id for c in self.cameras.values()}
        sectors = set(SECTORS).union(*(c.sectors for c in self.cameras.values()))
        return rpb.ListUnitsReply(
            units=[rpb.Unit(id=u, name=u, kind="department") for u in sorted(units)],
            sectors=[rpb.Sector(code=c, name=c) for c in sorted(sectors)],
        )


@dataclass
class Gateway:
    """The app, its state, an HTTP client factory and helpers."""

    state: GatewayState
    app: Any
    bus: Bus
    namespace: str
    registry: Registry
    engine: AsyncEngine

    def client(self, address: str | None = None) -> httpx.AsyncClient:
        addr = address or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
        transport = httpx.ASGITransport(app=self.app, client=(addr, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")

    async def create_account(
        self,
        role: Role,
        *,
        unit: str = "",
        sector: str = "",
        commune: bool = False,
        password: str = PASSWORD,
        mfa: bool | None = None,
    ) -> dict[str, str]:
        """An account ready to log in (password set, no forced change; TOTP enrolled where
        the role requires it unless ``mfa`` says otherwise)."""
        from tncam_gateway.db import accounts as repo
        from tncam_mesh.db import unit_of_work

        name = f"{role.value}.{uuid.uuid4().hex[:10]}"
        auth = self.state.auth
        account_id = str(uuid.uuid4())
        if mfa is None:
            mfa = mfa_required(role, enrolled=False)
        secret = totp.new_secret() if mfa else None
        now = auth.clock()
        encoded = await auth.hash_password(password)
        async with unit_of_work(auth.sessions) as s:
            await repo.insert(
                s,
                id=account_id,
                username=name,
                display_name=f"Cán bộ {name}",
                role=role.value,
                unit_id=unit,
                sector_code=sector,
                unit_is_commune=commune,
                password_hash=encoded,
                password_changed_at=now,
                must_change_password=False,
                mfa_secret_enc=auth.box.seal(secret, context=account_id) if secret else None,
                mfa_confirmed=bool(secret),
                created_at=now,
                updated_at=now,
            )
        return {"id": account_id, "username": name, "password": password, "totp": secret or ""}

    def form(self, account: dict[str, str]) -> dict[str, str]:
        """The password-grant form of ``account``, with its current TOTP code if enrolled."""
        form = {"username": account["username"], "password": account["password"]}
        if account.get("totp"):
            form["totp"] = totp.code_at(account["totp"], totp.step_of(self.state.clock()))
        return form

    async def login(self, account: dict[str, str], http: httpx.AsyncClient | None = None) -> str:
        form = self.form(account)
        async with self.client() if http is None else _Same(http) as c:
            r = await c.post("/api/v1/auth/token", data=form)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def audit_events(self, min_count: int = 1) -> list[apb.AuditEvent]:
        """Every audit event of this namespace, in order."""
        stream = AUDIT_STREAM.scoped(self.namespace).name
        info = await self.bus.js.stream_info(stream)
        events = []
        for seq in range(1, info.state.last_seq + 1):
            msg = await self.bus.js.get_msg(stream, seq)
            events.append(AUDIT_EVENT_RECORDED.decode(msg.data or b""))
        return events


class _Same:
    def __init__(self, c: httpx.AsyncClient) -> None:
        self.c = c

    async def __aenter__(self) -> httpx.AsyncClient:
        return self.c

    async def __aexit__(self, *a: object) -> None:
        return None


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def gateway_factory(
    migrated_database: MigratedDatabase, nats_server: NatsServer, namespace: str
) -> AsyncIterator[Callable[..., Any]]:
    made: list[tuple[Bus, AsyncEngine, RpcService]] = []
    registry = Registry()

    async def make(
        *, audit_namespace: str | None = None, clock: Clock = utc_now, **kw: Any
    ) -> Gateway:
        settings = make_settings(migrated_database, nats_server, namespace, **kw)
        bus = await connect(nats_server.url, name=f"gw-test-{uuid.uuid4().hex[:6]}")
        for spec in (AUDIT_STREAM, GATEWAY_STREAM, CAMERA_STREAM):
            await ensure_stream(bus.js, spec.scoped(namespace))
        engine = create_engine(
            service_url(
                migrated_database.base_url,
                user="tncam_gateway",
                password=migrated_database.passwords["gateway"],
            ),
            schema="gateway",
            pool_size=5,
            application_name="gw-test",
        )
        sink = (
            AuditClient(bus.js, service="gateway", namespace=audit_namespace)
            if audit_namespace is not None
            else None
        )
        state = build_state(settings, session_factory(engine), bus, clock=clock, audit_sink=sink)
        rpc = RpcService(bus, name="registry", version="0.0.1", namespace=namespace)
        if not made:
            await rpc.start()
            await rpc.add(REGISTRY_GET_CAMERA, rpb.GetCameraRequest, registry.get_camera)
            await rpc.add(REGISTRY_LIST_UNITS, rpb.ListUnitsRequest, registry.list_units)
        made.append((bus, engine, rpc))
        app = create_app([])
        app.state.gateway = state
        return Gateway(state, app, bus, namespace, registry, engine)

    yield make
    for i, (bus, engine, rpc) in enumerate(made):
        if i == 0:
            await rpc.stop()
        await bus.close()
        await engine.dispose()
    await asyncio.sleep(0)


@pytest.fixture
async def gw(gateway_factory: Callable[..., Any]) -> Gateway:
    g: Gateway = await gateway_factory()
    return g


__all__ = ["PASSWORD", "Gateway", "auth", "bootstrap_admin"]
