"""Live view without WebRTC through the gateway (docs/adr/0023): an MSE session over a
WebSocket served by uvicorn, relayed from a stand-in live edge on the real NATS, with the
live token in the subprotocol, once per token, and closed within 5 s of a logout."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tncam.live.v1 import session_pb2
from tncam_contracts.catalog import LIVE_MEDIA
from tncam_gateway.domain.roles import Role
from tncam_mesh.bus import connect as bus_connect
from tncam_mesh.periodic import run_every
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port

from .conftest import Gateway, auth
from .test_live import EdgeStandIn, add_camera, row_state, ticket

pytestmark = pytest.mark.integration

Segment = session_pb2.LiveMediaSegment
MIME = 'video/mp4; codecs="avc1.42c01e"'
CODECS = "avc1.42e01e,avc1.64001f"


@dataclass
class MseEdgeStandIn(EdgeStandIn):
    """The stand-in edge, answering MSE opens and publishing the session's segments (an
    init, then fragments with a keyframe every 10) until closed."""

    publishers: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def open(
        self, req: session_pb2.OpenLiveSessionRequest
    ) -> session_pb2.OpenLiveSessionReply:
        reply = await super().open(req)
        if req.transport == session_pb2.LIVE_TRANSPORT_MSE:
            reply.answer_sdp = ""
            reply.mime_type = MIME
            self.publishers[req.session_id] = asyncio.create_task(self._publish(req.session_id))
        return reply

    async def _publish(self, session_id: str) -> None:
        subject = LIVE_MEDIA.subject(session_id, namespace=self.namespace)
        seq = 0

        async def send(segment: Segment) -> None:
            nonlocal seq
            segment.session_id, segment.sequence = session_id, seq
            seq += 1
            await self.bus.nc.publish(subject, segment.SerializeToString())

        await send(Segment(kind=Segment.KIND_INIT, data=b"init", mime_type=MIME))
        n = 0
        while session_id in self.held:
            await send(
                Segment(
                    kind=Segment.KIND_FRAGMENT,
                    data=b"frag-%d" % n,
                    keyframe=n % 10 == 0,
                    capture_time_unix_ns=time.time_ns(),
                )
            )
            n += 1
            await asyncio.sleep(0.02)
        await send(Segment(kind=Segment.KIND_END, end_reason="closed"))

    def keepalives(self, session_id: str) -> int:
        return sum(
            1
            for _, c in self.controls
            if c.session_id == session_id and c.WhichOneof("action") == "keepalive"
        )


@pytest.fixture
async def mse_edge(nats_server: NatsServer, namespace: str) -> AsyncIterator[MseEdgeStandIn]:
    bus = await bus_connect(nats_server.url, name="live-edge-stand-in")
    stand_in = MseEdgeStandIn(bus, namespace)
    await stand_in.start()
    yield stand_in
    for task in stand_in.publishers.values():
        task.cancel()
    if stand_in.rpc is not None:
        await stand_in.rpc.stop()
    await bus.close()


@pytest.fixture
async def served(gateway_factory: Callable[..., Any]) -> AsyncIterator[tuple[Gateway, str]]:
    """The gateway served by uvicorn (WebSockets need a real server), its end loop running."""
    g: Gateway = await gateway_factory(live_ws_keepalive_s=0.3)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(g.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    stop = asyncio.Event()
    loop = asyncio.create_task(run_every("live-session-ends", 1.0, g.state.live.end_due, stop=stop))
    while not server.started:  # noqa: ASYNC110 - uvicorn has no event for it
        await asyncio.sleep(0.02)
    yield g, f"ws://127.0.0.1:{port}"
    stop.set()
    await loop
    server.should_exit = True
    await task


def ws(base: str, t: dict[str, Any], protocols: list[str] | None = None) -> Any:
    return connect(
        f"{base}{t['ws_url']}?codecs={CODECS}",
        subprotocols=(protocols if protocols is not None else ["tncam-live", t["token"]]) or None,
        open_timeout=10,
    )


async def frames(sock: ClientConnection, count: int) -> list[str | bytes]:
    out: list[str | bytes] = []
    async with asyncio.timeout(10):
        while len(out) < count:
            out.append(await sock.recv())
    return out


async def drain(sock: ClientConnection, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            await sock.recv()


async def test_mse_over_websocket_token_in_subprotocol_once_per_token(
    served: tuple[Gateway, str], mse_edge: MseEdgeStandIn
) -> None:
    gw, base = served
    cam = await add_camera(gw, "U1")
    jwt = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    async with gw.client() as c:
        t = await ticket(c, jwt, cam)
        other = await ticket(c, jwt, cam)
        for protocols in (
            [],  # no token
            ["tncam-live", "not-a-token"],
            ["tncam-live", other["token"]],  # another session's token
            ["tncam-live", t["token"], "x"],
        ):
            with pytest.raises(InvalidStatus) as e:
                async with ws(base, t, protocols):
                    pass
            assert e.value.response.status_code == 401
            assert b"gateway.live.invalid_token" in e.value.response.body
        assert mse_edge.opens == []
        async with ws(base, t) as sock:
            assert sock.subprotocol == "tncam-live"  # never the token echoed back
            got = await frames(sock, 8)
            opened = json.loads(got[0])
            assert t["ws_url"] == f"/api/v1/live/{t['session_id']}/ws"
            assert opened == {
                "type": "open",
                "session_id": t["session_id"],
                "mime_type": MIME,
                "codec_path": "passthrough_h264",
            }
            assert json.loads(got[1]) == {"type": "init", "mime_type": MIME}
            assert got[2] == b"init"
            binary = [f for f in got[3:] if isinstance(f, bytes)]
            assert binary[0] == b"frag-0"
            clocks = [json.loads(f) for f in got[3:] if isinstance(f, str)]
            assert all(c["type"] == "clock" and c["capture_ms"] > 0 for c in clocks)
            [req] = mse_edge.opens
            assert req.transport == session_pb2.LIVE_TRANSPORT_MSE
            assert list(req.mse_codecs) == CODECS.split(",")
            assert req.offer_sdp == ""
            # Once per token: a second socket with the same token is refused after the
            # handshake with 4409 and the problem code.
            async with ws(base, t) as again:
                with pytest.raises(ConnectionClosed) as closed:
                    await again.recv()
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 4409
                assert closed.value.rcvd.reason == "gateway.live.already_opened"
            await asyncio.sleep(0.8)
            assert mse_edge.keepalives(t["session_id"]) >= 2
        # The viewer left: the session is ended at the edge and recorded.
        async with asyncio.timeout(5):
            await mse_edge.closed[t["session_id"]].wait()
    for _ in range(50):
        if (await row_state(gw, t["session_id"]))[0] == "ended":
            break
        await asyncio.sleep(0.1)
    assert await row_state(gw, t["session_id"]) == ("ended", "closed_by_viewer")
    assert len(mse_edge.opens) == 1


async def test_websocket_closed_within_5_s_of_logout(
    served: tuple[Gateway, str], mse_edge: MseEdgeStandIn
) -> None:
    gw, base = served
    cam = await add_camera(gw, "U1")
    jwt = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    async with gw.client() as c:
        t = await ticket(c, jwt, cam)
        async with ws(base, t) as sock:
            await frames(sock, 5)
            started = time.monotonic()
            assert (await c.post("/api/v1/auth/logout", headers=auth(jwt))).status_code == 204
            with pytest.raises(ConnectionClosed) as closed:
                await drain(sock, 5)
            took = time.monotonic() - started
            print(f"logout: websocket closed {took:.2f} s after the trigger")
            assert took < 5
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4410
            # The edge's end marker, or its keepalive answer (no longer held), whichever first.
            assert closed.value.rcvd.reason in ("live.ended.closed", "live.ended.not_held")
    assert mse_edge.closes(t["session_id"])[0][1] == "logged_out"
