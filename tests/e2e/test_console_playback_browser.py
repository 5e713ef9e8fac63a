"""The console's playback, exports and reports (issue 16, second part) in Debian's headless
Chromium against the shared ``make run`` stack (conftest runs this module after the other
shared-stack modules, so the cameras have minutes of recordings): the province admin, with a
break-glass grant to view and export CAM-03-003, opens its playback from the camera's page;
the day's time line shows the gap where the camera was off the network (its RTSP mount taken
down for a few seconds by this module), a recorded minute plays (frames advance in the
<video>), at 2× speed, and an export request waits for approval; the connection report as of
an instant shows the API's totals and its XLSX downloads and opens (openpyxl) with the same
totals; a future instant is refused next to its field; the annual report lists the units.
axe-core and a 1280×720 screenshot of every new page (var/console-screens/).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.async_api import Page

from tncam_testkit.browser import chromium, console_of

from .conftest import SharedStack
from .console_kit import VIEWPORT, ConsoleStack, admin_console, hand_back, resume, shot

pytestmark = pytest.mark.e2e

CAMERA, MOUNT = "CAM-03-003", "cam3"
VN = dt.timezone(dt.timedelta(hours=7))
#: The camera is off the network this long (its gap is a little longer: reconnection).
DOWN_S = 4.0


@dataclass
class Playback:
    console: ConsoleStack
    down_at: dt.datetime  # the camera went off the network
    before: dt.datetime  # an instant before that (the report as of it does not change)


def _recorded(s: ConsoleStack, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    q = {"from": start.isoformat(), "to": end.isoformat()}
    r = s.api("GET", f"/api/v1/cameras/{CAMERA}/recordings", params=q)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _control(shared: SharedStack) -> str:
    found = re.search(r"^\s+camera control\s+(http://\S+)", "".join(shared.running.output), re.M)
    assert found, shared.running.output
    return found.group(1)


@pytest.fixture(scope="module")
def playback(make_run_stack: SharedStack) -> Iterator[Playback]:
    """The admin's session with a grant on CAM-03-003; once the camera has recorded 90 s, it
    goes off the network for DOWN_S (back by a timer while the report tests run)."""
    s = admin_console(make_run_stack)
    now = dt.datetime.now(dt.UTC)
    r = s.api(
        "POST",
        "/api/v1/grants",
        json={
            "legal_basis": "written_request",
            "reason": "Công văn của Công an tỉnh đề nghị xem lại, trích xuất hình ảnh vụ việc",
            "document_number": "123/CV-CAT",
            "document_issuer": "Công an tỉnh Thái Nguyên",
            "document_date": now.astimezone(VN).date().isoformat(),
            "camera_ids": [CAMERA],
            "footage_from": (now - dt.timedelta(hours=2)).isoformat(),
            "footage_to": (now + dt.timedelta(hours=1)).isoformat(),
            "scopes": ["view", "export"],
            "expires_at": (now + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 150
    while _recorded(s, now - dt.timedelta(hours=1), now)["recorded_seconds"] < 90:
        assert time.monotonic() < deadline, "CAM-03-003 recorded less than 90 s"
        time.sleep(1.0)
        now = dt.datetime.now(dt.UTC)
    control = _control(make_run_stack)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    assert httpx.post(f"{control}/{MOUNT}/down", timeout=30).status_code == 200
    down_at = dt.datetime.now(dt.UTC)
    up = threading.Timer(DOWN_S, lambda: httpx.post(f"{control}/{MOUNT}/up", timeout=30))
    up.start()
    try:
        yield Playback(s, down_at, before)
    finally:
        up.cancel()
        httpx.post(f"{control}/{MOUNT}/up", timeout=30)


async def test_connection_report_as_of_an_instant_and_its_xlsx(
    playback: Playback, tmp_path: Any
) -> None:
    """The report as of an instant: the API's totals on the page and in the XLSX it downloads;
    an instant in the future refused next to its field; then the annual report's units."""
    s = playback.console
    as_of = playback.before
    report = s.api("GET", "/api/v1/reports/connection-status", params={"as_of": as_of.isoformat()})
    assert report.status_code == 200, report.text
    want = report.json()
    async with chromium(viewport=VIEWPORT) as browser:
        page = await browser.new_page()
        console = console_of(page)
        await resume(page, s)
        try:
            await page.goto(f"{s.console}#/bao-cao")
            await page.wait_for_selector("main[data-loaded=yes] [data-testid=report-rows] tbody tr")
            # A future instant: the API's problem next to the field.
            tomorrow = dt.datetime.now(VN) + dt.timedelta(days=1)
            await page.fill("#rep-as-of", tomorrow.strftime("%Y-%m-%dT%H:%M:%S"))
            await page.click("main form button[type=submit]")
            await page.wait_for_selector("#rep-as-of-error")
            assert "quá khứ" in await page.inner_text("#rep-as-of-error")

            await page.fill("#rep-as-of", as_of.astimezone(VN).strftime("%Y-%m-%dT%H:%M:%S"))
            await page.click("main form button[type=submit]")
            await page.wait_for_selector("p.generated:has-text('Tình trạng tại')")
            shown = await page.locator("[data-testid=report-totals] li").all_inner_texts()
            assert [t.strip() for t in shown] == want["totals"]
            rows = page.locator("[data-testid=report-rows] tbody tr")
            assert await rows.count() == len(want["rows"]) == 92
            await shot(page, s, "20-bao-cao-ket-noi")

            async with page.expect_download() as info:
                await page.click("button[data-format=xlsx]")
            file = tmp_path / "bao-cao.xlsx"
            await (await info.value).save_as(file)
            await page.wait_for_selector("[data-testid=file-status]:has-text('Đã tải về')")
            _same_totals(file, want)

            await page.click("a[href='#/bao-cao-nam']")
            await page.wait_for_selector("main[data-loaded=yes] [data-testid=annual] tbody tr")
            year = dt.datetime.now(VN).year
            annual = s.api("GET", "/api/v1/reports/annual", params={"year": year}).json()
            names = await page.locator("[data-testid=annual] tbody th").all_inner_texts()
            assert names == [r["unit_name"] for r in annual["rows"]]
            assert len(names) >= 92  # every commune, at least
            grades = await page.locator("[data-testid=annual] td.grade").all_inner_texts()
            assert grades == [r["grade"] for r in annual["rows"]]
            await shot(page, s, "22-bao-cao-nam")
        finally:
            await hand_back(page, s)
        assert not [line for line in console if line.startswith("pageerror")], console


def _same_totals(xlsx: Any, report: dict[str, Any]) -> None:
    """The workbook holds the report's total lines and the same cameras per commune."""
    sheet = load_workbook(xlsx).worksheets[0]
    flat = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    for line in report["totals"]:
        assert line in flat, (line, flat[:40])
    names = {r["commune_name"] for r in report["rows"]}
    assert sum(1 for v in flat if v in names) >= len(names) == 92


async def _gap_after(s: ConsoleStack, down_at: dt.datetime) -> dict[str, str]:
    """The recordings' gap around the time the camera went down, once recording resumed."""
    deadline = time.monotonic() + 60
    while True:
        now = dt.datetime.now(dt.UTC)
        line = _recorded(s, down_at - dt.timedelta(minutes=5), now)
        for gap in line["gaps"]:
            start, end = (dt.datetime.fromisoformat(gap[k]) for k in ("from", "to"))
            later = [r for r in line["recorded"] if dt.datetime.fromisoformat(r["from"]) >= end]
            if start - dt.timedelta(seconds=8) <= down_at <= end and later:
                return dict(gap)
        assert time.monotonic() < deadline, line
        await asyncio.sleep(1.0)


async def _frames(page: Page) -> tuple[int, float]:
    got = await page.evaluate(
        "(() => { const v = document.querySelector('video.playback-video');"
        " return [v.getVideoPlaybackQuality().totalVideoFrames, v.currentTime]; })()"
    )
    return int(got[0]), float(got[1])


async def test_playback_plays_a_recorded_minute_and_the_timeline_shows_the_gap(
    playback: Playback,
) -> None:
    s = playback.console
    gap = await _gap_after(s, playback.down_at)
    async with chromium(viewport=VIEWPORT) as browser:
        page = await browser.new_page()
        console = console_of(page)
        await resume(page, s)
        try:
            await page.goto(f"{s.console}#/camera/{CAMERA}")
            await page.click("[data-testid=playback-link]")
            await page.wait_for_selector("main[data-loaded=yes] [data-testid=timeline] rect.rec")
            assert await page.input_value("#pb-camera") == CAMERA
            drawn = page.locator(f"[data-testid=timeline] rect.gap[data-from='{gap['from']}']")
            assert await drawn.get_attribute("data-to") == gap["to"]

            # A minute recorded before the camera went down, played from its start.
            await page.select_option("#pb-purpose", "incident_investigation")
            start = playback.down_at.astimezone(VN) - dt.timedelta(seconds=75)
            await page.fill("#pb-jump", start.strftime("%H:%M:%S"))
            await page.click("#pb-jump + button")
            await _until_playing(page, console)
            first = await _frames(page)
            deadline = time.monotonic() + 10
            later = await _frames(page)
            while later[0] < first[0] + 10 or later[1] <= first[1] + 1.0:
                assert time.monotonic() < deadline, (first, later)
                await asyncio.sleep(0.2)
                later = await _frames(page)
            assert later[0] >= first[0] + 10, (first, later)  # frames decoded
            assert later[1] > first[1] + 1.0, (first, later)  # and the position moves
            shown = (await page.inner_text("[data-testid=pb-position]")).split()[0]
            at = dt.datetime.combine(start.date(), dt.time.fromisoformat(shown), VN)
            assert start <= at <= start + dt.timedelta(seconds=60), shown  # the played minute

            await page.check("input[name=pb-speed][value='2']")
            assert await page.evaluate("document.querySelector('video').playbackRate") == 2
            await page.select_option("#tl-zoom", "600")  # ten minutes: the gap is wide enough

            # An export of that minute: the admin's request waits for another's approval.
            await page.fill("#exp-from", start.strftime("%H:%M:%S"))
            await page.fill("#exp-to", (start + dt.timedelta(seconds=60)).strftime("%H:%M:%S"))
            await page.fill("#exp-reason", "Trích xuất phục vụ xác minh vụ việc theo công văn")
            await page.click(".export-panel form button[type=submit]")
            await page.wait_for_selector("[data-testid=exports] tr[data-status=pending]")
            assert "Chờ duyệt" in await page.inner_text("[data-testid=exports] tbody")
            await page.evaluate("window.scrollTo(0, 0)")
            await shot(page, s, "23-xem-lai")  # axe on the whole page, the exports too
        finally:
            await hand_back(page, s)
        assert not [line for line in console if line.startswith("pageerror")], console


async def _until_playing(page: Page, console: list[str]) -> None:
    deadline = time.monotonic() + 30
    while await page.inner_text("[data-testid=pb-state]") != "Đang phát":
        assert time.monotonic() < deadline, (
            await page.inner_text("main"),
            console,
        )
        await asyncio.sleep(0.2)
