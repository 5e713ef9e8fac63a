"""Live view in a real browser (issue 13): Debian's headless Chromium opens the live player's
example page served by the gateway of the ``make run`` stack, against the real live edge and
ingest pulling simulated RTSP cameras. An H.264 camera plays by passthrough and an H.265
camera through the edge's shared transcode (Debian's Chromium decodes no H.265 over WebRTC):
``getStats()`` shows the negotiated codec (H.264 both times) and ``framesDecoded`` rising,
the edge's metrics show the two codec paths, stopping the player ends the session (and the
transcode with its last viewer), and a screenshot of each page is kept in the test's tmp dir.
Without a browser, on the same stack: an aiortc viewer that decodes H.265 (our codec) gets the
camera's H.265 by passthrough through the gateway, every access unit decoding; and a viewer
whose replica is killed plays again from another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import os
import re
import signal
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aioice.ice
import av
import httpx
import pytest
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from playwright.async_api import Page

from tncam_live.media import aiortc_h265
from tncam_live.media.aiortc_h265 import H265Decoder, register_h265
from tncam_testkit.browser import chromium, console_of
from tncam_testkit.services import ServiceProcess

from .conftest import SharedStack
from .console_kit import admin_console

pytestmark = pytest.mark.e2e

# The shared stack's fleet (conftest MAKE_RUN_ARGS): camera 1 sends H.265, camera 2 H.264.
H265_CAMERA = "CAM-01-001"
H264_CAMERA = "CAM-02-002"
PAGE = "/live-player/live/index.html"
# A floor far below what a 320x240 picture at the simulated cameras' quality takes.
MIN_BYTES_PER_FRAME = 300


@dataclass
class LiveStack:
    gateway: str
    live_edges: list[str]  # base URLs of the live edge replicas (their /metrics)
    token: str  # the province admin's access token
    grant_id: str  # a break-glass grant on both cameras
    output: list[str]
    logs: Path
    env: dict[str, str]  # the stack's stack.env
    camera_control: str  # the simulator's control URL (POST …/camN/down, …/up)


def _admin_access(shared: SharedStack) -> tuple[str, str]:
    """The admin's access token (the console modules' shared session: no TOTP step of its
    own) and a break-glass grant to view both cameras."""
    session = admin_console(shared)
    session.rotate()
    token = session.admin_token
    with httpx.Client(base_url=shared.running.gateway, timeout=30) as http:
        now = dt.datetime.now(dt.UTC)
        r = http.post(
            "/api/v1/grants",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "legal_basis": "emergency_command",
                "reason": "Kiểm tra xem trực tiếp camera mô phỏng trên trình duyệt",
                "camera_ids": [H265_CAMERA, H264_CAMERA],
                "footage_from": (now - dt.timedelta(hours=1)).isoformat(),
                "footage_to": (now + dt.timedelta(hours=1)).isoformat(),
                "scopes": ["view"],
                "expires_at": (now + dt.timedelta(hours=2)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        return token, str(r.json()["id"])


@pytest.fixture(scope="module")
def live_stack(make_run_stack: SharedStack) -> LiveStack:
    """The shared ``make run`` stack (conftest: CAM-01-001 H.265, CAM-02-002 H.264, …); the
    live edge it starts offers 127.0.0.1."""
    stack = make_run_stack.running
    edges = [url for name, url in stack.services.items() if name == "live"]
    assert edges, "".join(stack.output)
    token, grant = _admin_access(make_run_stack)
    control = re.search(r"^\s+camera control\s+(http://\S+)", "".join(stack.output), re.M)
    assert control, "".join(stack.output)
    return LiveStack(
        stack.gateway,
        edges,
        token,
        grant,
        stack.output,
        stack.state / "logs",
        stack.env,
        control.group(1),
    )


def _metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line[len(name) : len(name) + 1] not in ("{", " "):
            continue
        sample, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in sample for k, v in labels.items()):
            total += float(value)
    return total


def _edge_metric(stack: LiveStack, name: str, **labels: str) -> float:
    total = 0.0
    for url in stack.live_edges:
        text = httpx.get(f"{url}/metrics", timeout=10).text
        total += _metric(text, name, **labels)
    return total


async def _until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.25)


async def _stats(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate("window.livePlayer.stats()")
    return result


def _logs_tail(stack: LiveStack) -> str:
    parts = []
    for name in ("live.log", "gateway.log", "ingest.log"):
        path = stack.logs / name
        if path.exists():
            parts.append(f"--- {name}\n" + "\n".join(path.read_text().splitlines()[-15:]))
    return "\n".join(parts)


def _page_url(stack: LiveStack, camera: str, **fields: str) -> str:
    """The example page, told (in its URL fragment) to play ``camera`` at once."""
    fragment = urllib.parse.urlencode(
        {
            "camera": camera,
            "purpose": "public_order",
            "grant": stack.grant_id,
            "token": stack.token,
            **fields,
            "autostart": "1",
        }
    )
    return f"{stack.gateway}{PAGE}#{fragment}"


async def _until_playing(page: Page, stack: LiveStack, console: list[str], what: str) -> None:
    """Until the player shows đang phát; else fail with its state, console and the logs."""

    async def playing() -> bool:
        return await page.get_attribute("#state", "data-state") == "playing"

    try:
        await _until(playing, 90, what)
    except AssertionError:
        detail = await page.inner_text("#detail")
        raise AssertionError(
            f"state {await page.inner_text('#state')} {detail}\n{console}\n" + _logs_tail(stack)
        ) from None


@pytest.mark.parametrize(
    ("camera", "codec_path"),
    [(H264_CAMERA, "passthrough_h264"), (H265_CAMERA, "transcode_h264")],
)
async def test_chromium_plays_a_camera_live_through_the_example_page(
    live_stack: LiveStack, camera: str, codec_path: str, tmp_path: Path
) -> None:
    opened_before = _edge_metric(
        live_stack, "tncam_live_sessions_opened_total", codec_path=codec_path
    )
    url = _page_url(live_stack, camera)
    async with chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)

        await page.goto(url)
        # Ingest opens the camera's live feed on the first demand; until its first
        # keyframe the edge answers 503 (the player shows it and retries).
        await _until_playing(page, live_stack, console, "the player to show đang phát")
        assert await page.inner_text("#state") == "đang phát"
        first = await _stats(page)
        shot = await page.locator("#video").screenshot()
        await asyncio.sleep(2.0)
        later = await _stats(page)
        # The simulated camera draws a frame counter and a moving gradient: a picture that
        # plays changes (frames counted over a frozen or empty picture would not).
        assert await page.locator("#video").screenshot() != shot, "the picture does not move"
        await page.wait_for_function(
            "document.getElementById('stat-frames').textContent !== '0'", timeout=5000
        )
        await page.screenshot(path=tmp_path / f"live-{camera}.png")

        assert later["codec"] == "video/H264", later
        assert first["framesDecoded"] > 0, first
        assert later["framesDecoded"] >= first["framesDecoded"] + 5, (first, later)
        assert (later["frameWidth"], later["frameHeight"]) == (320, 240), later
        # A picture worth the name: the simulated cameras send about 1,000 (H.265) and 1,500
        # (H.264) bytes a frame at 320x240; a rate control starved to ~50 bytes a frame
        # (libx264 told nothing of the frame rate on a 90 kHz time base) shows a smear.
        per_frame = (later["bytesReceived"] - first["bytesReceived"]) / (
            later["framesDecoded"] - first["framesDecoded"]
        )
        assert per_frame >= MIN_BYTES_PER_FRAME, (per_frame, first, later)
        opened = _edge_metric(live_stack, "tncam_live_sessions_opened_total", codec_path=codec_path)
        assert opened == opened_before + 1, json.dumps([opened_before, opened])
        if codec_path == "transcode_h264":
            assert _edge_metric(live_stack, "tncam_live_transcoders") == 1

        # Stop: the player DELETEs its session; the edge lets the viewer (and the shared
        # transcode with its last viewer) go.
        await page.click("#stop")
        await _until(
            lambda: _async_value(page.get_attribute("#state", "data-state"), "stopped"),
            10,
            "stopped",
        )

    async def released() -> bool:
        viewers = _edge_metric(live_stack, "tncam_live_viewers")
        return viewers == 0 and _edge_metric(live_stack, "tncam_live_transcoders") == 0

    await _until(released, 15, "the edge to release the viewer and the transcode")
    assert (tmp_path / f"live-{camera}.png").stat().st_size > 10_000
    assert not [line for line in console if line.startswith("pageerror")], console


async def _async_value(value: Awaitable[str | None], expected: str) -> bool:
    return await value == expected


async def test_chromium_plays_the_h264_camera_over_mse_websocket(
    live_stack: LiveStack, tmp_path: Path
) -> None:
    """The path without WebRTC (docs/adr/0023): fMP4 over the gateway's WebSocket into a
    MediaSource; the picture plays, frames decode, and glass-to-glass is measured."""
    path = "mse_passthrough_h264"
    opened_before = _edge_metric(live_stack, "tncam_live_sessions_opened_total", codec_path=path)
    url = _page_url(live_stack, H264_CAMERA, transport="mse")
    async with chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)

        await page.goto(url)
        await _until_playing(page, live_stack, console, "the player to show đang phát over MSE")
        first = await _stats(page)
        time_before = await page.evaluate("document.getElementById('video').currentTime")
        shot = await page.locator("#video").screenshot()
        await asyncio.sleep(2.0)
        later = await _stats(page)
        time_after = await page.evaluate("document.getElementById('video').currentTime")
        assert await page.locator("#video").screenshot() != shot, "the picture does not move"
        await page.screenshot(path=tmp_path / "live-mse.png")
        assert later["transport"] == "mse", later
        assert later["codec"].startswith('video/mp4; codecs="avc1.'), later
        assert later["codecPath"] == "passthrough_h264", later
        assert time_after >= time_before + 1.0, (time_before, time_after)
        assert later["framesDecoded"] >= first["framesDecoded"] + 10, (first, later)
        assert (later["frameWidth"], later["frameHeight"]) == (320, 240), later
        # Buffered no further than about a second ahead of what is shown (the live edge).
        behind = await page.evaluate(
            "(() => { const v = document.getElementById('video'); const b = v.buffered;"
            " return b.length ? b.end(b.length - 1) - v.currentTime : 0; })()"
        )
        assert behind < 1.5, behind
        opened = _edge_metric(live_stack, "tncam_live_sessions_opened_total", codec_path=path)
        assert opened == opened_before + 1, json.dumps([opened_before, opened])
        # Glass to glass on loopback: the camera's capture time (LiveAccessUnit) to the
        # picture presented by Chromium (requestVideoFrameCallback).
        samples = []
        for _ in range(8):
            value = (await _stats(page))["glassToGlassMs"]
            if value:
                samples.append(value)
            await asyncio.sleep(0.5)
        if samples:
            samples.sort()
            print(
                f"MSE glass-to-glass on loopback: median {samples[len(samples) // 2]:.0f} ms, "
                f"max {samples[-1]:.0f} ms ({len(samples)} samples)"
            )
            assert samples[len(samples) // 2] < 2000, samples
        else:
            print("MSE glass-to-glass: the simulated camera gave no capture time")
        await page.click("#stop")
        await _until(
            lambda: _async_value(page.get_attribute("#state", "data-state"), "stopped"),
            10,
            "stopped",
        )

    async def released() -> bool:
        return _edge_metric(live_stack, "tncam_live_viewers") == 0

    await _until(released, 15, "the edge to release the MSE viewer")
    assert (tmp_path / "live-mse.png").stat().st_size > 10_000
    assert not [line for line in console if line.startswith("pageerror")], console


# --- the whole chain without a browser: H.265 passthrough, and a replica that dies ----------


class _Receiver:
    """An aiortc viewer that offers H.265 only and opens its session through the gateway."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.frames: list[av.VideoFrame] = []
        self.pc.on("track", lambda track: asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                self.frames.append(frame)

    async def open(self, stack: LiveStack, http: httpx.AsyncClient) -> httpx.Response:
        """POST /api/v1/live, then the WHEP offer (retried while the edge waits for pictures)."""
        transceiver = self.pc.addTransceiver("video", direction="recvonly")
        transceiver.setCodecPreferences(
            [
                c
                for c in RTCRtpReceiver.getCapabilities("video").codecs
                if c.mimeType.lower() in ("video/h265", "video/rtx")
            ]
        )
        await self.pc.setLocalDescription(await self.pc.createOffer())
        deadline = time.monotonic() + 60
        while True:
            r = await http.post(
                "/api/v1/live",
                headers={"Authorization": f"Bearer {stack.token}"},
                json={
                    "camera_id": H265_CAMERA,
                    "purpose": "public_order",
                    "grant_id": stack.grant_id,
                },
            )
            assert r.status_code == 201, r.text
            ticket = r.json()
            answer = await http.post(
                ticket["whep_url"],
                headers={
                    "Authorization": f"Bearer {ticket['token']}",
                    "Content-Type": "application/sdp",
                },
                content=self.pc.localDescription.sdp,
            )
            if answer.status_code != 503 or time.monotonic() > deadline:
                break
            await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
        assert answer.status_code == 201, answer.text
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        return answer

    async def frames_after(self, count: int, timeout: float) -> None:
        start = len(self.frames)
        deadline = time.monotonic() + timeout
        while len(self.frames) < start + count:
            assert time.monotonic() < deadline, f"{len(self.frames) - start} of {count} frames"
            await asyncio.sleep(0.1)


@pytest.fixture
def h265_receivers(monkeypatch: pytest.MonkeyPatch) -> list[H265Decoder]:
    """aiortc viewers that decode H.265 (our codec) on 127.0.0.1; the decoders they made."""
    register_h265()
    made: list[H265Decoder] = []

    class Recording(H265Decoder):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda **_: ["127.0.0.1"])
    monkeypatch.setattr(aiortc_h265, "H265Decoder", Recording)
    return made


async def test_aiortc_receiver_plays_the_h265_camera_by_passthrough_through_the_gateway(
    live_stack: LiveStack, h265_receivers: list[H265Decoder]
) -> None:
    """Gateway → live edge → ingest → the simulated RTSP camera: the H.265 access units reach
    the viewer as they left the camera (no transcoder runs) and every one decodes."""
    receiver = _Receiver()
    async with httpx.AsyncClient(base_url=live_stack.gateway, timeout=30) as http:
        try:
            answer = await receiver.open(live_stack, http)
            assert answer.headers["x-tncam-codec-path"] == "passthrough_h265"
            assert "H265/90000" in answer.text
            await receiver.frames_after(30, 20)
            assert _edge_metric(live_stack, "tncam_live_transcoders") == 0
            (decoder,) = h265_receivers
            assert decoder.stats.errors == 0, decoder.stats
            assert decoder.stats.malformed == 0, decoder.stats
            assert decoder.stats.frames >= 30, decoder.stats
            times = [f.pts for f in receiver.frames]
            assert all(b > a for a, b in itertools.pairwise(times)), times[:40]
            assert (receiver.frames[-1].width, receiver.frames[-1].height) == (320, 240)
            r = await http.delete(
                answer.headers["location"],
                headers={"Authorization": f"Bearer {_token_of(answer)}"},
            )
            assert r.status_code in (200, 204), r.text
        finally:
            await receiver.pc.close()


def _token_of(answer: httpx.Response) -> str:
    return answer.request.headers["Authorization"].removeprefix("Bearer ")


async def test_a_viewer_of_a_replica_that_dies_plays_again_from_another(
    live_stack: LiveStack, h265_receivers: list[H265Decoder]
) -> None:
    """Two live replicas answer on the same subject; the one holding a viewer is SIGKILLed; the
    viewer's next offer through the gateway lands on the survivor and plays."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env |= live_stack.env | {"TNCAM_LIVE_ICE_HOST_ADDRESSES": "127.0.0.1"}
    second = ServiceProcess("live", env=env, log_dir=live_stack.logs / "second-live")
    second.start()
    stack = dataclasses.replace(live_stack, live_edges=[*live_stack.live_edges, second.url])
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as http:
        try:
            # Offers land on either replica (a NATS queue group): open until one lands on the
            # second, the replica this test may kill.
            for _ in range(20):
                receiver = _Receiver()
                await receiver.open(stack, http)
                text = (await http.get(f"{second.url}/metrics")).text
                if _metric(text, "tncam_live_viewers") == 1:
                    break
                await receiver.pc.close()
            else:
                pytest.fail("20 offers, none answered by the second replica")
            await receiver.frames_after(10, 20)
            assert second.pid is not None
            os.kill(second.pid, signal.SIGKILL)
            killed = time.monotonic()
            await receiver.pc.close()
            again = _Receiver()
            try:
                await again.open(live_stack, http)  # the gateway's next relay: the survivor
                await again.frames_after(10, 20)
                replayed_in = time.monotonic() - killed
            finally:
                await again.pc.close()
            print(f"\nplaying again {replayed_in:.2f} s after the holding replica was killed")
            assert replayed_in < 15, replayed_in
        finally:
            second.stop()


async def test_chromium_shows_a_camera_lost_mid_view_and_plays_again_when_it_returns(
    live_stack: LiveStack,
) -> None:
    """The simulated H.264 camera goes off the network while Chromium plays it: the player says
    so (camera mất tín hiệu, or reconnecting while the edge has no picture to answer with) and
    plays again, through the real ingest and edge, once the camera is back."""
    control = live_stack.camera_control
    url = _page_url(live_stack, H264_CAMERA)
    async with chromium() as browser, httpx.AsyncClient(timeout=30) as http:
        page = await browser.new_page()
        states: list[str | None] = []

        async def state_is(*wanted: str) -> bool:
            state = await page.get_attribute("#state", "data-state")
            if not states or states[-1] != state:
                states.append(state)
            return state in wanted

        await page.goto(url)
        await _until(lambda: state_is("playing"), 90, "playing")
        camera = "cam2"  # CAM-02-002, the stack's H.264 camera
        try:
            assert (await http.post(f"{control}/{camera}/down")).status_code == 200
            await _until(lambda: state_is("no_signal", "reconnecting"), 30, "the loss shown")
            shown = await page.inner_text("#state")
            assert shown in ("camera mất tín hiệu", "mất kết nối, đang thử lại"), shown
        finally:
            assert (await http.post(f"{control}/{camera}/up")).status_code == 200
        await _until(lambda: state_is("playing"), 90, f"playing again after {states}")
        first = await _stats(page)
        await asyncio.sleep(1.5)
        assert (await _stats(page))["framesDecoded"] > first["framesDecoded"], states
        await page.click("#stop")


RELAY_ONLY = """
window.RTCPeerConnection = class extends window.RTCPeerConnection {
  constructor(config) { super({ ...(config || {}), iceTransportPolicy: 'relay' }); }
};
"""


async def test_chromium_without_udp_falls_back_to_mse_by_itself(live_stack: LiveStack) -> None:
    """A network that blocks UDP and offers no TURN relay (every peer connection of the page
    forced to relay-only candidates, of which there are none): the player's WebRTC attempt does
    not connect, and on ``transport: auto`` it plays over the WebSocket path instead."""
    url = _page_url(live_stack, H264_CAMERA)
    async with chromium() as browser:
        page = await browser.new_page()
        await page.add_init_script(RELAY_ONLY)
        await page.goto(url)

        async def playing() -> bool:
            return await page.get_attribute("#state", "data-state") == "playing"

        await _until(playing, 90, "playing without UDP")
        first = await _stats(page)
        await asyncio.sleep(1.5)
        later = await _stats(page)
        assert later["transport"] == "mse", later
        assert later["framesDecoded"] > first["framesDecoded"], (first, later)
        await page.click("#stop")
