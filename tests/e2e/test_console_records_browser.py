"""The console's record pages (issue 16, third part) in Debian's headless Chromium, on the
``make run`` stack shared with the other console modules (one stack, the admin's one TOTP
session): the province admin's break-glass access to two cameras is found by the auditor's
audit search (reached from the grant's "review after" link) with its purpose, and the CSV
downloads with it; a unit leader of commune 02 sees only its unit's events (on a 1024×768
tablet screen); the admin's breach register, maintenance, needs registration, account actions
and periodic review, and the board's sections II/III and map view work; a new account's TOTP
enrolment shows a QR code. axe-core on every page; screenshots under var/console-screens/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import BrowserContext, Page

from tncam_contracts.units import commune_unit_id
from tncam_testkit.browser import chromium, console_of

from .conftest import SharedStack, TotpCodes
from .console_kit import REFRESH_KEY, VIEWPORT, ConsoleStack, admin_console, hand_back, resume, shot

pytestmark = pytest.mark.e2e

TABLET = (1024, 768)
SUFFIX = secrets.token_hex(3)


@dataclass
class Person:
    account_id: str
    username: str
    refresh_token: str


@dataclass
class Records:
    stack: ConsoleStack
    auditor: Person
    leader: Person
    admin_id: str
    grant_id: str
    purpose_text: str
    enrol_username: str
    enrol_password: str


def _password() -> str:
    return f"Chè Tân Cương {secrets.token_urlsafe(9)}"


def _person(
    s: ConsoleStack, username: str, role: str, unit: str = "", leader: bool = False
) -> Person:
    """A new account, through the API as its person would: TOTP enrolled and confirmed, the
    first password changed; its session's refresh token for a browser tab to resume."""
    first, second = _password(), _password()
    body = {
        "username": username,
        "display_name": f"Cán bộ {username}",
        "role": role,
        "unit_id": unit,
        "unit_is_commune": bool(unit),
        "unit_leader": leader,
        "password": first,
    }
    r = s.api("POST", "/api/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    account_id = r.json()["account"]["id"]
    base = s.gateway + "/api/v1"
    form = {"username": username, "password": first}
    r = httpx.post(f"{base}/auth/mfa/enroll", data=form, timeout=30)
    assert r.status_code == 200, r.text
    codes = TotpCodes(r.json()["secret"])
    r = httpx.post(f"{base}/auth/mfa/confirm", data={**form, "totp": codes.next()}, timeout=30)
    assert r.status_code == 204, r.text
    r = httpx.post(f"{base}/auth/token", data={**form, "totp": codes.next()}, timeout=30)
    assert r.status_code == 200, r.text
    tokens = r.json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    change = {"current_password": first, "new_password": second}
    r = httpx.post(f"{base}/me/password", json=change, headers=auth, timeout=30)
    assert r.status_code == 204, r.text
    r = httpx.post(
        f"{base}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=30
    )
    assert r.status_code == 200, r.text
    return Person(account_id, username, r.json()["refresh_token"])


@pytest.fixture(scope="module")
def records(make_run_stack: SharedStack) -> Records:
    """An auditor, the leader of commune 02, a break-glass grant of the admin's on CAM-02-002
    and CAM-03-003, and one live session of the admin on each under that grant (its purpose
    and words recorded in the audit log before any byte)."""
    s = admin_console(make_run_stack)
    s.rotate()  # a fresh access token of the shared session
    admin_id = s.api("GET", "/api/v1/me").json()["account_id"]
    auditor = _person(s, f"kiemtra.{SUFFIX}", "auditor")
    leader = _person(s, f"xa02.lanhdao.{SUFFIX}", "unit_viewer", commune_unit_id("02"), True)
    now = dt.datetime.now(dt.UTC)
    r = s.api(
        "POST",
        "/api/v1/grants",
        json={
            "legal_basis": "emergency_command",
            "reason": "Chỉ huy xử lý ùn tắc giao thông tại hai xã",
            "camera_ids": ["CAM-02-002", "CAM-03-003"],
            "footage_from": (now - dt.timedelta(hours=1)).isoformat(),
            "footage_to": (now + dt.timedelta(hours=1)).isoformat(),
            "scopes": ["view"],
            "expires_at": (now + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    grant_id = r.json()["id"]
    words = f"Theo dõi ùn tắc nút giao {SUFFIX}"
    for camera in ("CAM-02-002", "CAM-03-003"):
        live = {
            "camera_id": camera,
            "purpose": "traffic_safety",
            "purpose_text": words,
            "grant_id": grant_id,
        }
        r = s.api("POST", "/api/v1/live", json=live)
        assert r.status_code in (200, 201), r.text
    enrol = f"xa01.moi.{SUFFIX}"
    password = _password()
    body = {
        "username": enrol,
        "display_name": "Lê Văn Mới",
        "role": "unit_viewer",
        "unit_id": commune_unit_id("01"),
        "unit_is_commune": True,
        "password": password,
    }
    r = s.api("POST", "/api/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    return Records(s, auditor, leader, admin_id, grant_id, words, enrol, password)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[BrowserContext]:
    """One Chromium for the module; each test's tab holds its own person's session."""
    async with chromium(viewport=VIEWPORT) as context:
        yield context


async def _tab(browser: BrowserContext, person: Person, size: tuple[int, int] = VIEWPORT) -> Page:
    """A new tab resuming ``person``'s session (the tab's sessionStorage, as after a sign-in)."""
    page = await browser.new_page()
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    key, value = json.dumps(REFRESH_KEY), json.dumps(person.refresh_token)
    await page.add_init_script(
        f"if (!sessionStorage.getItem({key})) sessionStorage.setItem({key}, {value})"
    )
    return page


async def _rows(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in await page.locator(f"{selector} tbody tr").all_inner_texts()]


async def test_the_auditor_finds_the_break_glass_access_with_its_purpose_and_its_csv(
    records: Records, browser: BrowserContext
) -> None:
    page = await _tab(browser, records.auditor)
    console = console_of(page)
    await page.goto(f"{records.stack.console}#/quyen-truy-cap")
    grant = page.locator(f"tr[data-grant='{records.grant_id}']")
    await grant.wait_for()
    nav = await page.locator("header nav a").all_inner_texts()
    assert "Nhật ký truy cập" in nav
    assert "Sổ sự cố lộ lọt" in nav
    assert "Quản lý tài khoản" not in nav
    await shot(page, records.stack, "20-quyen-truy-cap-kiem-tra")

    # Review after: the grant's uses, the audit search of its grantee while it held.
    await grant.locator("a", has_text="Các lần sử dụng").click()
    await page.wait_for_selector("main[data-loaded=yes] [data-testid=audit-log] tbody tr")
    assert await page.input_value("#a-actor") == records.admin_id
    rows = await _rows(page, "[data-testid=audit-log]")
    ours = [r for r in rows if records.purpose_text in r]
    assert {("CAM-02-002" in r, "CAM-03-003" in r) for r in ours} == {
        (True, False),
        (False, True),
    }, rows
    assert all("Bảo đảm an toàn giao thông" in r and "Chỉ đạo khẩn cấp" in r for r in ours), ours
    await shot(page, records.stack, "21-nhat-ky-tra-cuu")

    # Narrowed to one camera, then the same search as CSV.
    await page.fill("#a-camera", "CAM-03-003")
    await page.click("form[role=search] button[type=submit]")
    # The search's new rows (the page may still show the former ones, or none, as it reloads).
    await page.wait_for_function(
        "() => { const rows = [...document.querySelectorAll("
        "'main[data-loaded=yes] [data-testid=audit-log] tbody tr')];"
        " return rows.length > 0 && rows.every(r => r.innerText.includes('CAM-03-003')); }"
    )
    rows = await _rows(page, "[data-testid=audit-log]")
    assert rows
    assert all("CAM-03-003" in r for r in rows), rows
    async with page.expect_download() as info:
        await page.click("button:has-text('Tải CSV')")
    download = await info.value
    assert download.suggested_filename.endswith(".csv")
    text = (await download.path()).read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    found = [row for row in table if row["Diễn giải mục đích"] == records.purpose_text]
    assert len(found) == 1, text[:2000]
    assert found[0]["Camera"] == "CAM-03-003"
    assert found[0]["Mục đích"] == "Bảo đảm an toàn giao thông"
    assert found[0]["Mã cấp quyền/phê duyệt"] == records.grant_id
    assert not [line for line in console if line.startswith("pageerror")], console
    await page.close()


async def test_a_unit_leader_sees_only_its_units_events_on_a_tablet(
    records: Records, browser: BrowserContext
) -> None:
    page = await _tab(browser, records.leader, TABLET)
    await page.goto(f"{records.stack.console}#/nhat-ky")
    await page.wait_for_selector("main[data-loaded=yes] [data-testid=audit-log] tbody tr")
    views = await page.locator("#a-view option").evaluate_all("os => os.map(o => o.value)")
    assert views == ["processing", "extraction"]  # not the whole log
    rows = await _rows(page, "[data-testid=audit-log]")
    assert any("CAM-02-002" in r and records.purpose_text in r for r in rows), rows
    assert not any("CAM-03-003" in r for r in rows), rows
    # The tablet: nothing wider than the screen but the tables' own scrolling.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET[0], width
    await shot(page, records.stack, "22-nhat-ky-lanh-dao-xa-may-tinh-bang")
    await page.close()


async def test_admin_breaches_maintenance_needs(records: Records, browser: BrowserContext) -> None:
    s = records.stack
    page = await browser.new_page()
    console = console_of(page)
    await resume(page, s)
    try:
        # The breach register: a detection in the future is refused next to its field.
        await page.goto(f"{s.console}#/so-su-co")
        await page.wait_for_selector("main[data-loaded=yes]")
        title = f"Lộ mật khẩu tài khoản xem của xã {SUFFIX}"
        await page.fill("#b-title", title)
        await page.fill("#b-scope", "Hình ảnh 1 camera của xã Phan Đình Phùng")
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
        await page.fill("#b-detected", later)
        await page.click("form[aria-labelledby=breach-new-h] button[type=submit]")
        await page.wait_for_selector("#b-detected-error")
        await page.fill(
            "#b-detected",
            (dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        )
        await page.click("form[aria-labelledby=breach-new-h] button[type=submit]")
        row = page.locator("[data-testid=breaches] tr", has_text=title)
        await row.wait_for()
        assert await row.locator("td[data-status]").get_attribute("data-status") == "open"
        await row.locator("button", has_text="Ghi văn bản").click()
        await page.fill("#n-number", f"12/TB-SKHCN-{SUFFIX}")
        await page.click("form[aria-labelledby=notice-h] button[type=submit]")
        await row.locator("text=Công an tỉnh: số").wait_for()
        await shot(page, s, "23-so-su-co")

        # Maintenance: a visit recorded, in the log; the schedule shown.
        await page.click("a[href='#/bao-tri']")
        await page.wait_for_selector("main[data-loaded=yes]")
        note = f"Vệ sinh ống kính, kiểm tra nguồn {SUFFIX}"
        await page.fill("#m-camera", "CAM-01-001")
        await page.fill("#m-note", note)
        await page.click("form[aria-labelledby=maint-new-h] button[type=submit]")
        await page.locator("[data-testid=maintenance] tr", has_text=note).wait_for()
        await shot(page, s, "24-bao-tri")

        # Needs for next year: registered for commune 01, no longer among the missing.
        await page.click("a[href='#/nhu-cau']")
        await page.wait_for_selector("main[data-loaded=yes]")
        unit = commune_unit_id("01")
        assert unit in await page.inner_text("[data-testid=needs-missing]")
        await page.fill("#nd-unit", unit)
        await page.fill("#nd-commune-0", "01")
        await page.fill("#nd-count-0", "3")
        await page.fill("#nd-budget", "Ngân sách xã năm sau")
        await page.click("button[type=submit]:has-text('Đăng ký')")
        await page.locator(f"[data-testid=needs] tr[data-unit='{unit}']").wait_for()
        assert "3 camera" in await page.inner_text(f"[data-testid=needs] tr[data-unit='{unit}']")
        await shot(page, s, "25-nhu-cau")
        assert not [line for line in console if line.startswith("pageerror")], console
    finally:
        await hand_back(page, s)
        await page.close()


async def test_admin_accounts_review_board_map_and_totp_qr(
    records: Records, browser: BrowserContext
) -> None:
    s = records.stack
    # An account whose unit changed since its last review: due for the periodic review.
    r = s.api(
        "PATCH", f"/api/v1/accounts/{records.leader.account_id}", json={"role": "unit_operator"}
    )
    assert r.status_code == 200, r.text
    page = await browser.new_page()
    console = console_of(page)
    await resume(page, s)
    try:
        await page.goto(f"{s.console}#/quan-ly-tai-khoan")
        row = page.locator(f"[data-testid=accounts] tr:has(th:text-is('{records.enrol_username}'))")
        await row.wait_for()
        await row.locator("button", has_text="Khóa tài khoản").click()
        await page.click("form[data-action=disable] button[type=submit]")  # no reason yet
        await page.wait_for_selector("#act-reason-error")
        await page.fill("#act-reason", "Nghỉ phép dài ngày")
        await page.click("form[data-action=disable] button[type=submit]")
        await row.locator("td", has_text="Đã khóa").wait_for()
        await row.locator("button", has_text="Mở khóa tài khoản").click()
        await page.fill("#act-reason", "Đi làm trở lại")
        await page.click("form[data-action=enable] button[type=submit]")
        await row.locator("td", has_text="Đang hoạt động").wait_for()
        await shot(page, s, "26-quan-ly-tai-khoan")

        await page.click("a[href='#/ra-soat-tai-khoan']")
        due = page.locator(f"[data-testid=review] tr[data-account='{records.leader.username}']")
        await due.wait_for()
        assert "Đổi đơn vị hoặc vai trò" in await due.inner_text()
        await shot(page, s, "27-ra-soat-tai-khoan")
        await due.locator("button", has_text="Giữ").click()
        await page.click("form[data-action=keep] button[type=submit]")
        await page.wait_for_selector(".alert.info")
        await due.wait_for(state="detached")

        # The board: sections II and III below the communes; the map of the 92 communes.
        report = s.api("GET", "/api/v1/reports/connection-status").json()
        await page.click("a[href='#/bang']")
        await page.wait_for_selector("table.board tbody tr")
        assert await page.locator("#section-ii").count() == 1
        assert await page.locator("#section-iii").count() == 1
        shown = await page.locator("[data-testid=section-iii] tbody tr").count()
        assert shown == len(report["departments"])
        await page.check("input[name=board-view] >> nth=1")
        squares = page.locator("[data-testid=board-map] a[data-commune]")
        assert await squares.count() == 92
        states = dict(
            await squares.evaluate_all("as => as.map(a => [a.dataset.commune, a.dataset.state])")
        )
        for row_ in report["rows"]:
            cells = [row_[k] for k in ("service_center", "committee_hq", "square")]
            want = (
                "lost"
                if any(c["lost"] for c in cells)
                else "never"
                if any(c["never"] for c in cells)
                else "ok"
                if any(c["cameras"] for c in cells)
                else "none"
            )
            assert states[row_["commune_code"]] == want, row_
        assert await page.locator("table.board").is_hidden()
        await shot(page, s, "28-ban-do-xa-phuong")
        assert not [line for line in console if line.startswith("pageerror")], console
    finally:
        await hand_back(page, s)
        await page.close()

    # A new account's first sign-in: the enrolment shows the otpauth URI as a QR code.
    page = await browser.new_page()
    await page.goto(s.console)
    await page.wait_for_selector("#username")
    await page.fill("#username", records.enrol_username)
    await page.fill("#password", records.enrol_password)
    await page.click("button[type=submit]")
    qr = page.locator("svg.qr")
    await qr.wait_for()
    modules = int(await qr.get_attribute("data-modules") or 0)
    assert modules >= 25  # version 2 or more with its border: an otpauth URI does not fit less
    assert await qr.get_attribute("aria-label")
    assert len((await page.inner_text("#totp-secret")).strip()) >= 16
    await shot(page, s, "29-dang-ky-totp-ma-qr")
    await page.close()
