"""What the console's browser tests share (issue 16): the admin's session on the shared
``make run`` stack (one TOTP sign-in per stack, its refresh token rotated by every module that
resumes it), axe-core, screenshots at 1280×720 under var/console-screens/, sign-in and resume
helpers. Each test module adds its own accounts and grants.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.async_api import Page

from tncam_testkit.services import REPO_ROOT

from .conftest import MAKE_RUN_ADMIN, SharedStack, TotpCodes

ADMIN, ADMIN_PASSWORD = MAKE_RUN_ADMIN
CAMERAS = ["CAM-01-001", "CAM-02-002", "CAM-03-003", "CAM-04-004"]  # conftest MAKE_RUN_ARGS
SHOTS = REPO_ROOT / "var" / "console-screens"
AXE = REPO_ROOT / "services" / "console" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = (1280, 720)
REFRESH_KEY = "tncam.console.refresh"


@dataclass
class ConsoleStack:
    gateway: str
    admin_codes: TotpCodes
    admin_token: str
    refresh_token: str  # the latest of the fixture's admin session (rotating, one use each)
    operator_password: str = ""
    pages: list[str] = field(default_factory=list)

    @property
    def console(self) -> str:
        return f"{self.gateway}/console/"

    def rotate(self) -> str:
        """The next refresh token of the fixture's admin session, for a page to resume it."""
        r = httpx.post(
            f"{self.gateway}/api/v1/auth/refresh",
            json={"refresh_token": self.refresh_token},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        self.admin_token = body["access_token"]
        self.refresh_token = body["refresh_token"]
        return str(body["refresh_token"])

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx.request(method, f"{self.gateway}{path}", headers=headers, timeout=30, **kw)


async def axe(page: Page, name: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Run through the DevTools protocol: the page's CSP forbids inline scripts.
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    assert result == [], f"{name}: {json.dumps(result, ensure_ascii=False, indent=1)}"


async def shot(page: Page, stack: ConsoleStack, name: str) -> None:
    """A 1280×720 screenshot of the page under var/console-screens/, and axe on it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"{name}.png")
    await axe(page, name)
    stack.pages.append(name)


async def sign_in(page: Page, username: str, password: str, code: str) -> None:
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.fill("#totp", code)
    await page.click("button[type=submit]")


async def resume(page: Page, stack: ConsoleStack) -> None:
    """The page's tab holds the next refresh token of the admin's session, as after a sign-in
    in that tab (set once: a reload keeps what the page stored since)."""
    refresh = json.dumps(stack.rotate())
    key = json.dumps(REFRESH_KEY)
    await page.add_init_script(
        f"if (!sessionStorage.getItem({key})) sessionStorage.setItem({key}, {refresh})"
    )


async def hand_back(page: Page, stack: ConsoleStack) -> None:
    """The session's refresh token the page rotated to: the next to use."""
    stack.refresh_token = await page.evaluate(f"sessionStorage.getItem({json.dumps(REFRESH_KEY)})")


_SESSIONS: dict[int, ConsoleStack] = {}


def admin_console(shared: SharedStack) -> ConsoleStack:
    """The province admin's session on the shared stack: signed in once (TOTP), then shared by
    every console module (a second sign-in could wait 30 s for the next TOTP step)."""
    key = id(shared)
    if key not in _SESSIONS:
        running = shared.running
        form = {"username": ADMIN, "password": ADMIN_PASSWORD, "totp": shared.admin_codes.next()}
        r = httpx.post(f"{running.gateway}/api/v1/auth/token", data=form, timeout=30)
        assert r.status_code == 200, r.text
        tokens = r.json()
        _SESSIONS[key] = ConsoleStack(
            running.gateway, shared.admin_codes, tokens["access_token"], tokens["refresh_token"]
        )
    return _SESSIONS[key]
