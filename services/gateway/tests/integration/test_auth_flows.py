"""Login, lockout, enumeration, MFA, refresh rotation, revocation — against real PostgreSQL and
NATS (the audit events land in a real JetStream AUDIT stream)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import pytest

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.db import accounts as repo
from tncam_gateway.domain import totp
from tncam_gateway.domain.passwords import Argon2Parameters, PasswordHasher
from tncam_gateway.domain.roles import Role
from tncam_mesh.db import unit_of_work

from .conftest import PASSWORD, Gateway, auth

pytestmark = pytest.mark.integration


async def test_login_me_and_audited_with_client_address(gw: Gateway) -> None:
    acc = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    async with gw.client("10.9.8.7") as c:
        r = await c.post("/api/v1/auth/token", data=gw.form(acc))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 600
        assert body["refresh_token"]
        assert r.headers["cache-control"] == "no-store"
        me = await c.get("/api/v1/me", headers=auth(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == acc["username"]
    assert me.json()["unit_id"] == "U1"
    events = [e for e in await gw.audit_events() if e.action == "account.login.succeeded"]
    assert events
    assert events[-1].actor.id == acc["id"]
    assert events[-1].client_address == "10.9.8.7"
    assert PASSWORD not in str(events[-1])


WRONG = "wrong password 123"


async def _fail(gw: Gateway, c: Any, username: str) -> Any:
    return await c.post("/api/v1/auth/token", data={"username": username, "password": WRONG})


async def test_no_user_enumeration_same_answer_and_similar_timing(gateway_factory: Any) -> None:
    gw: Gateway = await gateway_factory(lockout_threshold=50, lockout_address_threshold=50)
    acc = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    known: list[float] = []
    unknown: list[float] = []
    bodies = set()
    for i in range(6):
        async with gw.client(f"10.1.{i}.1") as c:  # a fresh address each time: no lockout
            for name, times in ((acc["username"], known), (f"ghost-{i}-{acc['id']}", unknown)):
                t0 = time.perf_counter()
                r = await _fail(gw, c, name)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 401
                body = r.json()
                bodies.add((body["code"], body["detail"], r.headers["content-type"]))
    assert bodies == {
        (
            "gateway.auth.invalid_credentials",
            "Tên đăng nhập hoặc mật khẩu không đúng (invalid username or password)",
            "application/problem+json",
        )
    }
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.4 < ratio < 2.5, (known, unknown)


async def test_progressive_lockout_per_account_even_with_right_password(gw: Gateway) -> None:
    acc = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    for i in range(3):  # threshold 3, each from another address
        async with gw.client(f"10.2.{i}.1") as c:
            assert (await _fail(gw, c, acc["username"])).status_code == 401
    async with gw.client("10.2.9.1") as c:
        r = await c.post(
            "/api/v1/auth/token", data={"username": acc["username"], "password": PASSWORD}
        )
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "gateway.auth.throttled"
    assert 50 <= int(r.headers["retry-after"]) <= 60
    actions = [e.action for e in await gw.audit_events()]
    assert "account.login.locked" in actions
    assert "account.login.throttled" in actions


async def test_unknown_names_lock_the_same_way(gw: Gateway) -> None:
    for i in range(3):
        async with gw.client(f"10.3.{i}.1") as c:
            assert (await _fail(gw, c, "nobody-here")).status_code == 401
    async with gw.client("10.3.9.1") as c:
        assert (await _fail(gw, c, "nobody-here")).status_code == 429


async def test_lockout_per_source_address(gw: Gateway) -> None:
    async with gw.client("10.4.4.4") as c:
        for i in range(6):  # address threshold 6, every name different
            assert (await _fail(gw, c, f"spray-{i}")).status_code == 401
        acc = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
        r = await c.post(
            "/api/v1/auth/token", data={"username": acc["username"], "password": PASSWORD}
        )
        assert r.status_code == 429
    assert await gw.login(acc)  # the same account from elsewhere still works


async def test_totp_mandatory_for_admin_and_replay_refused(gw: Gateway) -> None:
    admin = await gw.create_account(Role.PROVINCE_ADMIN, mfa=True)
    async with gw.client() as c:
        r = await c.post(
            "/api/v1/auth/token", data={"username": admin["username"], "password": PASSWORD}
        )
        assert r.status_code == 401
        assert r.json()["code"] == "gateway.auth.mfa_required"
        code = totp.code_at(admin["totp"], totp.step_of(gw.state.clock()))
        form = {"username": admin["username"], "password": PASSWORD, "totp": code}
        assert (await c.post("/api/v1/auth/token", data=form)).status_code == 200
        replay = await c.post("/api/v1/auth/token", data=form)
        assert replay.status_code == 401
        assert replay.json()["code"] == "gateway.auth.invalid_credentials"


async def test_admin_without_totp_must_enrol_first(gw: Gateway) -> None:
    token = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    async with gw.client() as c:
        r = await c.post(
            "/api/v1/accounts",
            headers=auth(token),
            json={
                "username": "new.admin.x1",
                "display_name": "Quản trị 2",
                "role": "province_admin",
            },
        )
        assert r.status_code == 201, r.text
        temp = r.json()["initial_secret"]
        login = {"username": "new.admin.x1", "password": temp}
        r = await c.post("/api/v1/auth/token", data=login)
        assert r.json()["code"] == "gateway.auth.mfa_enrollment_required"
        enrol = await c.post("/api/v1/auth/mfa/enroll", data=login)
        assert enrol.status_code == 200
        secret = enrol.json()["secret"]
        code = totp.code_at(secret, totp.step_of(gw.state.clock()))
        assert (
            await c.post("/api/v1/auth/mfa/confirm", data=login | {"totp": code})
        ).status_code == 204
        assert (await c.post("/api/v1/auth/mfa/enroll", data=login)).status_code == 409
        # The confirmation code cannot log in again (replay), the next step's code can.
        nxt = totp.code_at(secret, totp.step_of(gw.state.clock()) + 1)
        r = await c.post("/api/v1/auth/token", data=login | {"totp": nxt})
        assert r.status_code == 200
        assert r.json()["password_change_required"] is True
        # A forced change blocks everything but /me and /me/password.
        tok = r.json()["access_token"]
        r = await c.get("/api/v1/accounts", headers=auth(tok))
        assert r.json()["code"] == "gateway.auth.password_change_required"
        r = await c.post(
            "/api/v1/me/password",
            headers=auth(tok),
            json={"current_password": temp, "new_password": "password123456"},
        )
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.password.common"
        r = await c.post(
            "/api/v1/me/password",
            headers=auth(tok),
            json={"current_password": temp, "new_password": "Sông Cầu nước trong 1975"},
        )
        assert r.status_code == 204
        assert (await c.get("/api/v1/accounts", headers=auth(tok))).status_code == 200


async def test_disabled_account_refused_within_5_s_with_unexpired_token(gw: Gateway) -> None:
    admin_token = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    user = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    token = await gw.login(user)
    # Another replica (its own cache) holds the token as valid before the disable.
    async with gw.client() as c:
        assert (await c.get("/api/v1/me", headers=auth(token))).status_code == 200
        r = await c.post(
            f"/api/v1/accounts/{user['id']}/disable",
            headers=auth(admin_token),
            json={"reason": "Chuyển công tác"},
        )
        assert r.status_code == 200
        assert r.json()["status"] == "disabled"
        started = time.monotonic()
        while True:
            r = await c.get("/api/v1/me", headers=auth(token))
            if r.status_code == 401:
                break
            assert time.monotonic() - started < 5.0, "still accepted after 5 s"
            await asyncio.sleep(0.2)
        assert r.json()["code"] == "gateway.auth.invalid_token"
        r = await c.post(
            "/api/v1/auth/token", data={"username": user["username"], "password": PASSWORD}
        )
        assert r.status_code == 401
        assert r.json()["code"] == "gateway.auth.invalid_credentials"


async def test_refresh_rotation_and_reuse_detection(gw: Gateway) -> None:
    user = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    async with gw.client() as c:
        first = (await c.post("/api/v1/auth/token", data=gw.form(user))).json()
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200
        second = r.json()
        assert second["refresh_token"] != first["refresh_token"]
        # The rotated-out token used again (a thief, or a replay): the session dies.
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 401
        assert r.json()["code"] == "gateway.auth.refresh_reused"
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert r.status_code == 401
        await asyncio.sleep(1.2)  # the revocation cache (1 s here)
        r = await c.get("/api/v1/me", headers=auth(second["access_token"]))
        assert r.status_code == 401
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": "nope.nope"})
        assert r.status_code == 401
    assert "account.refresh.reused" in [e.action for e in await gw.audit_events()]


async def test_logout_ends_the_session(gw: Gateway) -> None:
    user = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    token = await gw.login(user)
    async with gw.client() as c:
        assert (await c.post("/api/v1/auth/logout", headers=auth(token))).status_code == 204
        assert (await c.get("/api/v1/me", headers=auth(token))).status_code == 401


async def test_tampered_token_refused_over_http(gw: Gateway) -> None:
    token = await gw.login(await gw.create_account(Role.UNIT_VIEWER, unit="U1"))
    head, payload, sig = token.split(".")
    async with gw.client() as c:
        r = await c.get("/api/v1/me", headers=auth(f"{head}.{payload}.{sig[:-3]}abc"))
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        r = await c.get("/api/v1/me", headers=auth(f"eyJhbGciOiJub25lIn0.{payload}."))
        assert r.status_code == 401
        r = await c.get("/api/v1/me")
        assert r.json()["code"] == "gateway.auth.token_missing"


async def test_client_credentials_for_app_client(gw: Gateway) -> None:
    admin_token = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    async with gw.client() as c:
        r = await c.post(
            "/api/v1/accounts",
            headers=auth(admin_token),
            json={
                "username": "c-thainguyen-app",
                "display_name": "C-Thái Nguyên",
                "role": "app_client",
                "unit_id": "skhcn",
            },
        )
        assert r.status_code == 201, r.text
        secret = r.json()["initial_secret"]
        r = await c.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "c-thainguyen-app",
                "client_secret": secret,
            },
        )
        assert r.status_code == 200
        assert r.json()["refresh_token"] is None
        # The client secret is not a password: the password grant refuses it.
        r = await c.post(
            "/api/v1/auth/token", data={"username": "c-thainguyen-app", "password": secret}
        )
        assert r.status_code == 401


async def test_rehash_on_login_when_parameters_changed(gw: Gateway) -> None:
    user = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    weak = PasswordHasher(Argon2Parameters(time_cost=1, memory_cost_kib=8192)).hash(PASSWORD)
    async with unit_of_work(gw.state.auth.sessions) as s:
        await repo.update(s, user["id"], password_hash=weak)
    await gw.login(user)
    async with unit_of_work(gw.state.auth.sessions) as s:
        account = await repo.get(s, user["id"])
    assert account is not None
    assert account.password_hash
    assert "m=19456,t=2,p=1" in account.password_hash


async def test_password_age_forces_change(gateway_factory: Any) -> None:
    gw: Gateway = await gateway_factory(password_max_age_days=1)
    user = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    async with unit_of_work(gw.state.auth.sessions) as s:
        await repo.update(s, user["id"], password_changed_at=gw.state.clock().replace(year=2020))
    async with gw.client() as c:
        r = await c.post("/api/v1/auth/token", data=gw.form(user))
        assert r.json()["password_change_required"] is True
        r = await c.get("/api/v1/cameras", headers=auth(r.json()["access_token"]))
        assert r.status_code == 403
        assert r.json()["code"] == "gateway.auth.password_change_required"


async def test_account_review_lists_inactive_and_moved_accounts(gw: Gateway) -> None:
    admin_token = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    idle = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
    moved = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    async with unit_of_work(gw.state.auth.sessions) as s:
        old = gw.state.clock().replace(year=2025)
        await repo.update(s, idle["id"], last_login_at=old, created_at=old)
    moved_token = await gw.login(moved)
    async with gw.client() as c:
        r = await c.patch(
            f"/api/v1/accounts/{moved['id']}", headers=auth(admin_token), json={"unit_id": "U2"}
        )
        assert r.status_code == 200
        assert r.json()["unit_id"] == "U2"
        r = await c.get("/api/v1/accounts/review", headers=auth(admin_token))
        assert r.status_code == 200
        assert r.json()["total"] == len(r.json()["items"])  # one page
        reasons = {e["account"]["id"]: e["reasons"] for e in r.json()["items"]}
        assert reasons[idle["id"]] == ["inactive_90_days"]
        assert reasons[moved["id"]] == ["scope_changed"]
        # The move revoked the moved account's tokens at once.
        assert (await c.get("/api/v1/me", headers=auth(moved_token))).status_code == 401
        r = await c.post(f"/api/v1/accounts/{moved['id']}/reviewed", headers=auth(admin_token))
        assert r.status_code == 204
        r = await c.get("/api/v1/accounts/review", headers=auth(admin_token))
        assert moved["id"] not in {e["account"]["id"] for e in r.json()["items"]}
    events = await gw.audit_events()
    upd = [
        e for e in events if e.action == "account.updated" and e.target.account_id == moved["id"]
    ]
    assert upd
    assert '"unit_id": "U2"' in upd[-1].after_json
    assert upd[-1].outcome == apb.OUTCOME_SUCCESS


async def test_only_admins_administer_accounts(gw: Gateway) -> None:
    token = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    async with gw.client() as c:
        r = await c.get("/api/v1/accounts", headers=auth(token))
    assert r.status_code == 403
    assert r.json()["code"] == "gateway.authz.role_forbidden"


async def test_every_role_reading_personal_data_must_use_totp(gw: Gateway) -> None:
    """An auditor (the audit log), a unit viewer (footage) without TOTP are refused a token
    until they enrol; with a code they get one."""
    for role in (Role.AUDITOR, Role.UNIT_VIEWER, Role.SECTOR_OPERATOR):
        bare = await gw.create_account(role, unit="U1", sector="S1", mfa=False)
        enrolled = await gw.create_account(role, unit="U1", sector="S1")
        async with gw.client() as c:
            r = await c.post("/api/v1/auth/token", data=gw.form(bare))
            assert r.status_code == 401, (role, r.text)
            assert r.json()["code"] == "gateway.auth.mfa_enrollment_required"
            no_code = {"username": enrolled["username"], "password": PASSWORD}
            r = await c.post("/api/v1/auth/token", data=no_code)
            assert r.status_code == 401, (role, r.text)
            assert r.json()["code"] == "gateway.auth.mfa_required"
        assert await gw.login(enrolled)
