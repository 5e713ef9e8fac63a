"""Purpose of access, audit-before-bytes, fail closed, break-glass grants, API quality."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.camera.v1 import snapshot_pb2
from tncam.gateway.v1 import grant_pb2
from tncam_contracts.catalog import CAMERA_SNAPSHOT_TAKEN, GRANT_ISSUED
from tncam_gateway.domain.roles import Role
from tncam_mesh.jetstream import publish

from .conftest import Gateway, auth

pytestmark = pytest.mark.integration

JPEG = b"\xff\xd8\xff\xe0" + b"tncam-test-image" * 20 + b"\xff\xd9"


async def add_camera(gw: Gateway, unit: str, sectors: tuple[str, ...] = ()) -> str:
    camera_id = f"cam-{uuid.uuid4().hex[:8]}"
    gw.registry.add(camera_id, unit, sectors)
    shot = snapshot_pb2.SnapshotTaken(camera_id=camera_id, width=64, height=36)
    shot.taken_at.FromDatetime(gw.state.clock())
    shot.jpeg_thumbnail = JPEG
    await publish(
        gw.bus.js,
        CAMERA_SNAPSHOT_TAKEN.subject(camera_id, gw.namespace),
        shot,
        msg_id=f"{camera_id}-snap",
    )
    return camera_id


def snap(camera_id: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/cameras/{camera_id}/snapshot" + (f"?{query}" if query else "")


async def test_purpose_required_and_access_in_processing_log(gw: Gateway) -> None:
    cam = await add_camera(gw, "U1")
    user = await gw.create_account(Role.UNIT_OPERATOR, unit="U1")
    token = await gw.login(user)
    async with gw.client("10.20.0.1") as c:
        r = await c.get(snap(cam), headers=auth(token))
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "gateway.footage.purpose_required"
        r = await c.get(snap(cam, purpose="curiosity"), headers=auth(token))
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.request.invalid"
        r = await c.get(snap(cam, purpose="other"), headers=auth(token))
        assert r.json()["code"] == "gateway.footage.purpose_text_required"
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(token))
        assert r.status_code == 200, r.text
        assert r.content == JPEG
        assert r.headers["content-type"] == "image/jpeg"
        event_id = r.headers["x-audit-event-id"]
    events = {e.event_id: e for e in await gw.audit_events()}
    e = events[event_id]  # acknowledged by JetStream before the response was sent
    assert e.action == "footage.snapshot.accessed"
    assert e.purpose_code == apb.PURPOSE_CODE_PUBLIC_ORDER
    assert list(e.data_categories) == [apb.DATA_CATEGORY_IMAGE]
    assert list(e.target.cameras.camera_ids) == [cam]
    assert e.actor.id == user["id"]
    assert e.legal_basis == apb.LEGAL_BASIS_NONE
    assert e.client_address == "10.20.0.1"


async def test_out_of_scope_refused_and_audited(gw: Gateway) -> None:
    cam = await add_camera(gw, "U1", ("traffic",))
    other = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U2"))
    sector = await gw.login(await gw.create_account(Role.SECTOR_OPERATOR, sector="traffic"))
    auditor = await gw.login(await gw.create_account(Role.AUDITOR))
    async with gw.client() as c:
        # Out of scope answers exactly as an unknown camera does: no hint that it exists.
        unknown = await c.get(snap("no-such-camera", purpose="public_order"), headers=auth(other))
        assert unknown.status_code == 404
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(other))
        assert r.status_code == 404
        assert r.json()["code"] == unknown.json()["code"] == "gateway.camera.not_found"
        assert r.json()["detail"] == unknown.json()["detail"]
        r = await c.get(snap(cam, purpose="traffic_safety"), headers=auth(sector))
        assert r.status_code == 200
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(auditor))
        assert r.status_code == 404
        assert r.json()["code"] == "gateway.camera.not_found"
        r = await c.get(f"/api/v1/cameras/{cam}", headers=auth(other))
        assert r.status_code == 404  # no hint that an out-of-scope camera exists
        r = await c.get(f"/api/v1/cameras/{cam}", headers=auth(sector))
        assert r.status_code == 200
        assert "rtsp" not in r.text
    denied = [e for e in await gw.audit_events() if e.action == "footage.snapshot.denied"]
    assert {e.error_code for e in denied} >= {
        "gateway.authz.out_of_scope",
        "gateway.authz.role_forbidden",
    }


async def test_audit_unavailable_means_503_and_nothing_served(
    gw: Gateway, gateway_factory: Any
) -> None:
    cam = await add_camera(gw, "U1")
    token = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1"))
    # Same database and keys, but its audit log is a namespace with no AUDIT stream.
    dead: Gateway = await gateway_factory(audit_namespace=f"noaudit{uuid.uuid4().hex[:8]}")
    async with dead.client() as c:
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(token))
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "gateway.audit.unavailable"
    assert r.json()["retryable"] is True
    assert JPEG not in r.content
    assert r.headers["content-type"] == "application/problem+json"
    async with dead.client() as c:  # logins are audited too: no audit, no token
        acc = await gw.create_account(Role.UNIT_VIEWER, unit="U1")
        r = await c.post("/api/v1/auth/token", data=gw.form(acc))
    assert r.status_code == 503


async def test_break_glass_grant_notifies_owning_unit_and_is_carried_by_each_use(
    gw: Gateway,
) -> None:
    cam = await add_camera(gw, "U7")
    admin = await gw.create_account(Role.PROVINCE_ADMIN, mfa=True)
    token = await gw.login(admin)
    sub = await gw.bus.js.subscribe(GRANT_ISSUED.subject("U7", gw.namespace), ordered_consumer=True)
    now = gw.state.clock()
    async with gw.client() as c:
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(token))
        assert r.status_code == 403
        assert r.json()["code"] == "gateway.authz.grant_required"
        body = {
            "legal_basis": "written_request",
            "document_number": "123/CV-CAT",
            "document_issuer": "Công an tỉnh Thái Nguyên",
            "document_date": (now - timedelta(days=1)).date().isoformat(),
            "reason": "Xác minh vụ việc theo công văn",
            "camera_ids": [cam],
            "footage_from": (now - timedelta(days=1)).isoformat(),
            "footage_to": (now + timedelta(hours=1)).isoformat(),
            "scopes": ["view"],
            "expires_at": (now + timedelta(hours=2)).isoformat(),
        }
        r = await c.post("/api/v1/grants", headers=auth(token), json=body)
        assert r.status_code == 201, r.text
        grant = r.json()
        assert grant["unit_ids"] == ["U7"]
        assert grant["notified"] is True
        assert grant["active"]
        r = await c.get(
            snap(cam, purpose="incident_investigation", grant_id=grant["id"]), headers=auth(token)
        )
        assert r.status_code == 200
        r = await c.get("/api/v1/grants?active=true", headers=auth(token))
        assert grant["id"] in [g["id"] for g in r.json()["items"]]
        # The owning unit's operator sees it; another unit's does not.
        own = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U7"))
        r = await c.get("/api/v1/grants", headers=auth(own))
        assert [g["id"] for g in r.json()["items"]] == [grant["id"]]
        r = await c.post(f"/api/v1/grants/{grant['id']}/revoke", headers=auth(token))
        assert r.status_code == 200
        assert r.json()["active"] is False
        r = await c.get(snap(cam, purpose="public_order"), headers=auth(token))
        assert r.status_code == 403
        assert r.json()["code"] == "gateway.authz.grant_expired"
        # Missing document for a written request: a problem with a stable code.
        r = await c.post("/api/v1/grants", headers=auth(token), json=body | {"document_number": ""})
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.grant.document_required"
    msg = await asyncio.wait_for(sub.next_msg(), 5)
    issued = grant_pb2.GrantIssued.FromString(msg.data)
    assert issued.grant_id == grant["id"]
    assert list(issued.camera_ids) == [cam]
    assert issued.document_number == "123/CV-CAT"
    assert issued.issued_by.id == admin["id"]
    await sub.unsubscribe()
    uses = [e for e in await gw.audit_events() if e.grant_id == grant["id"]]
    by_action = {e.action: e for e in uses}
    assert by_action["footage.snapshot.accessed"].legal_basis == apb.LEGAL_BASIS_WRITTEN_REQUEST
    assert by_action["footage.snapshot.accessed"].purpose_code == (
        apb.PURPOSE_CODE_CASE_INVESTIGATION
    )
    assert by_action["grant.issued"].document_number == "123/CV-CAT"
    assert "grant.revoked" in by_action


async def test_problem_details_everywhere(gw: Gateway) -> None:
    admin = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    async with gw.client() as c:
        r = await c.post("/api/v1/accounts", headers=auth(admin), json={"username": 5})
        assert r.status_code == 422
        body = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        assert body["code"] == "gateway.request.invalid"
        assert body["errors"]
        assert (await c.get("/api/v1/nothing-here")).json()["code"] == "gateway.route.not_found"
        r = await c.delete("/api/v1/me")
        assert r.status_code == 405
        assert r.json()["status"] == 405
        r = await c.post(
            "/api/v1/accounts",
            headers=auth(admin) | {"content-type": "application/json"},
            content=b"[" + b"1," * 700_000 + b"1]",
        )
        assert r.status_code == 413
        assert r.json()["code"] == "gateway.request.too_large"
        assert r.headers["x-request-id"]


async def test_rate_limit_per_user(gateway_factory: Any) -> None:
    gw: Gateway = await gateway_factory(rate_limit_user_per_minute=3)
    token = await gw.login(await gw.create_account(Role.UNIT_VIEWER, unit="U1"))
    async with gw.client() as c:
        codes = [(await c.get("/api/v1/me", headers=auth(token))).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = await c.get("/api/v1/me", headers=auth(token))
        assert r.json()["code"] == "gateway.rate_limited.user"
        assert int(r.headers["retry-after"]) >= 1


async def test_rate_limit_per_address(gateway_factory: Any) -> None:
    gw: Gateway = await gateway_factory(rate_limit_address_per_minute=5)
    async with gw.client("10.50.0.1") as c:
        codes = [(await c.get("/api/v1/me")).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    async with gw.client("10.50.0.2") as c:
        assert (await c.get("/api/v1/me")).status_code == 401


async def test_cors_from_settings(gateway_factory: Any) -> None:
    gw: Gateway = await gateway_factory(cors_origins=["https://c.thainguyen.gov.vn"])
    async with gw.client() as c:
        r = await c.options(
            "/api/v1/auth/token",
            headers={
                "Origin": "https://c.thainguyen.gov.vn",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert r.headers["access-control-allow-origin"] == "https://c.thainguyen.gov.vn"
        r = await c.options(
            "/api/v1/auth/token",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in r.headers


async def test_break_glass_footage_window_is_bounded(gw: Gateway) -> None:
    """Footage 2020-2030 is refused: no older than the longest retention (365 days), and never
    past the grant's own expiry."""
    cam = await add_camera(gw, "U7")
    token = await gw.login(await gw.create_account(Role.PROVINCE_ADMIN, mfa=True))
    now = gw.state.clock()
    body = {
        "legal_basis": "emergency_command",
        "reason": "Chỉ đạo khẩn cấp của lãnh đạo tỉnh",
        "camera_ids": [cam],
        "scopes": ["view"],
        "expires_at": (now + timedelta(hours=2)).isoformat(),
    }
    cases = {
        "gateway.grant.footage_too_old": (now.replace(year=2020), now),
        "gateway.grant.footage_after_expiry": (now - timedelta(hours=1), now.replace(year=2030)),
    }
    async with gw.client() as c:
        for code, (start, end) in cases.items():
            window = {"footage_from": start.isoformat(), "footage_to": end.isoformat()}
            r = await c.post("/api/v1/grants", headers=auth(token), json=body | window)
            assert r.status_code == 422, r.text
            assert r.json()["code"] == code
        ok = {
            "footage_from": (now - timedelta(days=364)).isoformat(),
            "footage_to": (now + timedelta(hours=1)).isoformat(),
        }
        r = await c.post("/api/v1/grants", headers=auth(token), json=body | ok)
        assert r.status_code == 201, r.text


async def test_instants_are_aware_and_within_known_years(gw: Gateway) -> None:
    """Year 0001 is refused on input; every instant served carries an offset (RFC 3339)."""
    cam = await add_camera(gw, "U1")
    changed = gw.state.clock().replace(microsecond=0)
    gw.registry.cameras[cam].state_changed_at.FromDatetime(changed)
    token = await gw.login(await gw.create_account(Role.UNIT_OPERATOR, unit="U1", commune=True))
    async with gw.client() as c:
        body = {
            "camera_id": cam,
            "from": "0001-01-01T00:00:00+07:00",
            "to": "0001-01-01T00:05:00+07:00",
            "purpose": "public_order",
            "reason": "Kiểm tra",
        }
        r = await c.post("/api/v1/exports", headers=auth(token), json=body)
        assert r.status_code == 422, r.text
        r = await c.get(
            "/api/v1/exports", params={"since": "0001-01-01T00:00:00Z"}, headers=auth(token)
        )
        assert r.status_code == 422, r.text
        r = await c.get(f"/api/v1/cameras/{cam}", headers=auth(token))
        assert r.status_code == 200, r.text
    served = datetime.fromisoformat(r.json()["state_changed_at"])
    assert served.tzinfo is not None, r.json()["state_changed_at"]
    assert served == changed
