"""Live view through the gateway: POST /api/v1/live, WHEP relayed over the real NATS to a
responder that plays the live edge's side of the contract, and sessions ended within 5 s."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import LIVE_OPEN_SESSION, LIVE_SESSION_CONTROL
from tncam_gateway.domain.roles import Role
from tncam_mesh.bus import Bus, connect
from tncam_mesh.clock import utc_now
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.periodic import run_every
from tncam_mesh.rpc import RpcService
from tncam_testkit.nats import NatsServer

from .conftest import Gateway, auth

pytestmark = pytest.mark.integration

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
ANSWER = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=tncam-live\r\nt=0 0\r\n"
FRAG = "a=ice-ufrag:abcd\r\na=ice-pwd:efgh\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
SDP = {"content-type": "application/sdp"}
TRICKLE = {"content-type": "application/trickle-ice-sdpfrag"}


@dataclass
class EdgeStandIn:
    """The live edge's side of the contract on the real NATS: answers open_session on the
    queue group (any replica) and control requests on its own replica subject."""

    bus: Bus
    namespace: str
    replica_id: str = "live-test-1"
    opens: list[session_pb2.OpenLiveSessionRequest] = field(default_factory=list)
    controls: list[tuple[float, session_pb2.LiveSessionControl]] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    refuse: TncamError | None = None
    rpc: RpcService | None = None
    closed: defaultdict[str, asyncio.Event] = field(
        default_factory=lambda: defaultdict(asyncio.Event)
    )

    async def start(self) -> None:
        self.rpc = RpcService(self.bus, name="live", version="0.0.1", namespace=self.namespace)
        await self.rpc.start()
        await self.rpc.add(LIVE_OPEN_SESSION, session_pb2.OpenLiveSessionRequest, self.open)
        subject = LIVE_SESSION_CONTROL.subject(self.replica_id, namespace=self.namespace)
        await self.bus.nc.subscribe(subject, cb=self.control)

    async def stop_answering_opens(self) -> None:
        assert self.rpc is not None
        await self.rpc.stop()

    async def open(
        self, req: session_pb2.OpenLiveSessionRequest
    ) -> session_pb2.OpenLiveSessionReply:
        self.opens.append(req)
        if self.refuse is not None:
            raise self.refuse
        self.held.add(req.session_id)
        return session_pb2.OpenLiveSessionReply(
            answer_sdp=ANSWER,
            replica_id=self.replica_id,
            codec_path=session_pb2.CODEC_PATH_PASSTHROUGH_H264,
        )

    async def control(self, msg: Any) -> None:
        c = session_pb2.LiveSessionControl.FromString(msg.data)
        self.controls.append((time.monotonic(), c))
        found = c.session_id in self.held
        if c.WhichOneof("action") == "close_reason":
            self.held.discard(c.session_id)
            self.closed[c.session_id].set()
        await msg.respond(session_pb2.LiveSessionControlReply(found=found).SerializeToString())

    def closes(self, session_id: str) -> list[tuple[float, str]]:
        return [
            (t, c.close_reason)
            for t, c in self.controls
            if c.session_id == session_id and c.WhichOneof("action") == "close_reason"
        ]


@pytest.fixture
async def edge(nats_server: NatsServer, namespace: str) -> AsyncIterator[EdgeStandIn]:
    bus = await connect(nats_server.url, name="live-edge-stand-in")
    stand_in = EdgeStandIn(bus, namespace)
    await stand_in.start()
    yield stand_in
    if stand_in.rpc is not None:
        await stand_in.rpc.stop()
    await bus.close()


@dataclass
class SkewClock:
    """The wall clock moved by ``offset`` (to let tokens expire without waiting)."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@pytest.fixture
def clock() -> SkewClock:
    return SkewClock()


@pytest.fixture
async def gw(gateway_factory: Callable[..., Any], clock: SkewClock) -> AsyncIterator[Gateway]:
    g: Gateway = await gateway_factory(clock=clock, cors_origins=["https://console.test"])
    # The end loop, as the app runs it (rt.every, 1 s, the one periodic policy).
    stop = asyncio.Event()
    loop = asyncio.create_task(run_every("live-session-ends", 1.0, g.state.live.end_due, stop=stop))
    yield g
    stop.set()
    await loop


async def add_camera(gw: Gateway, unit: str, sectors: tuple[str, ...] = ()) -> str:
    camera_id = f"cam-{uuid.uuid4().hex[:8]}"
    gw.registry.add(camera_id, unit, sectors)
    return camera_id


async def ticket(c: httpx.AsyncClient, token: str, cam: str, **kw: Any) -> dict[str, Any]:
    r = await c.post(
        "/api/v1/live", headers=auth(token), json={"camera_id": cam, "purpose": "public_order"} | kw
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def whep_open(c: httpx.AsyncClient, t: dict[str, Any]) -> httpx.Response:
    return await c.post(t["whep_url"], headers=auth(t["token"]) | SDP, content=OFFER)


async def row_state(gw: Gateway, session_id: str) -> tuple[str, str]:
    async with gw.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text("SELECT state, end_reason FROM live_sessions WHERE id = :id"),
                {"id": session_id},
            )
        ).one()
    return str(row.state), str(row.end_reason)


async def test_purpose_scope_and_grants(gw: Gateway, edge: EdgeStandIn) -> None:
    cam = await add_camera(gw, "U1", ("traffic",))
    own = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    other = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U2"))
    sector = await gw.login(await gw.create_account(Role.SECTOR_OPERATOR, sector="traffic"))
    admin = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    async with gw.client() as c:
        r = await c.post("/api/v1/live", headers=auth(own), json={"camera_id": cam})
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "gateway.footage.purpose_required"
        body = {"camera_id": cam, "purpose": "other"}
        r = await c.post("/api/v1/live", headers=auth(own), json=body)
        assert r.json()["code"] == "gateway.footage.purpose_text_required"
        body = {"camera_id": cam, "purpose": "public_order", "stream": "thumb"}
        assert (await c.post("/api/v1/live", headers=auth(own), json=body)).status_code == 422
        # Another unit's camera answers exactly as an unknown camera does.
        unknown = await c.post(
            "/api/v1/live",
            headers=auth(other),
            json={"camera_id": "no-such-cam", "purpose": "public_order"},
        )
        r = await c.post(
            "/api/v1/live", headers=auth(other), json={"camera_id": cam, "purpose": "public_order"}
        )
        assert r.status_code == unknown.status_code == 404
        assert r.json()["code"] == unknown.json()["code"] == "gateway.camera.not_found"
        assert r.json()["detail"] == unknown.json()["detail"]
        await ticket(c, sector, cam, purpose="traffic_safety")
        t = await ticket(c, own, cam, stream="sub")
        assert t["stream"] == "sub"
        assert t["whep_url"] == f"/api/v1/live/{t['session_id']}/whep"
        # The central operator: refused without a grant, allowed with one.
        r = await c.post(
            "/api/v1/live", headers=auth(admin), json={"camera_id": cam, "purpose": "public_order"}
        )
        assert r.status_code == 403
        assert r.json()["code"] == "gateway.authz.grant_required"
        grant = await issue_grant(gw, c, admin, cam)
        t = await ticket(c, admin, cam, grant_id=grant["id"])
        assert (await whep_open(c, t)).status_code == 201
    assert [o.session_id for o in edge.opens] == [t["session_id"]]
    events = await gw.audit_events()
    denied = [e for e in events if e.action == "footage.live_view.denied"]
    assert {e.error_code for e in denied} >= {
        "gateway.authz.out_of_scope",
        "gateway.authz.grant_required",
    }
    by_grant = [e for e in events if e.action == "footage.live_view.accessed" and e.grant_id]
    assert [e.grant_id for e in by_grant] == [grant["id"]]
    assert by_grant[0].legal_basis == apb.LEGAL_BASIS_EMERGENCY_COMMAND


async def issue_grant(
    gw: Gateway, c: httpx.AsyncClient, admin: str, cam: str, hours: int = 2
) -> dict[str, Any]:
    now = gw.state.clock()
    body = {
        "legal_basis": "emergency_command",
        "ticket_id": "CC-113",
        "reason": "Chỉ huy ứng cứu sự cố khẩn cấp",
        "camera_ids": [cam],
        "footage_from": (now - timedelta(hours=1)).isoformat(),
        "footage_to": (now + timedelta(hours=hours)).isoformat(),
        "scopes": ["view"],
        "expires_at": (now + timedelta(hours=hours)).isoformat(),
    }
    r = await c.post("/api/v1/grants", headers=auth(admin), json=body)
    assert r.status_code == 201, r.text
    grant: dict[str, Any] = r.json()
    return grant


async def test_whep_relayed_to_the_edge_after_the_access_is_recorded(
    gw: Gateway, edge: EdgeStandIn
) -> None:
    cam = await add_camera(gw, "U1")
    user = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    jwt = await gw.login(user)
    async with gw.client() as c:
        t = await ticket(c, jwt, cam, stream="sub")
        # Recorded in the processing log before the token was handed out; nothing relayed yet.
        events = {e.event_id: e for e in await gw.audit_events()}
        e = events[t["audit_event_id"]]
        assert e.action == "footage.live_view.accessed"
        assert e.purpose_code == apb.PURPOSE_CODE_PUBLIC_ORDER
        assert e.actor.id == user["id"]
        assert t["session_id"] in e.after_json
        assert edge.opens == []
        whep = t["whep_url"]
        # Content type, token: the live token only, for this session only.
        r = await c.post(
            whep, headers=auth(t["token"]) | {"content-type": "text/plain"}, content=OFFER
        )
        assert r.status_code == 415
        assert r.json()["code"] == "gateway.live.unsupported_media_type"
        r = await c.post(whep, headers=SDP, content=OFFER)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "gateway.live.invalid_token"
        assert (await c.post(whep, headers=auth(jwt) | SDP, content=OFFER)).status_code == 401
        other = await ticket(c, jwt, cam)
        r = await c.post(whep, headers=auth(other["token"]) | SDP, content=OFFER)
        assert r.status_code == 401
        assert edge.opens == []
        # The offer, relayed; the answer and the session resource.
        r = await whep_open(c, t)
        assert r.status_code == 201, r.text
        assert r.headers["content-type"] == "application/sdp"
        assert r.text == ANSWER
        assert r.headers["x-tncam-codec-path"] == "passthrough_h264"  # the stand-in's path
        location = r.headers["location"]
        assert location == f"{whep}/session"
        (req,) = edge.opens
        assert req.session_id == t["session_id"]
        assert req.camera_id == cam
        assert req.stream == live_pb2.LIVE_STREAM_SUB
        assert req.offer_sdp == OFFER
        assert req.account_id == user["id"]
        expires = datetime.fromisoformat(t["expires_at"])
        assert abs(req.expires_at.ToDatetime(UTC) - expires) < timedelta(milliseconds=1)
        # A token opens one session.
        r = await whep_open(c, t)
        assert r.status_code == 409
        assert r.json()["code"] == "gateway.live.already_opened"
        # Trickle ICE and DELETE go to the replica that holds the session.
        r = await c.patch(location, headers=auth(t["token"]) | SDP, content=FRAG)
        assert r.status_code == 415
        r = await c.patch(location, headers=auth(t["token"]) | TRICKLE, content=FRAG)
        assert r.status_code == 204, r.text
        assert edge.controls[-1][1].trickle_sdpfrag == FRAG
        edge.held.discard(t["session_id"])  # the replica no longer holds it: 404
        r = await c.patch(location, headers=auth(t["token"]) | TRICKLE, content=FRAG)
        assert r.status_code == 404
        edge.held.add(t["session_id"])
        r = await c.delete(location, headers=auth(t["token"]))
        assert r.status_code == 200, r.text
        assert [why for _, why in edge.closes(t["session_id"])] == ["closed_by_viewer"]
        r = await c.patch(location, headers=auth(t["token"]) | TRICKLE, content=FRAG)
        assert r.status_code == 404
        assert (await c.delete(location, headers=auth(t["token"]))).status_code == 404
    assert await row_state(gw, t["session_id"]) == ("ended", "closed_by_viewer")
    ended = [e for e in await gw.audit_events() if e.action == "footage.live_view.ended"]
    assert any(
        t["session_id"] in e.after_json and "closed_by_viewer" in e.after_json for e in ended
    )


async def test_options_and_cors(gw: Gateway, edge: EdgeStandIn) -> None:
    whep = f"/api/v1/live/{'x' * 32}/whep"
    async with gw.client() as c:
        r = await c.options(whep)
        assert r.status_code == 204
        assert r.headers["accept-post"] == "application/sdp"
        r = await c.options(
            whep,
            headers={
                "origin": "https://console.test",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://console.test"
        assert "POST" in r.headers["access-control-allow-methods"]
        assert r.headers["accept-post"] == "application/sdp"
        r = await c.options(
            whep,
            headers={"origin": "https://evil.test", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in r.headers
        r = await c.post(whep, headers={"origin": "https://console.test"} | SDP, content=OFFER)
        assert r.status_code == 401
        assert "Location" in r.headers["access-control-expose-headers"]


async def test_audit_down_means_503_no_token_and_nothing_relayed(
    gw: Gateway, gateway_factory: Any, edge: EdgeStandIn
) -> None:
    cam = await add_camera(gw, "U1")
    jwt = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    dead: Gateway = await gateway_factory(audit_namespace=f"noaudit{uuid.uuid4().hex[:8]}")
    async with dead.client() as c:
        r = await c.post(
            "/api/v1/live", headers=auth(jwt), json={"camera_id": cam, "purpose": "public_order"}
        )
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "gateway.audit.unavailable"
    assert "token" not in r.json()
    assert "whep_url" not in r.text
    await asyncio.sleep(0.2)
    assert edge.opens == []
    async with gw.engine.connect() as conn:
        count = await conn.scalar(
            sa.text("SELECT count(*) FROM live_sessions WHERE camera_id = :c"), {"c": cam}
        )
    assert count == 0


async def test_edge_capacity_and_no_edge_are_503_with_retry_after(
    gw: Gateway, edge: EdgeStandIn
) -> None:
    cam = await add_camera(gw, "U1")
    jwt = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    async with gw.client() as c:
        t = await ticket(c, jwt, cam)
        edge.refuse = UnavailableError("live.capacity", "replica full", retryable=True)
        r = await whep_open(c, t)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "5"
        assert r.json()["code"] == "live.capacity"
        assert r.json()["retryable"] is True
        edge.refuse = UnavailableError("live.camera_unavailable", "no packets")
        r = await whep_open(c, t)
        assert r.status_code == 503
        assert r.json()["code"] == "live.camera_unavailable"
        # Refused offers leave the token usable: the retry opens the session.
        edge.refuse = None
        assert (await whep_open(c, t)).status_code == 201
        t2 = await ticket(c, jwt, cam)
        await edge.stop_answering_opens()
        r = await whep_open(c, t2)
        assert r.status_code == 503
        assert r.json()["code"] == "gateway.live.unavailable"
        assert r.headers["retry-after"] == "5"


async def _disable(gw: Gateway, c: httpx.AsyncClient, user: dict[str, str]) -> None:
    admin = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    r = await c.post(
        f"/api/v1/accounts/{user['id']}/disable",
        headers=auth(admin),
        json={"reason": "Chuyển công tác"},
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "trigger", ["logged_out", "account_disabled", "grant_revoked", "token_expired"]
)
async def test_session_closed_at_the_edge_within_5_s(
    gw: Gateway, edge: EdgeStandIn, clock: SkewClock, trigger: str
) -> None:
    cam = await add_camera(gw, "U1")
    role = Role.PROVINCE_ADMIN if trigger == "grant_revoked" else Role.UNIT_OPERATOR
    user = await gw.create_account(role, unit="" if role is Role.PROVINCE_ADMIN else "U1")
    jwt = await gw.login(user)
    async with gw.client() as c:
        grant = await issue_grant(gw, c, jwt, cam) if trigger == "grant_revoked" else None
        extra = {"grant_id": grant["id"]} if grant else {}
        t = await ticket(c, jwt, cam, **extra)
        assert (await whep_open(c, t)).status_code == 201
        unused = await ticket(c, jwt, cam, **extra)  # issued, never opened
        await asyncio.sleep(1.2)  # a round of the loop: nothing to end yet
        assert edge.closes(t["session_id"]) == []
        started = time.monotonic()
        if trigger == "logged_out":
            assert (await c.post("/api/v1/auth/logout", headers=auth(jwt))).status_code == 204
        elif trigger == "account_disabled":
            await _disable(gw, c, user)
        elif trigger == "grant_revoked":
            assert grant is not None
            r = await c.post(f"/api/v1/grants/{grant['id']}/revoke", headers=auth(jwt))
            assert r.status_code == 200
        else:
            clock.offset = timedelta(minutes=11)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(edge.closed[t["session_id"]].wait(), 5)
        closes = edge.closes(t["session_id"])
        assert closes, f"no close within 5 s after {trigger}"
        took = closes[0][0] - started
        print(f"{trigger}: close received {took:.2f} s after the trigger")
        assert took < 5
        assert closes[0][1] == trigger
        assert t["session_id"] not in edge.held
        # The never-opened token of the same session cannot open anything now.
        r = await whep_open(c, unused)
        assert r.status_code == 401
    for _ in range(50):
        if (await row_state(gw, unused["session_id"]))[0] == "ended":
            break
        await asyncio.sleep(0.1)
    assert await row_state(gw, t["session_id"]) == ("ended", trigger)
    assert (await row_state(gw, unused["session_id"]))[1] == trigger
    ended = [e for e in await gw.audit_events() if e.action == "footage.live_view.ended"]
    mine = [e for e in ended if t["session_id"] in e.after_json]
    assert len(mine) == 1
    assert f'"reason": "{trigger}"' in mine[0].after_json
    assert list(mine[0].target.cameras.camera_ids) == [cam]
    assert mine[0].actor.id == "gateway"
