"""Live view without WebRTC: an MSE session over a WebSocket (docs/adr/0023).

``GET /api/v1/live/{session_id}/ws`` with the subprotocols ``tncam-live, <live token>``:
browsers cannot set ``Authorization`` on a WebSocket, and a token in the URL would land in
access logs, so the token travels in ``Sec-WebSocket-Protocol`` (the server answers with
``tncam-live`` only, never echoing the token). The token is checked as for the WHEP POST
(same claims, the login session still valid) before the handshake is accepted: a bad one is
refused with HTTP 401 (problem details). After the handshake:

1. a text frame ``{"type": "open", "mime_type", "codec_path", "session_id"}``;
2. binary frames: the fMP4 init segment, then one fragment (moof+mdat) per access unit from a
   keyframe; before every init segment a text frame ``{"type": "init", "mime_type"}``, and
   about once a second ``{"type": "clock", "capture_ms"}`` before a fragment (the capture
   time of its picture, for glass-to-glass measurement);
3. the close: ``4000 + HTTP status`` with the problem code as reason when the session cannot
   be opened (4409 already opened, 4422 no codec in common, 4503 capacity or camera
   unavailable), 4410 ``live.ended.<reason>`` when the session ended (logout, disable,
   revocation, expiry, closed at the edge), 1011 on an internal error.

``?codecs=`` lists the RFC 6381 codecs the viewer's MediaSource accepts (comma-separated).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from tncam.live.v1 import session_pb2
from tncam_gateway.api.problems import problem
from tncam_gateway.service.context import GatewayState
from tncam_gateway.service.live_relay import MseRelay
from tncam_mesh.errors import TncamError

log = logging.getLogger("tncam.gateway.live_ws")

router = APIRouter(tags=["live"])

PROTOCOL = "tncam-live"
#: Close codes (RFC 6455 private range): 4000 + HTTP status of a refusal; the end of a session.
CLOSE_ENDED = 4410
CLOSE_INTERNAL = 1011
_CODECS = re.compile(r"^[A-Za-z0-9.]{4,40}$")
_CLOCK_EVERY_NS = 1_000_000_000

Segment = session_pb2.LiveMediaSegment


def _token(ws: WebSocket) -> str:
    protocols: list[str] = list(ws.scope.get("subprotocols") or [])
    if len(protocols) == 2 and protocols[0] == PROTOCOL:
        return protocols[1]
    return ""


def _codecs(ws: WebSocket) -> list[str]:
    raw = ws.query_params.get("codecs", "")
    return [c for c in (p.strip() for p in raw.split(",")[:8]) if _CODECS.match(c)]


async def _refuse(ws: WebSocket, error: TncamError) -> None:
    """The handshake refused with the error's HTTP status and problem details."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(
            problem(error.http_status, error.code, str(error), instance=ws.url.path)
        )
    else:  # a server without the denial extension: the handshake fails (HTTP 403)
        await ws.close(code=4000 + error.http_status, reason=error.code)


def _reason(text: str) -> str:
    return text.encode("utf-8")[:123].decode("utf-8", "ignore")


@router.websocket("/live/{session_id}/ws")
async def live_ws(websocket: WebSocket, session_id: str) -> None:
    """Relay an MSE session of the live edge to the viewer (see the module's doc)."""
    gw: GatewayState | None = getattr(websocket.app.state, "gateway", None)
    if gw is None:
        await websocket.close(code=1013, reason="starting")
        return
    config = gw.live.config
    relay = MseRelay(
        gw.live,
        session_id,
        _token(websocket),
        queue_frames=config.ws_queue_frames,
        keepalive_s=config.ws_keepalive_s,
    )
    try:
        await relay.verify()
    except TncamError as e:
        await _refuse(websocket, e)
        return
    await websocket.accept(subprotocol=PROTOCOL)
    try:
        opened = await relay.open(_codecs(websocket))
    except TncamError as e:
        await websocket.close(code=4000 + e.http_status, reason=_reason(e.code))
        return
    by_viewer = True
    try:
        await websocket.send_text(
            json.dumps(
                {
                    "type": "open",
                    "session_id": session_id,
                    "mime_type": opened.mime_type,
                    "codec_path": opened.codec_path.removeprefix("CODEC_PATH_").lower(),
                }
            )
        )
        end = await _relay(websocket, relay)
        if end is not None:
            by_viewer = False
            await websocket.close(code=CLOSE_ENDED, reason=_reason(f"live.ended.{end}"))
    except (WebSocketDisconnect, RuntimeError):
        pass  # the viewer left (or the socket broke under a send)
    except Exception:
        log.exception("live websocket relay failed", extra={"live_session_id": session_id})
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=CLOSE_INTERNAL, reason="internal")
    finally:
        await relay.close(by_viewer=by_viewer)
        if relay.dropped:
            log.info(
                "live websocket dropped %d fragments (slow viewer)",
                relay.dropped,
                extra={"live_session_id": session_id},
            )


async def _relay(ws: WebSocket, relay: MseRelay) -> str | None:
    """Send segments until the session ends (its reason) or the viewer leaves (None)."""
    left = asyncio.ensure_future(_until_viewer_leaves(ws))
    try:
        last_clock = 0
        while True:
            step = asyncio.ensure_future(relay.next())
            done, _ = await asyncio.wait({step, left}, return_when=asyncio.FIRST_COMPLETED)
            if left in done:
                step.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await step
                return None
            segment = step.result()
            if segment.kind == Segment.KIND_END:
                return segment.end_reason or "ended"
            if segment.kind == Segment.KIND_INIT:
                await ws.send_text(json.dumps({"type": "init", "mime_type": segment.mime_type}))
            elif segment.capture_time_unix_ns - last_clock >= _CLOCK_EVERY_NS:
                last_clock = segment.capture_time_unix_ns
                await ws.send_text(
                    json.dumps({"type": "clock", "capture_ms": last_clock / 1_000_000})
                )
            await ws.send_bytes(segment.data)
    finally:
        left.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await left


async def _until_viewer_leaves(ws: WebSocket) -> None:
    """Read (and ignore) what the viewer sends until it disconnects."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
