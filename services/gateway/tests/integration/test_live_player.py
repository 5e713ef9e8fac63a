"""The live player module in a real headless Chromium, against a stand-in WHEP server.

The page and the module are served by the gateway's real static mount (its CSP included); the
stand-in answers ``POST /api/v1/live`` and WHEP as the gateway does, with a real aiortc peer
that sends H.264. What it proves is the player's own behaviour: codec order, the WHEP flow,
the states it shows, renewal before the token expires without a gap, reconnection after a
lost connection, and DELETE on stop. tests/e2e/test_live_browser.py plays real cameras
through the real gateway and live edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import httpx
import pytest
import uvicorn
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from playwright.async_api import Page

from tncam_gateway.api.static import CSP, mount_live_player
from tncam_testkit.browser import chromium, console_of
from tncam_testkit.procs import free_port

pytestmark = pytest.mark.integration

USER_TOKEN = "user-access-token"
PAGE = "/live-player/live/index.html"


class Camera(VideoStreamTrack):
    """aiortc's test picture, held back while the camera is "lost"."""

    def __init__(self, signal: asyncio.Event) -> None:
        super().__init__()
        self.signal = signal

    async def recv(self) -> VideoFrame:
        await self.signal.wait()
        frame: VideoFrame = await super().recv()
        return frame


@dataclass
class StandIn:
    """A stand-in for the gateway's live endpoints (one aiortc peer per WHEP session)."""

    ttl_s: float = 600.0
    # Answers to give to the next POST /api/v1/live calls before any success.
    refusals: list[tuple[int, str, int]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    live_calls: int = 0
    peers: dict[str, RTCPeerConnection] = field(default_factory=dict)
    signal: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.signal.set()

    def app(self) -> FastAPI:
        app = FastAPI()
        mount_live_player(app)
        app.add_api_route("/api/v1/live", self.open_live, methods=["POST"])
        app.add_api_route("/api/v1/live/{sid}/whep", self.whep, methods=["POST"])
        app.add_api_route("/api/v1/live/{sid}/whep/session", self.delete, methods=["DELETE"])
        return app

    async def open_live(self, request: Request) -> Response:
        self.live_calls += 1
        assert request.headers["authorization"] == f"Bearer {USER_TOKEN}"
        body = await request.json()
        assert body["camera_id"] == "CAM-01-001"
        assert body["purpose"] == "public_order"
        if self.refusals:
            status, code, retry_after = self.refusals.pop(0)
            headers = {"Retry-After": str(retry_after)} if retry_after else {}
            problem = {"status": status, "code": code, "detail": f"chi tiết {code}"}
            return JSONResponse(problem, status, headers, media_type="application/problem+json")
        sid = secrets.token_urlsafe(16)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.ttl_s)
        out = {
            "session_id": sid,
            "whep_url": f"/api/v1/live/{sid}/whep",
            "token": f"live-{sid}",
            "expires_at": expires.isoformat(),
        }
        return JSONResponse(out, 201)

    async def whep(self, sid: str, request: Request) -> Response:
        assert request.headers["authorization"] == f"Bearer live-{sid}"
        assert request.headers["content-type"] == "application/sdp"
        offer = (await request.body()).decode()
        self.offers.append(offer)
        pc = RTCPeerConnection()
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        pc.addTrack(Camera(self.signal))
        await pc.setLocalDescription(await pc.createAnswer())
        self.peers[sid] = pc
        self.opened.append(sid)
        headers = {"Location": f"/api/v1/live/{sid}/whep/session", "X-Tncam-Codec-Path": "stub"}
        return Response(pc.localDescription.sdp, 201, headers, media_type="application/sdp")

    async def delete(self, sid: str, request: Request) -> Response:
        assert request.headers["authorization"] == f"Bearer live-{sid}"
        self.deleted.append(sid)
        if (pc := self.peers.pop(sid, None)) is not None:
            await pc.close()
        return Response(status_code=200)

    async def drop(self, sid: str) -> None:
        """The edge loses the session (crash): its peer goes away without a word."""
        if (pc := self.peers.pop(sid, None)) is not None:
            await pc.close()

    async def close(self) -> None:
        for pc in self.peers.values():
            await pc.close()
        self.peers.clear()


@pytest.fixture
def loopback_ice() -> Iterator[None]:
    """aioice offers 127.0.0.1 (it never does by itself), as the live edge does in tests."""
    ice: Any = aioice.ice
    original = ice.get_host_addresses
    ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    try:
        yield
    finally:
        ice.get_host_addresses = original


@contextlib.asynccontextmanager
async def serving(stand_in: StandIn) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        stand_in.app(), host="127.0.0.1", port=port, log_level="warning", ws="none",
        lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the stand-in server did not start"
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await stand_in.close()


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def state_of(page: Page) -> str:
    return str(await page.get_attribute("#state", "data-state"))


async def open_page(page: Page, base: str) -> None:
    fragment = f"camera=CAM-01-001&purpose=public_order&token={USER_TOKEN}&autostart=1"
    await page.goto(f"{base}{PAGE}#{fragment}")


async def stats(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate("window.livePlayer.stats()")
    return result


async def test_the_page_is_served_with_a_strict_csp_and_runs_under_it() -> None:
    stand_in = StandIn()
    async with serving(stand_in) as base, chromium() as browser:
        async with httpx.AsyncClient(base_url=base) as http:
            for path, media in (
                (PAGE, "text/html"),
                ("/live-player/live/player.js", "javascript"),
                ("/live-player/live/example.js", "javascript"),
                ("/live-player/live/example.css", "text/css"),
            ):
                r = await http.get(path)
                assert r.status_code == 200, path
                assert media in r.headers["content-type"], path
                assert r.headers["content-security-policy"] == CSP
                assert r.headers["x-content-type-options"] == "nosniff"
            assert (await http.get("/live-player/live/")).status_code == 200
            assert (await http.get("/live-player/live/missing.js")).status_code == 404
        page = await browser.new_page()
        console = console_of(page)
        await page.goto(f"{base}{PAGE}#camera=CAM-02-003&purpose=traffic_safety&token=t")
        assert await page.input_value("#camera") == "CAM-02-003"
        assert await page.input_value("#purpose") == "traffic_safety"
        assert await page.inner_text("#state") == "chưa phát"
        codecs = await page.evaluate(
            "import('./player.js').then((m) => m.preferredCodecs().map((c) => c.mimeType))"
        )
        can_h265 = await page.evaluate(
            "RTCRtpReceiver.getCapabilities('video').codecs"
            ".some((c) => c.mimeType.toLowerCase() === 'video/h265')"
        )
    # H.265 first where the browser decodes it (never in Debian's build), then H.264; no VP8.
    first = "video/H265" if can_h265 else "video/H264"
    assert codecs[0] == first, codecs
    assert set(codecs) <= {"video/H265", "video/H264", "video/rtx"}, codecs
    assert not [line for line in console if "error" in line.lower()], console
    assert stand_in.live_calls == 0  # no autostart without autostart=1


async def test_plays_renews_before_expiry_without_a_gap_and_deletes_on_stop(
    loopback_ice: None,
) -> None:
    stand_in = StandIn(ttl_s=8.0)  # renewed 2 s before expiry
    async with serving(stand_in) as base, chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)
        await open_page(page, base)
        await until(lambda: _is(page, "playing"), 20, f"playing; console: {console}")
        assert await page.inner_text("#state") == "đang phát"
        first = await stats(page)
        assert first["codec"] == "video/H264", first
        assert first["codecPath"] == "stub"
        assert "H264" in stand_in.offers[0]
        # Through the renewal: the video never stops showing a picture, the state stays.
        deadline = time.monotonic() + 12
        seen_states = set()
        while time.monotonic() < deadline and len(stand_in.deleted) < 1:
            seen_states.add(await state_of(page))
            ready = await page.evaluate("document.getElementById('video').readyState")
            assert ready >= 2, "the video lost its picture during the renewal"
            await asyncio.sleep(0.1)
        assert stand_in.deleted == [stand_in.opened[0]], (stand_in.opened, stand_in.deleted)
        assert len(stand_in.opened) == 2
        assert seen_states == {"playing"}, seen_states
        renewed = await stats(page)
        assert renewed["sessionId"] == stand_in.opened[1]
        frames = renewed["framesDecoded"]
        await until(lambda: _frames_above(page, frames + 5), 10, "frames rising on the new session")
        await page.click("#stop")
        await until(lambda: _is(page, "stopped"), 5, "stopped")
        assert await page.inner_text("#state") == "đã dừng"
        await until(_async(lambda: len(stand_in.deleted) == 2), 5, "DELETE on stop")
    assert stand_in.deleted == stand_in.opened


async def test_shows_refusals_and_retries_what_can_be_retried(loopback_ice: None) -> None:
    stand_in = StandIn(refusals=[(503, "live.capacity", 1), (503, "live.camera_unavailable", 1)])
    async with serving(stand_in) as base, chromium() as browser:
        page = await browser.new_page()
        states: list[str] = []

        def record(text: str) -> None:
            states.append(text)

        await page.expose_function("recordState", record)
        await page.add_init_script(
            "new MutationObserver(() => window.recordState("
            "document.getElementById('state').textContent)).observe(document, "
            "{subtree: true, childList: true, characterData: true});"
        )
        await open_page(page, base)
        await until(lambda: _is(page, "playing"), 20, f"playing after retries: {states}")
        assert stand_in.live_calls == 3
    shown = [text for text in dict.fromkeys(states) if text != "chưa phát"]
    assert shown == ["đang kết nối", "hệ thống bận", "camera mất tín hiệu", "đang phát"], shown

    refused = StandIn(refusals=[(403, "gateway.authz.forbidden", 0)])
    async with serving(refused) as base, chromium() as browser:
        page = await browser.new_page()
        await open_page(page, base)
        await until(lambda: _is(page, "forbidden"), 10, "forbidden")
        assert await page.inner_text("#state") == "không có quyền"
        await asyncio.sleep(2)
        assert refused.live_calls == 1  # never retried


async def test_reconnects_with_a_fresh_session_when_the_connection_is_lost(
    loopback_ice: None,
) -> None:
    stand_in = StandIn()
    async with serving(stand_in) as base, chromium() as browser:
        page = await browser.new_page()
        await open_page(page, base)
        await until(lambda: _is(page, "playing"), 20, "playing")
        await stand_in.drop(stand_in.opened[0])
        await until(lambda: _is(page, "reconnecting"), 30, "the loss shown")
        assert await page.inner_text("#state") == "mất kết nối, đang thử lại"
        await until(lambda: _is(page, "playing"), 30, "playing again")
        assert len(stand_in.opened) == 2
        assert (await stats(page))["sessionId"] == stand_in.opened[1]


async def test_shows_a_camera_without_picture_and_resumes_when_it_returns(
    loopback_ice: None,
) -> None:
    stand_in = StandIn()
    async with serving(stand_in) as base, chromium() as browser:
        page = await browser.new_page()
        await open_page(page, base)
        await until(lambda: _is(page, "playing"), 20, "playing")
        stand_in.signal.clear()  # the camera stops sending pictures; the connection stays
        await until(lambda: _is(page, "no_signal"), 10, "the lost picture shown")
        assert await page.inner_text("#state") == "camera mất tín hiệu"
        frames = (await stats(page))["framesDecoded"]
        stand_in.signal.set()
        await until(lambda: _is(page, "playing"), 10, "playing again")
        assert (await stats(page))["framesDecoded"] > frames
        assert len(stand_in.opened) == 1  # the same session resumed


async def _is(page: Page, state: str) -> bool:
    return await state_of(page) == state


async def _frames_above(page: Page, n: int) -> bool:
    return int((await stats(page))["framesDecoded"]) > n


def _async(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def run() -> bool:
        return check()

    return run
