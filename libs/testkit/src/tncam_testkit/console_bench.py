"""``make bench-console``: the operator console's bundle size (gzip) and the time to
interactive of its province board with 2,760 cameras, in Debian's headless Chromium.

The console's built files (``make console``) are served to the browser as the gateway serves
them; the API answers come from memory (Playwright routes), so the figure is the browser's
side: download, parse, first API calls, rendering the 92 communes and their totals. Two
paths: the province admin's board (the registry's connection report of 2,760 cameras: its
build time is ``make bench-registry``'s), and the board of a caller without the report (a
sector), built in the browser from 2,760 cameras read page by page (500 a page). Prints,
never asserts; targets: < 1 s, < 300 kB gzip.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import statistics
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.async_api import Page, Route

from tncam_testkit.browser import chromium
from tncam_testkit.services import REPO_ROOT

DIST = REPO_ROOT / "services" / "gateway" / "src" / "tncam_gateway" / "console_dist"
ORIGIN = "http://console.bench"
CAMERAS = 2760
COMMUNES = 92
KINDS = ("service_center", "committee_hq", "square")
STATES = ("connected",) * 16 + ("lost_connection", "never_connected", "unstable", "connected")
RUNS = 7
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8"}


def _camera(n: int) -> dict[str, Any]:
    commune = f"{n % COMMUNES + 1:02d}"
    return {
        "id": f"CAM-{commune}-{n:04d}",
        "name": f"Camera {n}",
        "commune_code": commune,
        "commune_name": f"Xã Thử Nghiệm {commune}",
        "site_kind": KINDS[n % 3],
        "state": STATES[n % len(STATES)],
        "active": True,
        "quality": {"verdict": "poor" if n % 97 == 0 else "good", "flags": []},
    }


FLEET = [_camera(n) for n in range(CAMERAS)]


def _report() -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for c in FLEET:
        row = rows.setdefault(
            c["commune_code"],
            {
                "number": int(c["commune_code"]),
                "commune_code": c["commune_code"],
                "commune_name": c["commune_name"],
                "note": "",
                **{
                    k: {
                        "text": "",
                        "cameras": 0,
                        "connected": 0,
                        "lost": 0,
                        "never": 0,
                        "unstable": 0,
                    }
                    for k in KINDS
                },
            },
        )
        cell = row[c["site_kind"]]
        cell["cameras"] += 1
        key = {"connected": "connected", "lost_connection": "lost", "never_connected": "never"}
        cell[key.get(c["state"], "unstable")] += 1
    for row in rows.values():
        for k in KINDS:
            cell = row[k]
            ok = cell["connected"] + cell["unstable"]
            cell["text"] = "Có" if ok == cell["cameras"] else "Mất kết nối"
    totals = [f"Tổng số Camera TTPVHCC Có kết nối lên C_Thai Nguyen: {n}" for n in range(12)]
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
        "rows": sorted(rows.values(), key=lambda r: r["number"]),
        "totals": totals,
        "completed": [],
        "not_completed": [],
        "unstable": [],
        "quality": [],
    }


def _me(role: str) -> dict[str, Any]:
    return {
        "account_id": "bench",
        "username": "bench",
        "display_name": "Bench",
        "role": role,
        "unit_id": "",
        "sector_code": "traffic" if role == "sector_operator" else "",
        "password_change_required": False,
    }


async def _serve(page: Page, role: str) -> None:
    report = json.dumps(_report())
    tokens = json.dumps(
        {"access_token": "a", "token_type": "Bearer", "expires_in": 600, "refresh_token": "r"}
    )

    async def handle(route: Route) -> None:
        url = urlparse(route.request.url)
        path = url.path
        if path.startswith("/console/"):
            name = path.removeprefix("/console/") or "index.html"
            file = DIST / name
            await route.fulfill(body=file.read_bytes(), content_type=TYPES[file.suffix])
        elif path == "/api/v1/auth/refresh":
            await route.fulfill(body=tokens, content_type="application/json")
        elif path == "/api/v1/me":
            await route.fulfill(body=json.dumps(_me(role)), content_type="application/json")
        elif path == "/api/v1/reports/connection-status":
            await route.fulfill(body=report, content_type="application/json")
        elif path == "/api/v1/cameras":
            query = parse_qs(url.query)
            start = int((query.get("page_token") or ["0"])[0] or 0)
            size = int((query.get("page_size") or ["100"])[0])
            items = FLEET[start : start + size]
            nxt = str(start + size) if start + size < CAMERAS else ""
            body = {"items": items, "total": CAMERAS, "next_page_token": nxt}
            await route.fulfill(body=json.dumps(body), content_type="application/json")
        else:
            await route.fulfill(status=404, body="{}", content_type="application/json")

    await page.route(f"{ORIGIN}/**", handle)


async def _tti(role: str) -> list[float]:
    """Milliseconds from navigation start to the board's 92 rows and totals on screen."""
    times = []
    async with chromium(viewport=(1280, 720)) as browser:
        for _ in range(RUNS):
            page = await browser.new_page()
            await _serve(page, role)
            await page.add_init_script("sessionStorage.setItem('tncam.console.refresh', 'r')")
            await page.goto(f"{ORIGIN}/console/#/bang")
            await page.wait_for_function(
                f"document.querySelectorAll('table.board tbody tr').length === {COMMUNES}"
                " && document.querySelectorAll('[data-testid=totals] li').length > 0",
                timeout=30_000,
            )
            times.append(await page.evaluate("performance.now()"))
            await page.close()
    return times


def _bundle() -> tuple[int, int]:
    files = [DIST / n for n in ("app.js", "console.css", "index.html")]
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    return raw, packed


async def _main() -> int:
    if not (DIST / "app.js").exists():
        print("the console is not built: run `make console`", file=sys.stderr)
        return 1
    raw, packed = _bundle()
    print(f"bundle: {raw / 1000:.1f} kB, {packed / 1000:.1f} kB gzip (target < 300 kB gzip)")
    for role, what in (
        ("province_admin", "the province report of 2,760 cameras"),
        ("sector_operator", "2,760 cameras read in pages of 500"),
    ):
        ms = await _tti(role)
        print(
            f"board time to interactive, {what}: median {statistics.median(ms):.0f} ms, "
            f"min {min(ms):.0f} ms, max {max(ms):.0f} ms over {RUNS} loads (target < 1,000 ms)"
        )
    return 0


def main() -> int:
    return asyncio.run(_main())


if __name__ == "__main__":
    sys.exit(main())
