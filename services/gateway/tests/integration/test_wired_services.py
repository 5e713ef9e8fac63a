"""The gateway against the REAL registry and recorder (processes, one MinIO): camera
administration and import, the connection report, playback through HLS decoded by PyAV,
playback tokens bound to camera and range, quick extraction and approved exports downloadable
once, the analytics gate, fail-closed audit, and the authorization matrix on every endpoint."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import httpx
import pytest
import sqlalchemy as sa

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.camera.v1 import snapshot_pb2, status_pb2
from tncam.common.v1.object_ref_pb2 import ObjectRef
from tncam.recording.v1.recording_api_pb2 import ListSegmentsReply, ListSegmentsRequest
from tncam_contracts.catalog import (
    AUDIT_STREAM,
    CAMERA_SNAPSHOT_TAKEN,
    CAMERA_STATUS_CHANGED,
    CAMERA_STREAM,
    GATEWAY_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_LIST_SEGMENTS,
)
from tncam_gateway.app import create_app
from tncam_gateway.clients.recorder import ts
from tncam_gateway.domain.roles import Role
from tncam_gateway.service.context import build_state
from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.audit import AuditClient
from tncam_mesh.bus import connect
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.http import HttpServer
from tncam_mesh.jetstream import ensure_stream, publish
from tncam_mesh.rpc import call
from tncam_recorder.media.fmp4 import fragment_elementary
from tncam_registry.domain.notify import verify
from tncam_testkit.cameras import make_clips
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.images import jpeg_size, make_jpeg
from tncam_testkit.nats import NatsServer
from tncam_testkit.notify import WebhookReceiver
from tncam_testkit.procs import free_port
from tncam_testkit.s3 import S3Endpoint, make_server
from tncam_testkit.segments import publish_clip
from tncam_testkit.services import ServiceProcess

from .conftest import Gateway, Registry, auth, make_settings

pytestmark = pytest.mark.integration

SIGNING_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
CREDENTIALS_KEY = "gw-integration-credentials-key-0123456789"
COMMUNE = "01"  # Phường Phan Đình Phùng (registry data/communes.csv)
UNIT = f"commune-{COMMUNE}"
OTHER_UNIT = "commune-02"
SEGMENTS = 12  # one-second fragments, 10 fps


@dataclass
class Mesh:
    namespace: str
    registry: ServiceProcess
    recorder: ServiceProcess
    s3: S3Endpoint
    segment_bucket: str
    snapshot_bucket: str


@pytest.fixture(scope="module")
def mesh(
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Mesh]:
    ns = f"gwm{uuid.uuid4().hex[:10]}"
    work = tmp_path_factory.mktemp("gwmesh")

    async def streams() -> None:
        bus = await connect(nats_server.url, name="gw-mesh-setup")
        for spec in (AUDIT_STREAM, GATEWAY_STREAM, CAMERA_STREAM, RECORDING_HANDOFF_STREAM):
            await ensure_stream(bus.js, spec.scoped(ns))
        await bus.close()

    asyncio.run(streams())
    base = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    base.update(migrated_database.env())
    base.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_NATS_NAMESPACE": ns,
            "TNCAM_LOG_LEVEL": "WARNING",
        }
    )
    segment_bucket, snapshot_bucket = f"gw-{uuid.uuid4().hex[:10]}", f"gws-{uuid.uuid4().hex[:10]}"
    with make_server("minio", work / "minio") as s3:
        registry = ServiceProcess(
            "registry",
            env=base | {"TNCAM_REGISTRY_CREDENTIALS_KEY": CREDENTIALS_KEY},
            log_dir=work,
        )
        recorder = ServiceProcess(
            "recorder",
            env=base
            | {
                "TNCAM_S3_ENDPOINT": s3.endpoint.url,
                "TNCAM_S3_ACCESS_KEY": s3.endpoint.access_key,
                "TNCAM_S3_SECRET_KEY": s3.endpoint.secret_key,
                "TNCAM_RECORDER_BUCKET": segment_bucket,
                # Ingest's snapshot bucket (ingest itself is not run: the test writes with its
                # SnapshotStore and publishes its event).
                "TNCAM_RECORDER_SNAPSHOT_BUCKET": snapshot_bucket,
                "TNCAM_RECORDER_SIGNING_KEY": SIGNING_KEY,
                "TNCAM_RECORDER_WRITE_CONCURRENCY": "2",
                # FFmpeg-based players check file extensions in playlists.
                "TNCAM_RECORDER_SEGMENT_URL_TEMPLATE": (
                    "/api/v1/recordings/segments/{segment_id}.m4s"
                ),
                "TNCAM_RECORDER_INIT_URL_TEMPLATE": (
                    "/api/v1/recordings/cameras/{camera_id}/init/{init_sha256}.mp4"
                ),
            },
            log_dir=work,
        )
        registry.start()
        recorder.start()
        try:
            yield Mesh(ns, registry, recorder, s3.endpoint, segment_bucket, snapshot_bucket)
        finally:
            recorder.stop()
            registry.stop()
    for name in ("registry", "recorder"):
        log = (work / f"{name}.log").read_text()
        assert CREDENTIALS_KEY not in log
        assert SIGNING_KEY not in log


@dataclass
class Live:
    gw: Gateway
    url: str
    media: tuple[bytes, list[bytes]]
    mesh: Mesh


@pytest.fixture(scope="module")
async def live(
    mesh: Mesh,
    migrated_database: MigratedDatabase,
    nats_server: NatsServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Live]:
    settings = make_settings(
        migrated_database,
        nats_server,
        mesh.namespace,
        rate_limit_user_per_minute=100_000,
        rate_limit_address_per_minute=100_000,
        lockout_threshold=50,
        lockout_address_threshold=1000,
    )
    bus = await connect(nats_server.url, name="gw-wired")
    engine = create_engine(
        service_url(
            migrated_database.base_url,
            user="tncam_gateway",
            password=migrated_database.passwords["gateway"],
        ),
        schema="gateway",
        pool_size=5,
        application_name="gw-wired",
    )
    state = build_state(settings, session_factory(engine), bus)
    app = create_app([])
    app.state.gateway = state
    server = HttpServer(app, "127.0.0.1", free_port())
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started
    clips = make_clips(tmp_path_factory.mktemp("clips"), seconds=SEGMENTS, fps=10, gop=10)
    media = await asyncio.to_thread(fragment_elementary, clips.h265)
    assert len(media[1]) == SEGMENTS
    gw = Gateway(state, app, bus, mesh.namespace, Registry(), engine)
    try:
        yield Live(gw, f"http://127.0.0.1:{server.port}", media, mesh)
    finally:
        server.stop()
        await task
        await bus.close()
        await engine.dispose()


@dataclass
class World:
    """Cameras with recordings and one account per role."""

    cam_a: str  # UNIT, sector traffic, recorded
    cam_b: str  # OTHER_UNIT, recorded
    t0: dt.datetime
    tokens: dict[str, str]
    accounts: dict[str, dict[str, str]]


async def _record(gw: Gateway, camera_id: str, media: tuple[bytes, list[bytes]], t0: dt.datetime):
    init, fragments = media
    starts = [t0 + dt.timedelta(seconds=i) for i in range(len(fragments))]
    await publish_clip(gw.bus.js, gw.namespace, camera_id, init, fragments, starts)


@pytest.fixture(scope="module")
async def world(live: Live) -> World:
    gw = live.gw
    accounts = {
        "admin": await gw.create_account(Role.PROVINCE_ADMIN, mfa=True),
        "admin_grant": await gw.create_account(Role.PROVINCE_ADMIN, mfa=True),
        "admin_lapsed": await gw.create_account(Role.PROVINCE_ADMIN, mfa=True),
        "operator": await gw.create_account(Role.UNIT_OPERATOR, unit=UNIT, commune=True),
        "operator_other": await gw.create_account(
            Role.UNIT_OPERATOR, unit=OTHER_UNIT, commune=True
        ),
        "viewer": await gw.create_account(Role.UNIT_VIEWER, unit=UNIT),
        "sector": await gw.create_account(Role.SECTOR_OPERATOR, sector="traffic"),
        "sector_other": await gw.create_account(Role.SECTOR_OPERATOR, sector="health"),
        "auditor": await gw.create_account(Role.AUDITOR),
        "app": await gw.create_account(Role.APP_CLIENT, unit="c-thai-nguyen"),
        # Another unit's operator holding a committee approval for cam_a.
        "committee": await gw.create_account(Role.UNIT_OPERATOR, unit=OTHER_UNIT),
    }
    tokens = {}
    for k, a in accounts.items():
        if k == "app":
            async with gw.client() as c:
                r = await c.post(
                    "/api/v1/auth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": a["username"],
                        "client_secret": a["password"],
                    },
                )
            assert r.status_code == 200, r.text
            tokens[k] = r.json()["access_token"]
        else:
            tokens[k] = await gw.login(a)
    suffix = uuid.uuid4().hex[:8]
    cam_a, cam_b = f"gwa-{suffix}", f"gwb-{suffix}"
    async with gw.client() as c:
        for cam, owner, sectors in ((cam_a, UNIT, ["traffic"]), (cam_b, OTHER_UNIT, [])):
            r = await c.post(
                "/api/v1/cameras",
                headers=auth(tokens["admin"]),
                json={
                    "id": cam,
                    "name": f"Camera {cam}",
                    "commune_code": COMMUNE if owner == UNIT else "02",
                    "site_kind": "committee_hq",
                    "owner_unit_id": owner,
                    "sectors": sectors,
                    "rtsp_url": f"rtsp://admin:bi-mat-123@10.0.0.9/{cam}",
                },
            )
            assert r.status_code == 201, r.text
            assert "bi-mat" not in r.text
            assert "rtsp" not in r.text
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=SEGMENTS + 8)
    await _record(gw, cam_a, live.media, t0)
    await _record(gw, cam_b, live.media, t0)
    # Recorded when the timeline shows every segment of both cameras.
    async with asyncio.timeout(30):
        for cam in (cam_a, cam_b):
            while True:
                tl = await gw.state.recordings.timeline(cam, t0, t0 + dt.timedelta(minutes=1))
                if sum(r.segments for r in tl.recorded) == SEGMENTS:
                    break
                await asyncio.sleep(0.2)
    now = gw.state.clock()
    grant_body = {
        "legal_basis": "emergency_command",
        "reason": "Chỉ đạo khẩn cấp của lãnh đạo tỉnh",
        "camera_ids": [cam_a],
        "footage_from": (now - dt.timedelta(hours=1)).isoformat(),
        "footage_to": (now + dt.timedelta(hours=1)).isoformat(),
        "scopes": ["view", "export"],
        "expires_at": (now + dt.timedelta(hours=2)).isoformat(),
    }
    async with gw.client() as c:
        for who in ("admin_grant", "admin_lapsed"):
            r = await c.post("/api/v1/grants", headers=auth(tokens[who]), json=grant_body)
            assert r.status_code == 201, r.text
            if who == "admin_lapsed":
                r = await c.post(
                    f"/api/v1/grants/{r.json()['id']}/revoke", headers=auth(tokens[who])
                )
                assert r.status_code == 200
        approval = grant_body | {
            "grantee_id": accounts["committee"]["id"],
            "legal_basis": "committee_approval",
            "reason": "Phê duyệt của UBND tỉnh cho đơn vị phối hợp",
            "document_number": "45/QĐ-UBND",
            "document_issuer": "UBND tỉnh Thái Nguyên",
            "document_date": now.date().isoformat(),
        }
        r = await c.post("/api/v1/grants", headers=auth(tokens["admin"]), json=approval)
        assert r.status_code == 201, r.text
    return World(cam_a, cam_b, t0, tokens, accounts)


def _play(url: str) -> int:
    frames = 0
    with av.open(url, mode="r", timeout=10) as container:
        for _ in container.decode(video=0):
            frames += 1
    return frames


def _object_urls(playlist: str) -> list[str]:
    urls = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    urls += re.findall(r'#EXT-X-MAP:URI="([^"]+)"', playlist)
    return urls


async def _open(
    c: httpx.AsyncClient, token: str, cam: str, start: dt.datetime, end: dt.datetime, **kw: Any
) -> httpx.Response:
    body = {
        "camera_id": cam,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "purpose": "public_order",
    } | kw
    return await c.post("/api/v1/playback", headers=auth(token), json=body)


async def test_playback_through_hls_decodes_and_is_audited(live: Live, world: World) -> None:
    gw, w = live.gw, world
    end = w.t0 + dt.timedelta(seconds=SEGMENTS)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as c:
        r = await c.post(
            "/api/v1/playback",
            headers=auth(w.tokens["operator"]),
            json={"camera_id": w.cam_a, "from": w.t0.isoformat(), "to": end.isoformat()},
        )
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "gateway.footage.purpose_required"
        r = await _open(c, w.tokens["operator"], w.cam_a, w.t0, end)
        assert r.status_code == 201, r.text
        pb = r.json()
        tl = await c.get(
            f"/api/v1/cameras/{w.cam_a}/recordings",
            params={"from": w.t0.isoformat(), "to": end.isoformat()},
            headers=auth(w.tokens["operator"]),
        )
        assert tl.status_code == 200, tl.text
        assert tl.json()["recorded"][0]["segments"] == SEGMENTS
        assert tl.json()["recorded_seconds"] == pytest.approx(SEGMENTS)
        text = (await c.get(pb["url"])).text
    assert "#EXT-X-ENDLIST" in text
    assert "X-Amz" not in text
    assert "minio" not in text.lower()
    frames = await asyncio.to_thread(_play, live.url + pb["url"])
    assert frames == SEGMENTS * 10
    events = [e for e in await gw.audit_events() if e.action == "footage.playback.accessed"]
    e = next(e for e in events if pb["playback_id"] in e.after_json)
    assert e.event_id == pb["audit_event_id"]
    assert e.purpose_code == apb.PURPOSE_CODE_PUBLIC_ORDER
    assert list(e.data_categories) == [apb.DATA_CATEGORY_IMAGE]
    assert e.target.segments.camera_id == w.cam_a
    assert list(e.target_unit_ids) == [UNIT]
    assert e.actor.id == world.accounts["operator"]["id"]

    # Near-live: the newest segments, no end of list.
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as c:
        r = await c.post(
            "/api/v1/playback",
            headers=auth(w.tokens["sector"]),
            json={"camera_id": w.cam_a, "live": True, "purpose": "traffic_safety"},
        )
        assert r.status_code == 201, r.text
        text = (await c.get(r.json()["url"])).text
        assert "#EXT-X-ENDLIST" not in text
        seg = next(u for u in _object_urls(text) if "/segments/" in u)
        assert (await c.get(seg)).status_code == 200


async def test_playback_token_is_bound_to_camera_and_range(live: Live, world: World) -> None:
    w = world
    end = w.t0 + dt.timedelta(seconds=SEGMENTS)
    half = w.t0 + dt.timedelta(seconds=SEGMENTS // 2)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as c:
        a_full = (await _open(c, w.tokens["operator"], w.cam_a, w.t0, end)).json()
        a_half = (await _open(c, w.tokens["operator"], w.cam_a, w.t0, half)).json()
        b_full = (await _open(c, w.tokens["operator_other"], w.cam_b, w.t0, end)).json()
        # Camera B's footage is out of the operator's scope: no URL at all, and the answer
        # of an unknown camera (no hint that it exists).
        r = await _open(c, w.tokens["operator"], w.cam_b, w.t0, end)
        assert r.status_code == 404
        assert r.json()["code"] == "gateway.camera.not_found"

        full_urls = _object_urls((await c.get(a_full["url"])).text)
        half_text = (await c.get(a_half["url"])).text
        half_urls = _object_urls(half_text)
        b_urls = _object_urls((await c.get(b_full["url"])).text)
        a_token = parse_qs(urlsplit(a_half["url"]).query)["token"][0]

        def with_token(url: str, token: str) -> str:
            parts = urlsplit(url)
            sig = parse_qs(parts.query)["sig"][0]
            return str(httpx.URL(parts.path, params={"token": token, "sig": sig}))

        # Every object of the half playback is served with its token...
        for url in half_urls:
            r = await c.get(url)
            assert r.status_code == 200, (url, r.text)
        # ...and nothing of camera B, nor of A outside the range, nor with a forged signature.
        outside = [u for u in full_urls if "/segments/" in u and u.split("?")[0] not in half_text]
        assert outside
        for url in [*outside, *b_urls]:
            r = await c.get(with_token(url, a_token))
            assert r.status_code == 403, (url, r.text)
            assert r.json()["code"] == "gateway.playback.not_in_playback"
        seg_path = urlsplit(half_urls[0]).path
        r = await c.get(seg_path, params={"token": a_token, "sig": "A" * 22})
        assert r.status_code == 403
        r = await c.get(seg_path, params={"sig": "x"})
        assert r.status_code == 401
        tampered = a_token[:-2] + ("AA" if not a_token.endswith("AA") else "BB")
        r = await c.get(seg_path, params={"token": tampered, "sig": "x"})
        assert r.status_code == 401
        assert r.json()["code"] == "gateway.playback.invalid_token"
        # The playlist of another playback id with this token: refused.
        r = await c.get(
            f"/api/v1/playback/{b_full['playback_id']}/index.m3u8", params={"token": a_token}
        )
        assert r.status_code == 401


async def test_audit_down_means_503_and_nothing_served(
    live: Live, world: World, migrated_database: MigratedDatabase, nats_server: NatsServer
) -> None:
    gw, w = live.gw, world
    state = build_state(
        gw.state.settings,
        gw.state.auth.sessions,
        gw.bus,
        audit_sink=AuditClient(
            gw.bus.js, service="gateway", namespace=f"noaudit{uuid.uuid4().hex[:8]}"
        ),
    )
    app = create_app([])
    app.state.gateway = state
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1))
    end = w.t0 + dt.timedelta(seconds=SEGMENTS)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        r = await _open(c, w.tokens["operator"], w.cam_a, w.t0, end)
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "gateway.audit.unavailable"
        assert "url" not in r.json()
        assert "token" not in r.text
        r = await c.post(
            "/api/v1/exports",
            headers=auth(w.tokens["operator"]),
            json={
                "camera_id": w.cam_a,
                "from": w.t0.isoformat(),
                "to": end.isoformat(),
                "purpose": "public_order",
                "reason": "Đổ rác trái phép, cần trích xuất gấp",
                "quick": True,
            },
        )
        assert r.status_code == 503
    async with gw.client() as c:  # nothing was recorded as requested while the log was down
        r = await c.get("/api/v1/exports?kind=quick", headers=auth(w.tokens["operator"]))
        assert all(e["status"] != "pending" for e in r.json()["items"])


async def test_quick_extraction_and_approved_export_download_once(live: Live, world: World) -> None:
    gw, w = live.gw, world
    end = w.t0 + dt.timedelta(seconds=4)
    body = {
        "camera_id": w.cam_a,
        "from": w.t0.isoformat(),
        "to": end.isoformat(),
        "purpose": "public_order",
        "reason": "Đổ rác trái phép tại ngã ba chợ, cần trích xuất gấp",
        "quick": True,
    }
    async with gw.client() as c:
        r = await c.post(
            "/api/v1/exports", headers=auth(w.tokens["operator"]), json=body | {"reason": " "}
        )
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.export.reason_required"
        r = await c.post("/api/v1/exports", headers=auth(w.tokens["viewer"]), json=body)
        assert r.status_code == 403
        r = await c.post("/api/v1/exports", headers=auth(w.tokens["operator"]), json=body)
        assert r.status_code == 201, r.text
        quick = r.json()
        assert (quick["kind"], quick["status"]) == ("quick", "ready"), quick
        r = await c.get(f"/api/v1/exports/{quick['id']}/download", headers=auth(w.tokens["viewer"]))
        assert r.status_code == 404  # only the requester
        r = await c.get(
            f"/api/v1/exports/{quick['id']}/download", headers=auth(w.tokens["operator"])
        )
        assert r.status_code == 200, r.text
        assert hashlib.sha256(r.content).hexdigest() == quick["file_sha256"]
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            assert "manifest.json" in z.namelist()
        r = await c.get(
            f"/api/v1/exports/{quick['id']}/download", headers=auth(w.tokens["operator"])
        )
        assert r.status_code == 410
        assert r.json()["code"] == "gateway.export.already_downloaded"
        r = await c.get("/api/v1/exports?kind=quick", headers=auth(w.tokens["admin"]))
        assert quick["id"] in [e["id"] for e in r.json()["items"]]

        # An ordinary export waits for approval by someone else.
        r = await c.post(
            "/api/v1/exports", headers=auth(w.tokens["operator"]), json=body | {"quick": False}
        )
        assert r.status_code == 201, r.text
        pending = r.json()
        assert pending["status"] == "pending"
        # The total counts every export the reviewer may see, not one page of them.
        r = await c.get("/api/v1/exports", params={"page_size": 1}, headers=auth(w.tokens["admin"]))
        assert r.status_code == 200, r.text
        async with gw.engine.connect() as conn:
            stored = (await conn.execute(sa.text("SELECT count(*) FROM exports"))).scalar_one()
        assert len(r.json()["items"]) == 1
        assert r.json()["total"] == stored >= 2
        # The next page, by the token of this one (the API's one pagination convention).
        first, token = r.json()["items"][0]["id"], r.json()["next_page_token"]
        assert token
        r = await c.get(
            "/api/v1/exports",
            params={"page_size": 1, "page_token": token},
            headers=auth(w.tokens["admin"]),
        )
        assert r.status_code == 200, r.text
        assert [e["id"] for e in r.json()["items"]] != [first]
        assert len(r.json()["items"]) == 1
        r = await c.get(
            "/api/v1/exports", params={"page_token": "forged"}, headers=auth(w.tokens["admin"])
        )
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.request.invalid_page_token"
        r = await c.get(
            f"/api/v1/exports/{pending['id']}/download", headers=auth(w.tokens["operator"])
        )
        assert r.status_code == 409
        r = await c.post(
            f"/api/v1/exports/{pending['id']}/approve", headers=auth(w.tokens["operator"])
        )
        assert r.status_code == 403
        r = await c.post(
            f"/api/v1/exports/{pending['id']}/approve",
            headers=auth(w.tokens["admin"]),
            json={"note": "Đồng ý"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ready"
        r = await c.post(
            f"/api/v1/exports/{pending['id']}/approve", headers=auth(w.tokens["admin"])
        )
        assert r.status_code == 409
        r = await c.get(
            f"/api/v1/exports/{pending['id']}/download", headers=auth(w.tokens["operator"])
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/zip"
    events = await gw.audit_events()
    quick_events = [e for e in events if e.action == "footage.extraction.quick"]
    assert any(quick["id"] in e.after_json for e in quick_events)
    assert all(e.legal_basis == apb.LEGAL_BASIS_QUICK_EXTRACTION for e in quick_events)
    actions = {e.action for e in events if pending["id"] in e.after_json}
    assert {
        "footage.export.requested",
        "footage.export.approved",
        "footage.export.downloaded",
    } <= actions


async def test_analytics_gate(live: Live, world: World) -> None:
    gw, w = live.gw, world
    url = f"/api/v1/cameras/{w.cam_b}/analytics"
    async with gw.client() as c:
        r = await c.get(url, headers=auth(w.tokens["admin"]))
        assert r.json()["enabled"] is False
        r = await c.put(
            url, headers=auth(w.tokens["admin"]), json={"enabled": True, "reason": "Đếm xe"}
        )
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.analytics.basis_required"
        r = await c.put(
            url,
            headers=auth(w.tokens["operator_other"]),
            json={"enabled": True, "basis": "traffic_safety", "reason": "Đếm lưu lượng xe"},
        )
        assert r.status_code == 403
        r = await c.put(
            url,
            headers=auth(w.tokens["admin"]),
            json={"enabled": True, "basis": "traffic_safety", "reason": "Đếm lưu lượng xe"},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["enabled"], r.json()["basis"]) == (True, "traffic_safety")
        r = await c.get(url, headers=auth(w.tokens["operator_other"]))
        assert r.json()["enabled"] is True
    e = [e for e in await gw.audit_events() if e.action == "analytics.enabled"][-1]
    assert e.purpose_code == apb.PURPOSE_CODE_TRAFFIC_SAFETY
    assert list(e.target.cameras.camera_ids) == [w.cam_b]


async def _snapshot_event(gw: Gateway, camera_id: str, image: ObjectRef | None) -> None:
    """Ingest's SnapshotTaken for ``camera_id``, pointing at ``image`` (or metrics only)."""
    shot = snapshot_pb2.SnapshotTaken(camera_id=camera_id, width=320, height=180)
    shot.taken_at.FromDatetime(gw.state.clock())
    if image is not None:
        shot.image_object.CopyFrom(image)
    await publish(
        gw.bus.js,
        CAMERA_SNAPSHOT_TAKEN.subject(camera_id, gw.namespace),
        shot,
        msg_id=f"{camera_id}-snap-{uuid.uuid4().hex}",
    )


async def test_snapshot_object_served_as_jpeg_and_foreign_refs_are_not(
    live: Live, world: World
) -> None:
    """A connected camera's snapshot is a full JPEG in the object store (ingest's
    ``image_object``): the gateway serves it through the recorder after authorizing and
    auditing; a reference to anything but that camera's snapshot is not served."""
    gw, w, m = live.gw, world, live.mesh
    store = SnapshotStore(m.s3.client(), m.snapshot_bucket)  # ingest's own writer
    image_a, image_b = make_jpeg(320, 180), make_jpeg(96, 64)
    ref_a = await store.put_latest(w.cam_a, image_a)
    ref_b = await store.put_latest(w.cam_b, image_b)
    end = w.t0 + dt.timedelta(hours=1)
    segments = await call(
        gw.bus,
        RECORDING_LIST_SEGMENTS,
        ListSegmentsRequest(camera_id=w.cam_a, start=ts(w.t0), end=ts(end)),
        ListSegmentsReply,
        namespace=gw.namespace,
    )
    a_segment = segments.segments[0].object  # cam_a's own prefix, the recorder's bucket
    url = f"/api/v1/cameras/{w.cam_a}/snapshot?purpose=public_order"
    headers = auth(w.tokens["operator"])
    await _snapshot_event(gw, w.cam_a, ref_a)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as c:
        r = await c.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/jpeg"
        assert r.headers["cache-control"] == "no-store"
        assert r.content == image_a
        assert jpeg_size(r.content) == (320, 180)
        event_id = r.headers["x-audit-event-id"]
        # Out of scope: the same answer as for an unknown camera, nothing read.
        r = await c.get(url, headers=auth(w.tokens["operator_other"]))
        assert r.status_code == 404
        assert image_a not in r.content
        forged = ObjectRef()
        forged.CopyFrom(ref_a)
        forged.key = f"cameras/{w.cam_a}/../{w.cam_b}/latest.jpg"
        for image in (ref_b, a_segment, forged, None):
            await _snapshot_event(gw, w.cam_a, image)
            r = await c.get(url, headers=headers)
            assert r.status_code == 404, (image, r.text)
            assert r.json()["code"] == "gateway.snapshot.not_found"
            assert image_b not in r.content
        # cam_b's own operator gets cam_b's snapshot.
        await _snapshot_event(gw, w.cam_b, ref_b)
        r = await c.get(
            f"/api/v1/cameras/{w.cam_b}/snapshot?purpose=public_order",
            headers=auth(w.tokens["operator_other"]),
        )
        assert r.status_code == 200, r.text
        assert jpeg_size(r.content) == (96, 64)
    accessed = [e for e in await gw.audit_events() if e.action == "footage.snapshot.accessed"]
    by_id = {e.event_id: e for e in accessed}
    assert list(by_id[event_id].target.cameras.camera_ids) == [w.cam_a]
    assert by_id[event_id].actor.id == w.accounts["operator"]["id"]
    # Served twice (cam_a once, cam_b once): the refused reads left no access record.
    mine = [e for e in accessed if set(e.target.cameras.camera_ids) & {w.cam_a, w.cam_b}]
    assert len(mine) == 2


async def test_accounts_name_only_units_and_sectors_the_registry_knows(
    live: Live, world: World
) -> None:
    """``POST``/``PATCH /accounts`` with a unit or sector the real registry does not know:
    422 with a stable code, nothing written; known ones (from its reference data) pass."""
    gw, w = live.gw, world
    headers = auth(w.tokens["admin"])
    suffix = uuid.uuid4().hex[:8]

    def body(name: str, **kw: str) -> dict[str, str]:
        return {"username": f"{name}.{suffix}", "display_name": "Cán bộ", **kw}

    async with gw.client() as c:
        for fields, code in (
            ({"role": "unit_operator", "unit_id": "commune-999"}, "unknown_unit"),
            ({"role": "unit_viewer", "unit_id": "xa-tan-thinh"}, "unknown_unit"),
            ({"role": "app_client", "unit_id": f"{UNIT} "}, "unknown_unit"),
            ({"role": "sector_operator", "sector_code": "weather"}, "unknown_sector"),
        ):
            r = await c.post("/api/v1/accounts", headers=headers, json=body("bad", **fields))
            assert r.status_code == 422, r.text
            assert r.json()["code"] == f"gateway.account.{code}"
            assert "(unknown " in r.json()["detail"]  # Vietnamese, with the English gloss
        r = await c.get("/api/v1/accounts", headers=headers, params={"q": f"bad.{suffix}"})
        assert r.json()["total"] == 0  # none of them was created
        r = await c.post(
            "/api/v1/accounts",
            headers=headers,
            json=body("op", role="unit_operator", unit_id=UNIT, unit_is_commune="true"),
        )
        assert r.status_code == 201, r.text
        account_id = r.json()["account"]["id"]
        r = await c.post(
            "/api/v1/accounts",
            headers=headers,
            json=body("sec", role="sector_operator", sector_code="traffic"),
        )
        assert r.status_code == 201, r.text
        url = f"/api/v1/accounts/{account_id}"
        r = await c.patch(url, headers=headers, json={"unit_id": "no-such-unit"})
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "gateway.account.unknown_unit"
        assert (await c.get(url, headers=headers)).json()["unit_id"] == UNIT
        r = await c.patch(url, headers=headers, json={"unit_id": "ttdh-giao-thong"})
        assert r.status_code == 200, r.text
        assert r.json()["unit_id"] == "ttdh-giao-thong"


async def test_camera_admin_import_and_report(live: Live, world: World) -> None:
    gw, w = live.gw, world
    code = f"gwi-{uuid.uuid4().hex[:8]}"
    csv = (
        "code,name,commune_code,site_kind,rtsp_url\n"
        f"{code},Quảng trường {code},{COMMUNE},square,rtsp://u:mat-khau-9@10.1.1.1/s\n"
    )
    bad = "code,name,commune_code,site_kind,rtsp_url\nx y,,99999,nowhere,ftp://h\n"
    async with gw.client() as c:
        files = {"file": ("cameras.csv", csv.encode(), "text/csv")}
        r = await c.post(
            "/api/v1/cameras/import", headers=auth(w.tokens["operator_other"]), files=files
        )
        assert r.status_code == 422  # rows of another unit: refused by the registry, per row
        assert r.json()["errors"]["errors"][0]["code"] == "forbidden"
        r = await c.post(
            "/api/v1/cameras/import",
            headers=auth(w.tokens["operator"]),
            files=files,
            data={"dry_run": "true"},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["accepted"], r.json()["created"]) == (True, 1)
        r = await c.post("/api/v1/cameras/import", headers=auth(w.tokens["operator"]), files=files)
        assert r.json()["created"] == 1
        r = await c.post(
            "/api/v1/cameras/import",
            headers=auth(w.tokens["admin"]),
            files={"file": ("bad.csv", bad.encode(), "text/csv")},
        )
        assert r.status_code == 422
        assert r.json()["code"] == "gateway.import.rejected"
        assert {e["row"] for e in r.json()["errors"]["errors"]} == {2}
        r = await c.patch(
            f"/api/v1/cameras/{code}",
            headers=auth(w.tokens["operator"]),
            json={"name": "Quảng trường trung tâm"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "Quảng trường trung tâm"
        r = await c.patch(
            f"/api/v1/cameras/{code}", headers=auth(w.tokens["operator_other"]), json={"name": "x"}
        )
        assert r.status_code == 404
        r = await c.get(f"/api/v1/cameras?text={code}", headers=auth(w.tokens["operator"]))
        assert [x["id"] for x in r.json()["items"]] == [code]
        r = await c.post(
            f"/api/v1/cameras/{code}/deactivate",
            headers=auth(w.tokens["admin"]),
            json={"reason": "Thay thiết bị"},
        )
        assert r.status_code == 200
        assert r.json()["active"] is False
        for fmt, ctype in (
            ("json", "application/json"),
            ("csv", "text/csv"),
            ("xlsx", "spreadsheet"),
        ):
            r = await c.get(
                f"/api/v1/reports/connection-status?format={fmt}", headers=auth(w.tokens["app"])
            )
            assert r.status_code == 200, r.text
            assert ctype in r.headers["content-type"]
        assert b"Ph" in r.content or r.content[:2] == b"PK"
        # A unit operator's report holds its own commune's row only.
        r = await c.get("/api/v1/reports/connection-status", headers=auth(w.tokens["operator"]))
        assert r.status_code == 200, r.text
        assert [row["commune_code"] for row in r.json()["rows"]] == [COMMUNE]


# The authorization matrix on the new endpoints, against the real registry and recorder.
# Columns: who, then the expected status of each endpoint (see ENDPOINTS).
# The report answers every role but the auditor: the registry narrows it to the unit or sector.
ENDPOINTS = ("camera", "timeline", "playback", "export", "analytics", "report", "exports", "audit")
MATRIX: list[tuple[str, tuple[int, ...]]] = [
    ("admin", (200, 200, 403, 403, 200, 200, 200, 403)),
    ("admin_grant", (200, 200, 201, 201, 200, 200, 200, 403)),
    ("admin_lapsed", (200, 200, 403, 403, 200, 200, 200, 403)),
    ("operator", (200, 200, 201, 201, 403, 200, 200, 403)),
    # Out of scope answers as an unknown camera does (404): no hint that it exists.
    ("operator_other", (404, 404, 404, 404, 403, 200, 200, 403)),
    # The grant that lets it play the camera back lets it see the camera and its timeline.
    ("committee", (200, 200, 201, 201, 403, 200, 200, 403)),
    ("viewer", (200, 200, 201, 403, 403, 200, 200, 403)),
    ("sector", (200, 200, 201, 201, 403, 200, 200, 403)),
    ("sector_other", (404, 404, 404, 404, 403, 200, 200, 403)),
    ("auditor", (404, 404, 404, 404, 403, 403, 200, 503)),  # no audit service here: 503
    ("app", (200, 200, 403, 403, 403, 200, 200, 403)),
]
DENIAL = {
    "admin": "gateway.authz.grant_required",
    "admin_lapsed": "gateway.authz.grant_expired",
    "operator_other": "gateway.camera.not_found",
    "sector_other": "gateway.camera.not_found",
    "auditor": "gateway.camera.not_found",
}


def test_matrix_covers_every_role() -> None:
    roles = {
        "admin": Role.PROVINCE_ADMIN,
        "operator": Role.UNIT_OPERATOR,
        "viewer": Role.UNIT_VIEWER,
        "sector": Role.SECTOR_OPERATOR,
        "auditor": Role.AUDITOR,
        "app": Role.APP_CLIENT,
    }
    assert set(roles.values()) == set(Role)
    assert {who for who, _ in MATRIX} >= set(roles)
    assert all(len(codes) == len(ENDPOINTS) for _, codes in MATRIX)


@pytest.mark.parametrize(("who", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_authorization_matrix(
    live: Live, world: World, who: str, expected: tuple[int, ...]
) -> None:
    w = world
    end = w.t0 + dt.timedelta(seconds=2)
    span = {"from": w.t0.isoformat(), "to": end.isoformat()}
    h = auth(w.tokens[who])
    footage = {"camera_id": w.cam_a, **span, "purpose": "incident_investigation"}
    async with live.gw.client() as c:
        calls = {
            "camera": c.get(f"/api/v1/cameras/{w.cam_a}", headers=h),
            "timeline": c.get(f"/api/v1/cameras/{w.cam_a}/recordings", params=span, headers=h),
            "playback": c.post("/api/v1/playback", headers=h, json=footage),
            "export": c.post(
                "/api/v1/exports", headers=h, json=footage | {"reason": "Điều tra vụ việc"}
            ),
            "analytics": c.put(
                f"/api/v1/cameras/{w.cam_a}/analytics",
                headers=h,
                json={"enabled": False, "reason": "Tắt phân tích"},
            ),
            "report": c.get("/api/v1/reports/connection-status", headers=h),
            "exports": c.get("/api/v1/exports", headers=h),
            "audit": c.get("/api/v1/audit/log", headers=h),
        }
        got = {}
        for name, coro in calls.items():
            r = await coro
            got[name] = r.status_code
            if name == "playback" and r.status_code in (403, 404) and who in DENIAL:
                assert r.json()["code"] == DENIAL[who], r.text
    assert tuple(got[e] for e in ENDPOINTS) == expected, got


# ------------------------------------------------ operator duties (issue 15), real registry

LEADER = {"name": "Nguyễn Văn An", "position": "Chủ tịch UBND", "phone": "0912345678"}


async def _ticket_for(db: MigratedDatabase, camera_id: str) -> str:
    """A fault ticket as the registry's sweep opens one (a camera lost past the threshold is
    minutes of waiting): the row written into the registry's own schema."""
    ticket_id = str(uuid.uuid4())
    engine = create_engine(
        db.url("registry"), schema="registry", pool_size=1, application_name="gw-ops-test"
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO fault_tickets (id, camera_id, detected_at, opened_at, due_on,"
                    " close_reason) VALUES (:id, :cam, now() - interval '1 hour', now(),"
                    " current_date + 3, '')"
                ),
                {"id": ticket_id, "cam": camera_id},
            )
    finally:
        await engine.dispose()
    return ticket_id


async def _client_token(gw: Gateway, account: dict[str, str]) -> str:
    async with gw.client() as c:
        r = await c.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": account["username"],
                "client_secret": account["password"],
            },
        )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def test_units_and_sites_with_contacts_and_notice_signs(live: Live, world: World) -> None:
    w, suffix = world, uuid.uuid4().hex[:8]
    admin, op, other = (auth(w.tokens[k]) for k in ("admin", "operator", "operator_other"))
    async with live.gw.client() as c:
        r = await c.patch(f"/api/v1/units/{UNIT}", headers=op, json={"leader": LEADER})
        assert r.status_code == 200, r.text
        assert r.json()["leader"]["phone"] == "0912345678"
        r = await c.patch(f"/api/v1/units/{UNIT}", headers=op, json={"name": "Đổi tên"})
        assert (r.status_code, r.json()["code"]) == (403, "registry.update_unit.forbidden")
        r = await c.patch(f"/api/v1/units/{UNIT}", headers=other, json={"leader": LEADER})
        assert (r.status_code, r.json()["code"]) == (403, "gateway.authz.out_of_scope")
        r = await c.patch("/api/v1/units/no-such-unit", headers=admin, json={"leader": LEADER})
        assert (r.status_code, r.json()["code"]) == (404, "registry.update_unit.unknown_unit")
        units = {u["id"]: u for u in (await c.get("/api/v1/units", headers=op)).json()["items"]}
        assert units[UNIT]["leader"]["name"] == LEADER["name"]
        assert units[OTHER_UNIT]["leader"] is None  # another unit's officials: not shown
        r = await c.get("/api/v1/units?page_size=500", headers=auth(w.tokens["app"]))
        assert all(u["leader"] is None for u in r.json()["items"])
        new = {"id": f"so-{suffix}", "name": "Sở Giao thông vận tải", "kind": "department"}
        bad = new | {"it_focal": {"name": "Trần B", "email": "khong-phai-email"}}
        r = await c.post("/api/v1/units", headers=admin, json=bad)
        assert (r.status_code, r.json()["code"]) == (422, "registry.create_unit.invalid_email")
        r = await c.get("/api/v1/units?page_size=500", headers=admin)
        assert new["id"] not in {u["id"] for u in r.json()["items"]}  # nothing written
        r = await c.post("/api/v1/units", headers=op, json=new)
        assert r.status_code == 403
        good = new | {"it_focal": {"name": "Trần B", "email": "Tran.B@ThaiNguyen.gov.vn"}}
        r = await c.post("/api/v1/units", headers=admin, json=good)
        assert r.status_code == 201, r.text
        assert r.json()["it_focal"]["email"] == "tran.b@thainguyen.gov.vn"
        # Sites: another commune's unit, an unknown unit: refused, nothing written.
        site = {"id": f"01-sq-{suffix}", "name": "Chợ trung tâm", "kind": "square"}
        site |= {"commune_code": COMMUNE}
        r = await c.post("/api/v1/sites", headers=admin, json=site | {"unit_id": OTHER_UNIT})
        assert (r.status_code, r.json()["code"]) == (422, "registry.create_site.other_commune")
        r = await c.post("/api/v1/sites", headers=admin, json=site | {"unit_id": "no-such"})
        assert (r.status_code, r.json()["code"]) == (422, "registry.create_site.unknown_unit")
        r = await c.get(f"/api/v1/sites?commune_code={COMMUNE}", headers=admin)
        assert site["id"] not in {s["id"] for s in r.json()["items"]}
        r = await c.post("/api/v1/sites", headers=other, json=site)
        assert r.status_code == 403
        r = await c.post("/api/v1/sites", headers=op, json=site)
        assert r.status_code == 201, r.text
        assert (r.json()["notice_required"], r.json()["notice_present"]) == (True, False)
        r = await c.get("/api/v1/sites?notice_missing=true", headers=op)
        assert site["id"] in {s["id"] for s in r.json()["items"]}
        checked = dt.date.today().isoformat()
        r = await c.patch(
            f"/api/v1/sites/{site['id']}",
            headers=op,
            json={"notice_present": True, "notice_checked_on": checked},
        )
        assert r.status_code == 200, r.text
        r = await c.patch(f"/api/v1/sites/{site['id']}", headers=other, json={"name": "x"})
        assert r.status_code == 403
        cam = f"gws-{suffix}"
        body = {"id": cam, "name": "Camera chợ", "commune_code": COMMUNE, "site_kind": "square"}
        body |= {"site_id": site["id"], "rtsp_url": f"rtsp://10.0.0.9/{cam}"}
        assert (await c.post("/api/v1/cameras", headers=op, json=body)).status_code == 201
        r = await c.get(f"/api/v1/cameras/{cam}", headers=op)
        shown = r.json()
        assert (shown["site_id"], shown["site_notice_required"]) == (site["id"], True)
        assert (shown["site_notice_present"], shown["site_notice_checked_on"]) == (True, checked)


async def test_history_tickets_maintenance_deadlines_and_needs(
    live: Live, world: World, migrated_database: MigratedDatabase
) -> None:
    w = world
    admin, op, other = (auth(w.tokens[k]) for k in ("admin", "operator", "operator_other"))
    ticket = await _ticket_for(migrated_database, w.cam_a)
    async with live.gw.client() as c:
        r = await c.get(f"/api/v1/tickets?open_only=true&camera_id={w.cam_a}", headers=op)
        assert [t["id"] for t in r.json()["items"]] == [ticket]
        r = await c.get("/api/v1/tickets", headers=other)
        assert ticket not in {t["id"] for t in r.json()["items"]}
        url = f"/api/v1/tickets/{ticket}"
        r = await c.post(f"{url}/acknowledge", headers=other, json={})
        assert (r.status_code, r.json()["code"]) == (
            403,
            "registry.acknowledge_fault_ticket.forbidden",
        )
        r = await c.post(f"{url}/acknowledge", headers=op, json={})
        assert r.status_code == 200, r.text
        assert r.json()["acknowledged_by"] == w.accounts["operator"]["id"]
        r = await c.post(f"{url}/acknowledge", headers=op, json={})
        assert r.status_code == 409
        r = await c.post(f"{url}/notes", headers=op, json={"note": "Đã cử kỹ thuật viên"})
        assert [n["text"] for n in r.json()["notes"]] == ["Đã cử kỹ thuật viên"]
        r = await c.post(f"{url}/close", headers=op, json={"cause": ""})
        assert r.status_code == 422
        r = await c.post(f"{url}/close", headers=op, json={"cause": "Mất điện khu vực"})
        assert r.status_code == 200, r.text
        assert (r.json()["cause"], r.json()["close_reason"]) == (
            "Mất điện khu vực",
            "closed_by_operator",
        )
        assert r.json()["closed_at"] is not None
        r = await c.post(f"{url}/close", headers=op, json={"cause": "khác"})
        assert (r.status_code, r.json()["code"]) == (
            409,
            "registry.close_fault_ticket.already_closed",
        )
        r = await c.post(
            f"/api/v1/tickets/{uuid.uuid4()}/close", headers=admin, json={"cause": "x"}
        )
        assert (r.status_code, r.json()["code"]) == (404, "registry.close_fault_ticket.not_found")
        r = await c.get(f"/api/v1/cameras/{w.cam_a}/history?days=3", headers=auth(w.tokens["app"]))
        assert r.status_code == 200, r.text
        assert ticket in {t["id"] for t in r.json()["tickets"]}
        assert len(r.json()["uptime"]) == 3
        # Maintenance (Art. 14) and the deadlines it sets.
        maint = f"/api/v1/cameras/{w.cam_a}/maintenance"
        future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
        r = await c.post(maint, headers=op, json={"done_on": future})
        assert (r.status_code, r.json()["code"]) == (422, "registry.record_maintenance.future_date")
        r = await c.post(maint, headers=other, json={"note": "x"})
        assert r.status_code == 404
        r = await c.post(maint, headers=op, json={"note": "Vệ sinh ống kính"})
        assert r.status_code == 201, r.text
        r = await c.get(f"/api/v1/maintenance?camera_id={w.cam_a}", headers=op)
        assert [x["note"] for x in r.json()["items"]][:1] == ["Vệ sinh ống kính"]
        r = await c.get("/api/v1/deadlines?upcoming_days=200&kind=maintenance", headers=op)
        due = {d["camera_id"]: d for d in r.json()["items"]}
        assert due[w.cam_a]["upcoming"] is True
        assert 150 < due[w.cam_a]["days_until"] <= 200
        assert all(d["owner_unit_id"] == UNIT for d in r.json()["items"])
        # Annual needs (Art. 22): structured, checked, listable by the central operator.
        year = dt.date.today().year + 1
        needs = {"cameras": [{"commune_code": "02", "site_kind": "square", "count": 2}]}
        r = await c.put(f"/api/v1/units/{UNIT}/needs/{year}", headers=op, json=needs)
        assert (r.status_code, r.json()["code"]) == (
            422,
            "registry.record_connection_needs.other_commune",
        )
        needs = {
            "cameras": [{"commune_code": COMMUNE, "site_kind": "square", "count": 2}],
            "sites": [{"name": "Quảng trường mới", "commune_code": COMMUNE, "site_kind": "square"}],
            "budget_note": "Ngân sách xã",
        }
        r = await c.put(f"/api/v1/units/{UNIT}/needs/{year}", headers=other, json=needs)
        assert r.status_code == 403
        r = await c.put(f"/api/v1/units/{UNIT}/needs/{year}", headers=op, json=needs)
        assert r.status_code == 200, r.text
        r = await c.get(f"/api/v1/needs?year={year}", headers=admin)
        listed = {n["unit_id"]: n for n in r.json()["items"]}
        assert listed[UNIT]["cameras"][0]["count"] == 2
        assert listed[UNIT]["budget_note"] == "Ngân sách xã"
        assert UNIT not in r.json()["missing_unit_ids"]
        assert OTHER_UNIT in r.json()["missing_unit_ids"]
        r = await c.get(f"/api/v1/needs?year={year}", headers=other)
        assert r.json()["items"] == []


async def test_app_client_without_unit_and_unit_leader_logs(live: Live, world: World) -> None:
    gw, w = live.gw, world
    app = await _client_token(gw, await gw.create_account(Role.APP_CLIENT))
    leader = await gw.create_account(Role.UNIT_VIEWER, unit=UNIT)
    async with gw.client() as c:
        r = await c.patch(
            f"/api/v1/accounts/{leader['id']}",
            headers=auth(w.tokens["admin"]),
            json={"unit_leader": True},
        )
        assert r.status_code == 200, r.text
        assert r.json()["unit_leader"] is True
        r = await c.patch(
            f"/api/v1/accounts/{w.accounts['sector']['id']}",
            headers=auth(w.tokens["admin"]),
            json={"unit_leader": True},
        )
        assert (r.status_code, r.json()["code"]) == (422, "gateway.account.leader_role")
    token = await gw.login(leader)
    async with gw.client() as c:
        for cam in (w.cam_a, w.cam_b):  # status province-wide, bound to no unit
            assert (await c.get(f"/api/v1/cameras/{cam}", headers=auth(app))).status_code == 200
        span = {"from": w.t0.isoformat(), "to": (w.t0 + dt.timedelta(seconds=2)).isoformat()}
        footage = {"camera_id": w.cam_a, **span, "purpose": "citizen_service"}
        r = await c.post("/api/v1/playback", headers=auth(app), json=footage)
        assert r.status_code == 403  # footage: still the usual rules
        h = auth(token)
        # Authorized, then the audit service (not run here) does not answer: 503.
        r = await c.get("/api/v1/audit/log?view=processing", headers=h)
        assert r.status_code == 503, r.text
        r = await c.get("/api/v1/audit/log?view=all", headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "gateway.authz.unit_leader_views")
        r = await c.get(f"/api/v1/audit/log?view=extraction&unit_id={OTHER_UNIT}", headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "gateway.authz.out_of_scope")
        r = await c.get("/api/v1/audit/log", headers=auth(w.tokens["viewer"]))
        assert r.status_code == 403


OPS_ENDPOINTS = ("units", "unit_edit", "sites", "tickets", "maintenance", "deadlines", "needs")
OPS_ENDPOINTS += ("history", "record")
_LISTS = (200, 200, 200, 200, 200)
OPS_MATRIX: list[tuple[str, tuple[int, ...]]] = [
    ("admin", (200, 200, *_LISTS, 200, 201)),
    ("admin_grant", (200, 200, *_LISTS, 200, 201)),
    ("admin_lapsed", (200, 200, *_LISTS, 200, 201)),
    ("operator", (200, 200, *_LISTS, 200, 201)),
    ("operator_other", (200, 403, *_LISTS, 404, 404)),
    ("committee", (200, 403, *_LISTS, 200, 403)),
    ("viewer", (200, 403, *_LISTS, 200, 403)),
    ("sector", (200, 403, 403, 403, 403, 403, 403, 200, 403)),
    ("sector_other", (200, 403, 403, 403, 403, 403, 403, 404, 404)),
    ("auditor", (200, 403, *_LISTS, 404, 404)),
    ("app", (200, 403, 403, 403, 403, 403, 403, 200, 403)),
]


def test_ops_matrix_covers_every_role_and_route() -> None:
    assert {who for who, _ in OPS_MATRIX} == {who for who, _ in MATRIX}
    assert all(len(codes) == len(OPS_ENDPOINTS) for _, codes in OPS_MATRIX)


@pytest.mark.parametrize(("who", "expected"), OPS_MATRIX, ids=[m[0] for m in OPS_MATRIX])
async def test_operator_duties_authorization_matrix(
    live: Live, world: World, who: str, expected: tuple[int, ...]
) -> None:
    w, h = world, auth(world.tokens[who])
    async with live.gw.client() as c:
        calls = {
            "units": c.get("/api/v1/units", headers=h),
            "unit_edit": c.patch(f"/api/v1/units/{UNIT}", headers=h, json={"leader": LEADER}),
            "sites": c.get("/api/v1/sites", headers=h),
            "tickets": c.get("/api/v1/tickets", headers=h),
            "maintenance": c.get("/api/v1/maintenance", headers=h),
            "deadlines": c.get("/api/v1/deadlines", headers=h),
            "needs": c.get("/api/v1/needs", headers=h),
            "history": c.get(f"/api/v1/cameras/{w.cam_a}/history", headers=h),
            "record": c.post(f"/api/v1/cameras/{w.cam_a}/maintenance", headers=h, json={}),
        }
        got = {name: (await coro).status_code for name, coro in calls.items()}
    assert tuple(got[e] for e in OPS_ENDPOINTS) == expected, got


async def _connected_with_quality(gw: Gateway, camera_id: str, flags: list[str]) -> None:
    """Ingest's events of a connected camera whose latest quality result has ``flags``."""
    status = status_pb2.CameraStatusChanged(
        camera_id=camera_id,
        state=status_pb2.CONNECTION_STATE_CONNECTED,
        reason=status_pb2.DISCONNECT_REASON_NONE,
    )
    status.observed_at.FromDatetime(gw.state.clock())
    await publish(
        gw.bus.js,
        CAMERA_STATUS_CHANGED.subject(camera_id, gw.namespace),
        status,
        msg_id=f"{camera_id}-up-{uuid.uuid4().hex}",
    )
    shot = snapshot_pb2.SnapshotTaken(camera_id=camera_id, width=1920, height=1080)
    shot.taken_at.FromDatetime(gw.state.clock())
    shot.result.flags.extend(flags)
    shot.result.fps, shot.result.codec = 25.0, "hevc"
    shot.result.width, shot.result.height = 1920, 1080
    await publish(
        gw.bus.js,
        CAMERA_SNAPSHOT_TAKEN.subject(camera_id, gw.namespace),
        shot,
        msg_id=f"{camera_id}-snap-{uuid.uuid4().hex}",
    )


async def test_camera_list_filters_by_picture_quality_within_the_callers_scope(
    live: Live, world: World
) -> None:
    """Issue 14: ``quality`` and ``quality_flag`` narrow the list; the scope still applies."""
    w, gw = world, live.gw
    suffix = uuid.uuid4().hex[:6]
    poor, good, other = f"gwq-p-{suffix}", f"gwq-g-{suffix}", f"gwq-o-{suffix}"
    async with gw.client() as c:
        for cam, owner in ((poor, UNIT), (good, UNIT), (other, OTHER_UNIT)):
            r = await c.post(
                "/api/v1/cameras",
                headers=auth(w.tokens["admin"]),
                json={
                    "id": cam,
                    "name": f"Camera {cam}",
                    "commune_code": COMMUNE if owner == UNIT else "02",
                    "site_kind": "square",
                    "owner_unit_id": owner,
                    "rtsp_url": f"rtsp://10.0.0.9/{cam}",
                },
            )
            assert r.status_code == 201, r.text
    await _connected_with_quality(gw, poor, ["frozen", "low_fps"])
    await _connected_with_quality(gw, good, [])
    await _connected_with_quality(gw, other, ["black"])

    async def ids(token: str, **params: Any) -> set[str]:
        async with gw.client() as c:
            r = await c.get(
                "/api/v1/cameras",
                params={"text": "gwq-", **params, "page_size": 500},
                headers=auth(w.tokens[token]),
            )
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"] if i["id"].endswith(suffix)}

    async with asyncio.timeout(20):
        while True:
            if await ids("admin", quality="poor") == {poor, other}:
                break
            await asyncio.sleep(0.2)
    assert await ids("admin", quality="good") == {good}
    assert await ids("admin", quality=["good", "poor"]) == {poor, good, other}
    assert await ids("admin", quality_flag="black") == {other}
    assert await ids("admin", quality_flag=["low_fps", "black"]) == {poor, other}
    assert await ids("admin", quality="unknown") == set()
    # A unit operator's list is its unit's: the other unit's poor camera is not in it.
    assert await ids("operator", quality="poor") == {poor}
    assert await ids("operator_other", quality_flag="frozen") == set()
    async with gw.client() as c:
        r = await c.get(f"/api/v1/cameras/{poor}", headers=auth(w.tokens["operator"]))
        assert r.status_code == 200, r.text
        q = r.json()["quality"]
        assert q["verdict"] == "poor"
        assert q["flags"] == ["frozen", "low_fps"]
        assert q["summary"].startswith("Có kết nối — hình ảnh kém")
        assert q["resolution"] == "1920x1080"
        assert len(q["history"]) == 1
        r = await c.get(
            "/api/v1/cameras", params={"quality": "bad"}, headers=auth(w.tokens["admin"])
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


# Notifications (ADR 0025) against the real registry: who may manage and read a unit's
# targets and notices; a grant issued here reaches the owning unit's webhook, signed.
# Columns: GET UNIT's targets, PUT UNIT's targets, GET /notifications.
NOTIFY_MATRIX: list[tuple[str, tuple[int, int, int]]] = [
    ("admin", (200, 200, 200)),
    ("operator", (200, 200, 200)),
    ("operator_other", (403, 403, 200)),
    ("viewer", (200, 403, 200)),
    ("sector", (403, 403, 403)),
    ("auditor", (200, 403, 200)),
    ("app", (403, 403, 403)),
]


@pytest.mark.parametrize(("who", "expected"), NOTIFY_MATRIX, ids=[m[0] for m in NOTIFY_MATRIX])
async def test_notification_authorization_matrix(
    live: Live, world: World, who: str, expected: tuple[int, int, int]
) -> None:
    h = auth(world.tokens[who])
    path = f"/api/v1/units/{UNIT}/notification-targets"
    async with live.gw.client() as c:
        got = (
            (await c.get(path, headers=h)).status_code,
            (
                await c.put(path, headers=h, json={"emails": [f"it.{who}@xa01.example.vn"]})
            ).status_code,
            (await c.get("/api/v1/notifications", headers=h)).status_code,
        )
    assert got == expected


async def test_bad_targets_and_a_grant_told_to_the_owning_unit(live: Live, world: World) -> None:
    admin = auth(world.tokens["admin"])
    path = f"/api/v1/units/{UNIT}/notification-targets"
    hooks = WebhookReceiver()
    hooks.start()
    secret = f"khoa-webhook-{uuid.uuid4().hex}"
    try:
        async with live.gw.client() as c:
            r = await c.put(path, headers=admin, json={"emails": ["it@localhost"]})
            assert r.status_code == 422, r.text
            assert r.json()["code"] == "registry.set_notification_targets.invalid_email"
            r = await c.put("/api/v1/units/commune-zz/notification-targets", headers=admin, json={})
            assert r.status_code == 404, r.text
            assert r.json()["code"] == "registry.set_notification_targets.unknown_unit"
            body = {"webhooks": [{"url": hooks.url + "/xa01", "secret": secret}]}
            r = await c.put(path, headers=admin, json=body)
            assert r.status_code == 200, r.text
            assert r.json()["webhooks"] == [{"url": hooks.url + "/xa01", "has_secret": True}]
            assert secret not in r.text
            now = live.gw.state.clock()
            r = await c.post(
                "/api/v1/grants",
                headers=auth(world.tokens["admin_grant"]),
                json={
                    "legal_basis": "written_request",
                    "document_number": "12/CV-CAT",
                    "document_issuer": "Công an tỉnh Thái Nguyên",
                    "document_date": now.date().isoformat(),
                    "reason": "Xác minh vụ việc theo văn bản đề nghị",
                    "camera_ids": [world.cam_a],
                    "footage_from": (now - dt.timedelta(hours=1)).isoformat(),
                    "footage_to": now.isoformat(),
                    "scopes": ["view"],
                    "expires_at": (now + dt.timedelta(hours=1)).isoformat(),
                },
            )
            assert r.status_code == 201, r.text
            grant_id = r.json()["id"]
            async with asyncio.timeout(20):  # gateway -> GATEWAY stream -> registry -> webhook
                while True:
                    told = [x for x in hooks.received if grant_id in x.body.decode()]
                    if told:
                        break
                    await asyncio.sleep(0.1)
            hook = told[0]
            stamp = int(hook.headers["Tncam-Timestamp"])
            assert verify(secret.encode(), stamp, hook.body, hook.headers["Tncam-Signature"])
            assert not verify(
                b"not-the-secret-0123", stamp, hook.body, hook.headers["Tncam-Signature"]
            )
            doc = json.loads(hook.body)
            assert doc["kind"] == "grant"
            assert "văn bản đề nghị" in doc["text"]
            own = await c.get("/api/v1/notifications", headers=auth(world.tokens["operator"]))
            assert any(grant_id in n["event_key"] for n in own.json()["items"])
            other = await c.get(
                "/api/v1/notifications", headers=auth(world.tokens["operator_other"])
            )
            assert not any(grant_id in n["event_key"] for n in other.json()["items"])
            r = await c.get(
                f"/api/v1/notifications?unit_id={UNIT}",
                headers=auth(world.tokens["operator_other"]),
            )
            assert r.status_code == 403
    finally:
        hooks.stop()
