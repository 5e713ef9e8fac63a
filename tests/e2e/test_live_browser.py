"""Live view in a real browser (issue 13): Debian's headless Chromium opens the live player's
example page served by the gateway of the ``make run`` stack, against the real live edge and
ingest pulling simulated RTSP cameras. An H.264 camera plays by passthrough and an H.265
camera through the edge's shared transcode (Debian's Chromium decodes no H.265 over WebRTC):
``getStats()`` shows the negotiated codec (H.264 both times) and ``framesDecoded`` rising,
the edge's metrics show the two codec paths, stopping the player ends the session (and the
transcode with its last viewer), and a screenshot of each page is kept in the test's tmp dir.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from tncam_gateway.domain import totp
from tncam_testkit.browser import chromium, console_of
from tncam_testkit.services import ServiceProcess

pytestmark = pytest.mark.e2e

ADMIN = "live-admin"
ADMIN_PASSWORD = "Hồ Núi Cốc lặng gió 2026"
# ``--cameras 2 --h264 2``: camera 1 sends H.265, camera 2 H.264 (the stack's fleet file).
H265_CAMERA = "CAM-01-001"
H264_CAMERA = "CAM-02-002"
PAGE = "/live-player/live/index.html"
# A floor far below what a 320x240 picture at the simulated cameras' quality takes.
MIN_BYTES_PER_FRAME = 300
SERVICE_LINE = re.compile(r"^\s+(\w+)\s+(http://\S+)/livez", re.M)


@dataclass
class LiveStack:
    gateway: str
    live_edges: list[str]  # base URLs of the live edge replicas (their /metrics)
    token: str  # the province admin's access token
    grant_id: str  # a break-glass grant on both cameras
    output: list[str]
    logs: Path


def _read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        name, value = line.removeprefix("export ").split("=", 1)
        env[name] = shlex.split(value)[0] if value else ""
    return env


def _start_stack(state: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """``make run`` with two cameras (one H.264), until it prints its URLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env |= {"TNCAM_BOOTSTRAP_ADMIN_USER": ADMIN, "TNCAM_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    argv = [sys.executable, "-m", "tncam_testkit.stack", "--cameras", "2", "--h264", "2"]
    proc = subprocess.Popen(
        [*argv, "--state-dir", str(state)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    running = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.strip().startswith("logs:"):
                running.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 240
    while not running.wait(0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop_stack(proc)
            pytest.fail("make run did not start:\n" + "".join(output))
    return proc, output


def _stop_stack(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()


def _admin_access(gateway: str, admin_totp: str) -> tuple[str, str]:
    """The admin's access token and a break-glass grant to view both cameras."""
    code = totp.code_at(admin_totp, totp.step_of(dt.datetime.now(dt.UTC)))
    form = {"username": ADMIN, "password": ADMIN_PASSWORD, "totp": code}
    with httpx.Client(base_url=gateway, timeout=30) as http:
        r = http.post("/api/v1/auth/token", data=form)
        assert r.status_code == 200, r.text
        token = str(r.json()["access_token"])
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
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    state = tmp_path_factory.mktemp("live-stack")
    proc, output = _start_stack(state)
    edge: ServiceProcess | None = None
    try:
        text = "".join(output)
        services = dict(SERVICE_LINE.findall(text))
        secret = re.search(r"TOTP secret[^:]*: (\S+)", text)
        assert "gateway" in services, text
        assert secret, text
        edges = [url for name, url in services.items() if name == "live"]
        if not edges:
            # The stack starts the five core services; the live edge joins its NATS here,
            # offering 127.0.0.1 as its ICE host address (everything stays on loopback).
            env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
            env |= _read_env(state / "stack.env")
            env["TNCAM_LIVE_ICE_HOST_ADDRESSES"] = "127.0.0.1"
            edge = ServiceProcess("live", env=env, log_dir=state / "logs")
            edge.start()
            edges = [edge.url]
        token, grant = _admin_access(services["gateway"], secret.group(1))
        yield LiveStack(services["gateway"], edges, token, grant, output, state / "logs")
    finally:
        if edge is not None:
            edge.stop()
        _stop_stack(proc)


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
    fragment = urllib.parse.urlencode(
        {
            "camera": camera,
            "purpose": "public_order",
            "grant": live_stack.grant_id,
            "token": live_stack.token,
            "autostart": "1",
        }
    )
    async with chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)

        async def playing() -> bool:
            return await page.get_attribute("#state", "data-state") == "playing"

        await page.goto(f"{live_stack.gateway}{PAGE}#{fragment}")
        try:
            # Ingest opens the camera's live feed on the first demand; until its first
            # keyframe the edge answers 503 (the player shows it and retries).
            await _until(playing, 90, "the player to show đang phát")
        except AssertionError:
            detail = await page.inner_text("#detail")
            raise AssertionError(
                f"state {await page.inner_text('#state')} {detail}\n{console}\n"
                + _logs_tail(live_stack)
            ) from None
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
    fragment = urllib.parse.urlencode(
        {
            "camera": H264_CAMERA,
            "purpose": "public_order",
            "grant": live_stack.grant_id,
            "token": live_stack.token,
            "transport": "mse",
            "autostart": "1",
        }
    )
    async with chromium() as browser:
        page = await browser.new_page()
        console = console_of(page)

        async def playing() -> bool:
            return await page.get_attribute("#state", "data-state") == "playing"

        await page.goto(f"{live_stack.gateway}{PAGE}#{fragment}")
        try:
            await _until(playing, 90, "the player to show đang phát over MSE")
        except AssertionError:
            detail = await page.inner_text("#detail")
            raise AssertionError(
                f"state {await page.inner_text('#state')} {detail}\n{console}\n"
                + _logs_tail(live_stack)
            ) from None
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
