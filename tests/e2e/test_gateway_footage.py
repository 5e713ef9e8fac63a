"""The platform as processes (registry, recorder, audit, gateway): a commune operator imports
cameras through the API, one minute of recording is handed to the recorder, the operator plays
it back through the gateway's HLS URL with PyAV, and an auditor finds the access in the
processing log with its purpose, then verifies the log."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
import sqlalchemy as sa

from tncam_contracts.catalog import (
    AUDIT_STREAM,
    RECORDING_HANDOFF_STREAM,
)
from tncam_gateway.domain import totp
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import connect
from tncam_mesh.db import create_engine
from tncam_mesh.jetstream import ensure_stream
from tncam_recorder.domain.keys import segment_id as keyed_segment_id
from tncam_recorder.domain.signing import load_private_key, segment_id_key
from tncam_recorder.media.fmp4 import fragment_elementary
from tncam_testkit.cameras import make_clips
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.procs import start_together
from tncam_testkit.s3 import make_server
from tncam_testkit.segments import publish_clip
from tncam_testkit.services import ServiceProcess

from .conftest import insert_gateway_account

pytestmark = pytest.mark.e2e

PASSWORD = "Đồi chè Tân Cương xanh mướt"
RECORDER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
CREDENTIALS_KEY = "e2e-gateway-credentials-key-0123456789"
JWT_KEY = "e2e-gateway-footage-jwt-" + "k" * 32
MFA_KEY = "e2e-gateway-footage-mfa-" + "m" * 32
ORIGIN = "tncam.e2e/gateway-audit"
SECONDS = 60
# The namespace of the former, public segment id rule (uuid5 of the idempotency key).
FORMER_SEGMENT_NS = uuid.UUID("5b0f7a3e-6c1d-4f43-9a56-2f1f5c0d7a10")


@dataclass
class Platform:
    gateway: ServiceProcess
    namespace: str
    nats_url: str
    settings: GatewaySettings
    logs: Path
    secrets: tuple[str, ...]


@pytest.fixture(scope="module")
def platform(
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    migrated_database: MigratedDatabase,
    module_audit_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Platform]:
    """One platform for the module: each test makes its own accounts and cameras (unique
    names) and looks only at their footage and audit events."""
    from tncam_audit.domain.note import Signer

    tmp_path = tmp_path_factory.mktemp("footage-platform")

    ns = f"gwf{uuid.uuid4().hex[:10]}"

    async def setup() -> None:
        bus = await connect(nats_server.url, name="gw-e2e-footage")
        for spec in (AUDIT_STREAM, RECORDING_HANDOFF_STREAM):
            await ensure_stream(bus.js, spec.scoped(ns))
        await bus.close()

    asyncio.run(setup())
    base = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    base.update(migrated_database.env())
    base.update(
        {"TNCAM_ENVIRONMENT": "test", "TNCAM_NATS_URL": nats_server.url, "TNCAM_NATS_NAMESPACE": ns}
    )
    signing = Signer.generate(ORIGIN).encode()
    procs: list[ServiceProcess] = []
    with make_server("minio", tmp_path / "minio") as s3:
        envs = {
            "audit": base
            | {
                "TNCAM_DATABASE_URL": f"postgresql://127.0.0.1:{postgres_server.port}/{module_audit_database}",
                "TNCAM_AUDIT_LOG_ORIGIN": ORIGIN,
                "TNCAM_AUDIT_SIGNING_KEY": signing,
                "TNCAM_AUDIT_FETCH_TIMEOUT_S": "0.2",
                "TNCAM_AUDIT_LEADER_RETRY_S": "0.2",
            },
            "registry": base | {"TNCAM_REGISTRY_CREDENTIALS_KEY": CREDENTIALS_KEY},
            "recorder": base
            | {
                "TNCAM_S3_ENDPOINT": s3.endpoint.url,
                "TNCAM_S3_ACCESS_KEY": s3.endpoint.access_key,
                "TNCAM_S3_SECRET_KEY": s3.endpoint.secret_key,
                "TNCAM_RECORDER_BUCKET": f"gwe2e-{uuid.uuid4().hex[:10]}",
                "TNCAM_RECORDER_SIGNING_KEY": RECORDER_KEY,
                "TNCAM_RECORDER_SEGMENT_URL_TEMPLATE": (
                    "/api/v1/recordings/segments/{segment_id}.m4s"
                ),
                "TNCAM_RECORDER_INIT_URL_TEMPLATE": (
                    "/api/v1/recordings/cameras/{camera_id}/init/{init_sha256}.mp4"
                ),
            },
            "gateway": base
            | {
                "TNCAM_GATEWAY_JWT_SIGNING_KEY": JWT_KEY,
                "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": MFA_KEY,
            },
        }
        try:
            names = ("audit", "registry", "recorder", "gateway")
            procs += [ServiceProcess(name, env=envs[name], log_dir=tmp_path) for name in names]
            start_together(procs)
            yield Platform(
                gateway=procs[-1],
                namespace=ns,
                nats_url=nats_server.url,
                settings=GatewaySettings(
                    environment="test",
                    database_url=migrated_database.base_url,
                    db_password=migrated_database.passwords["gateway"],
                    jwt_signing_key=JWT_KEY,
                    mfa_encryption_key=MFA_KEY,
                ),
                logs=tmp_path,
                secrets=(signing, RECORDER_KEY, CREDENTIALS_KEY, JWT_KEY, PASSWORD),
            )
        finally:
            for proc in reversed(procs):
                proc.stop()


async def _account(
    settings: GatewaySettings, role: str, unit: str = "", commune: bool = False
) -> dict[str, str]:
    """An account written directly (the bootstrap admin would need TOTP for every step),
    with TOTP enrolled: every role that reads personal data must use it."""
    name = f"{role}.{uuid.uuid4().hex[:8]}"
    secret = totp.new_secret()
    await insert_gateway_account(
        settings,
        username=name,
        display_name=f"Cán bộ {name}",
        role=role,
        password=PASSWORD,
        mfa_secret=secret,
        unit_id=unit,
        unit_is_commune=commune,
    )
    return {"username": name, "password": PASSWORD, "totp": secret}


def _play(url: str) -> int:
    frames = 0
    with av.open(url, mode="r", timeout=10) as container:
        for _ in container.decode(video=0):
            frames += 1
    return frames


async def test_commune_operator_plays_back_a_minute_and_the_auditor_sees_it(
    platform: Platform, tmp_path: Path
) -> None:
    operator = await _account(platform.settings, "unit_operator", "commune-01", commune=True)
    auditor = await _account(platform.settings, "auditor")
    suffix = uuid.uuid4().hex[:8]
    cams = [f"e2e-{suffix}-1", f"e2e-{suffix}-2"]
    csv = "code,name,commune_code,site_kind,rtsp_url\n" + "".join(
        f"{c},Camera {c},01,committee_hq,rtsp://10.2.0.{i}/main\n" for i, c in enumerate(cams)
    )
    async with httpx.AsyncClient(base_url=platform.gateway.url, timeout=30) as c:

        async def login(acc: dict[str, str]) -> dict[str, str]:
            code = totp.code_at(acc["totp"], totp.step_of(dt.datetime.now(dt.UTC)))
            form = {"username": acc["username"], "password": acc["password"], "totp": code}
            r = await c.post("/api/v1/auth/token", data=form)
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        op, aud = await login(operator), await login(auditor)
        r = await c.post(
            "/api/v1/cameras/import",
            headers=op,
            files={"file": ("cameras.csv", csv.encode(), "text/csv")},
        )
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 2
        r = await c.get("/api/v1/cameras", headers=op, params={"text": suffix})
        assert sorted(x["id"] for x in r.json()["items"]) == cams

        # One minute of recording, handed to the recorder as ingest would.
        clips = make_clips(tmp_path / "clips", seconds=SECONDS, fps=10, gop=10)
        init, fragments = await asyncio.to_thread(fragment_elementary, clips.h265, fps=10)
        assert len(fragments) == SECONDS
        t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=3)
        bus = await connect(platform.nats_url, name="gw-e2e-ingest")
        starts = [t0 + dt.timedelta(seconds=i) for i in range(len(fragments))]
        await publish_clip(
            bus.js, platform.namespace, cams[0], init, fragments, starts, session_id="e2e"
        )
        await bus.close()
        end = t0 + dt.timedelta(seconds=SECONDS)
        span = {"from": t0.isoformat(), "to": end.isoformat()}
        async with asyncio.timeout(60):
            while True:
                r = await c.get(f"/api/v1/cameras/{cams[0]}/recordings", headers=op, params=span)
                assert r.status_code == 200, r.text
                if sum(x["segments"] for x in r.json()["recorded"]) == SECONDS:
                    break
                await asyncio.sleep(0.3)

        r = await c.post("/api/v1/playback", headers=op, json={"camera_id": cams[0], **span})
        assert r.status_code == 400
        assert r.json()["code"] == "gateway.footage.purpose_required"
        r = await c.post(
            "/api/v1/playback",
            headers=op,
            json={"camera_id": cams[0], **span, "purpose": "public_order"},
        )
        assert r.status_code == 201, r.text
        playback = r.json()
        text = (await c.get(playback["url"])).text
        urls = [x for x in text.splitlines() if x and not x.startswith("#")]
        assert len(urls) == SECONDS, text
        statuses = [(await c.get(u)).status_code for u in urls]
        assert statuses == [200] * SECONDS
        frames = await asyncio.to_thread(_play, platform.gateway.url + playback["url"])
        assert frames == SECONDS * 10, text[:2000]

        # The auditor finds the access in the processing log, with its purpose.
        found = None
        async with asyncio.timeout(30):
            while found is None:
                r = await c.get(
                    "/api/v1/audit/log",
                    headers=aud,
                    # (each segment served is in the log too: ask for the playback's access)
                    params={
                        "view": "processing",
                        "camera_id": cams[0],
                        "action": "footage.playback.accessed",
                        "newest_first": "true",
                    },
                )
                assert r.status_code == 200, r.text
                found = next(
                    (
                        e
                        for e in r.json()["items"]
                        if e["event"]["event_id"] == playback["audit_event_id"]
                    ),
                    None,
                )
                if found is None:
                    await asyncio.sleep(0.3)
        event = found["event"]
        assert event["action"] == "footage.playback.accessed"
        assert event["purpose_code"] == "PURPOSE_CODE_PUBLIC_ORDER"
        assert event["actor"]["unit_id"] == "commune-01"
        assert event["target_unit_ids"] == ["commune-01"]
        r = await c.get("/api/v1/audit/log", headers=op)
        assert r.status_code == 403
        r = await c.get("/api/v1/audit/log.csv", headers=aud, params={"view": "processing"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        r = await c.get("/api/v1/audit/verify", headers=aud)
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is True, r.json()
        assert r.json()["tree_size"] >= 3
    for log in platform.logs.glob("*.log"):
        text = log.read_text()
        for secret in platform.secrets:
            assert secret not in text, log.name


async def _record(platform: Platform, tmp_path: Path, camera_id: str, seconds: int) -> dt.datetime:
    """``seconds`` one-second segments of ``camera_id`` handed to the recorder as ingest would;
    returns the start of the first."""
    clips = make_clips(tmp_path / "clips", seconds=seconds, fps=10, gop=10)
    init, fragments = await asyncio.to_thread(fragment_elementary, clips.h265, fps=10)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=3)
    bus = await connect(platform.nats_url, name="gw-e2e-ingest-recheck")
    starts = [t0 + dt.timedelta(seconds=i) for i in range(len(fragments))]
    await publish_clip(
        bus.js, platform.namespace, camera_id, init, fragments, starts, session_id="e2e"
    )
    await bus.close()
    return t0


async def _sql(db: MigratedDatabase, service: str, statement: str, **params: object) -> list[Any]:
    """Run one statement as ``service``'s role in its schema (as another replica would)."""
    engine = create_engine(db.url(service), schema=service, pool_size=1, application_name="e2e")
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def _refused_within(c: httpx.AsyncClient, url: str, seconds: float) -> httpx.Response:
    """Fetch ``url`` until it is refused (the re-check is cached a few seconds at most)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        r = await c.get(url)
        if r.status_code != 200 or asyncio.get_running_loop().time() > deadline:
            return r
        await asyncio.sleep(0.25)


# long: one platform, three playbacks ended three ways, and the audit of what was served
async def test_every_segment_fetch_is_rechecked_and_recorded(
    platform: Platform, migrated_database: MigratedDatabase, tmp_path: Path
) -> None:
    """Issue 21 item 1: a segment URL keeps working only while the grant, the account and the
    session that opened the playback are valid, and each object served is in the log."""
    own = await _account(platform.settings, "unit_operator", "commune-01", commune=True)
    later = await _account(platform.settings, "unit_operator", "commune-01", commune=True)
    other = await _account(platform.settings, "unit_operator", "commune-02", commune=True)
    auditor = await _account(platform.settings, "auditor")
    cam = f"e2e-{uuid.uuid4().hex[:8]}-r"
    csv = f"code,name,commune_code,site_kind,rtsp_url\n{cam},Camera {cam},01,square,rtsp://10.3.0.1/m\n"
    async with httpx.AsyncClient(base_url=platform.gateway.url, timeout=30) as c:

        async def login(acc: dict[str, str]) -> dict[str, str]:
            code = totp.code_at(acc["totp"], totp.step_of(dt.datetime.now(dt.UTC)))
            form = {"username": acc["username"], "password": acc["password"], "totp": code}
            r = await c.post("/api/v1/auth/token", data=form)
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        op = await login(own)
        r = await c.post(
            "/api/v1/cameras/import",
            headers=op,
            files={"file": ("cameras.csv", csv.encode(), "text/csv")},
        )
        assert r.status_code == 200, r.text
        t0 = await _record(platform, tmp_path, cam, 6)
        span = {"from": t0.isoformat(), "to": (t0 + dt.timedelta(seconds=6)).isoformat()}
        async with asyncio.timeout(60):
            while True:
                r = await c.get(f"/api/v1/cameras/{cam}/recordings", headers=op, params=span)
                if sum(x["segments"] for x in r.json()["recorded"]) == 6:
                    break
                await asyncio.sleep(0.3)

        # Segment ids are not the former public rule (uuid5 of camera and start) but the
        # keyed HMAC of this deployment's recorder key; the retry-stable key stays separate.
        rows = await _sql(
            migrated_database,
            "recorder",
            "SELECT segment_id, idempotency_key FROM segments WHERE camera_id = :cam",
            cam=cam,
        )
        assert len(rows) == 6
        id_key = segment_id_key(load_private_key(RECORDER_KEY))
        for segment_id, key in rows:
            assert segment_id != uuid.uuid5(FORMER_SEGMENT_NS, key)
            assert segment_id == keyed_segment_id(key, id_key)

        async def open_playback(
            headers: dict[str, str], **extra: str
        ) -> tuple[dict[str, Any], list[str]]:
            body = {"camera_id": cam, **span, "purpose": "public_order", **extra}
            r = await c.post("/api/v1/playback", headers=headers, json=body)
            assert r.status_code == 201, r.text
            text = (await c.get(r.json()["url"])).text
            urls = [x for x in text.splitlines() if x and not x.startswith("#")]
            init = text.split('#EXT-X-MAP:URI="', 1)[1].split('"', 1)[0]
            assert len(urls) == 6, text
            assert (await c.get(urls[0])).status_code == 200
            assert (await c.get(init)).status_code == 200
            return r.json(), urls

        # 1. Serving a range is recorded: one footage.playback.served per object, naming it.
        playback, urls = await open_playback(op)
        served_id = urls[0].split("/segments/", 1)[1].split(".m4s", 1)[0]
        aud = await login(auditor)
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(30):
            while len(found) < 2:
                r = await c.get(
                    "/api/v1/audit/log",
                    headers=aud,
                    params={"view": "all", "action": "footage.playback.served", "camera_id": cam},
                )
                assert r.status_code == 200, r.text
                found = [
                    e["event"]
                    for e in r.json()["items"]
                    if json.loads(e["event"].get("after_json") or "{}").get("playback_id")
                    == playback["playback_id"]
                ]
                await asyncio.sleep(0.3)
        objects = {
            json.loads(e["after_json"])["object"]: json.loads(e["after_json"]) for e in found
        }
        assert objects["segment"]["segment_id"] == served_id
        assert all(e["actor"]["unit_id"] == "commune-01" for e in found)
        assert all(e["purpose_code"] == "PURPOSE_CODE_PUBLIC_ORDER" for e in found)

        # 2. The session ends (logout): the playback's segment URLs stop working.
        r = await c.post("/api/v1/auth/logout", headers=op)
        assert r.status_code in (200, 204), r.text
        r = await _refused_within(c, urls[1], 5.0)
        assert r.status_code == 401, r.text

        # 3. The account is disabled (by another replica: only the cache bound applies).
        op2 = await login(later)
        _, urls2 = await open_playback(op2)
        await _sql(
            migrated_database,
            "gateway",
            "UPDATE accounts SET status = 'disabled', disabled_at = now() WHERE username = :u",
            u=later["username"],
        )
        r = await _refused_within(c, urls2[1], 6.0)
        assert r.status_code == 401, r.text

        # 4. Another unit's operator plays through a committee-approval grant; it expires.
        other_id = (
            await _sql(
                migrated_database,
                "gateway",
                "SELECT id FROM accounts WHERE username = :u",
                u=other["username"],
            )
        )[0][0]
        grant_id = str(uuid.uuid4())
        await _sql(
            migrated_database,
            "gateway",
            "INSERT INTO grants (id, issued_by, grantee_id, legal_basis, reason, camera_ids,"
            " unit_ids, footage_from, footage_to, scopes, expires_at, created_at) VALUES"
            " (:id, :who, :who, 'committee_approval', 'e2e', ARRAY[:cam], ARRAY['commune-01'],"
            " :f, :t, ARRAY['view'], now() + interval '1 hour', now())",
            id=grant_id,
            who=other_id,
            cam=cam,
            f=t0 - dt.timedelta(hours=1),
            t=t0 + dt.timedelta(hours=1),
        )
        op3 = await login(other)
        _, urls3 = await open_playback(op3, grant_id=grant_id)
        await _sql(
            migrated_database,
            "gateway",
            "UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = :id",
            id=grant_id,
        )
        r = await _refused_within(c, urls3[1], 6.0)
        # Without the grant the camera is out of scope, answered like an unknown one (item 5c).
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "gateway.camera.not_found", r.text
