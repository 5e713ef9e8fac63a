"""Legal holds, decommissioning with its technical sign-off, the breach register and gap
reports through the gateway (issue 15), against the real audit, registry, recorder and gateway
as processes: every new operation with every role (the authorization matrix of these routes),
the flows as officials use them, bad input refused with a stable code and nothing written, and
the ``tncam`` commands that do the same over NATS."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tncam_cli.main import build_parser
from tncam_contracts.catalog import (
    AUDIT_STREAM,
    CAMERA_STREAM,
    GATEWAY_STREAM,
    RECORDING_HANDOFF_STREAM,
)
from tncam_gateway.domain import totp
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream
from tncam_recorder.media.fmp4 import fragment_elementary
from tncam_testkit.cameras import make_clips
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.keys import service_keys
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.s3 import make_server
from tncam_testkit.segments import publish_clip
from tncam_testkit.services import REPO_ROOT, ServiceProcess

from .conftest import insert_gateway_account

pytestmark = pytest.mark.e2e

OPENAPI = json.loads((REPO_ROOT / "services" / "gateway" / "openapi.json").read_text())
PASSWORD = f"Đồi chè Tân Cương {secrets.token_urlsafe(12)}"  # new each run, never in code
ORIGIN = "tncam.e2e/records"
SEGMENTS = 6
COMMUNE, OTHER_COMMUNE = "01", "02"
UNIT, OTHER_UNIT = f"commune-{COMMUNE}", f"commune-{OTHER_COMMUNE}"
ROLES = ("admin", "auditor", "operator", "viewer", "operator_other", "sector", "app")


@dataclass
class Records:
    url: str
    env: dict[str, str]  # the shared settings, for the tncam command
    headers: dict[str, dict[str, str]]  # per role
    camera: str  # recorded, commune 01, owned by UNIT
    spare: str  # registered, never recorded
    t0: dt.datetime
    day: str  # the recording's day (UTC+7)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


def _login(url: str, name: str, secret: str, *, app: bool = False) -> dict[str, str]:
    if app:
        form = {"grant_type": "client_credentials", "client_id": name, "client_secret": PASSWORD}
    else:
        code = totp.code_at(secret, totp.step_of(dt.datetime.now(dt.UTC)))
        form = {"username": name, "password": PASSWORD, "totp": code}
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.post("/api/v1/auth/token", data=form)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _accounts(settings: GatewaySettings, url: str) -> dict[str, dict[str, str]]:
    fields: dict[str, dict[str, Any]] = {
        "admin": {"role": "province_admin"},
        "auditor": {"role": "auditor"},
        "operator": {"role": "unit_operator", "unit_id": UNIT, "unit_is_commune": True},
        "viewer": {"role": "unit_viewer", "unit_id": UNIT, "unit_is_commune": True},
        "operator_other": {
            "role": "unit_operator",
            "unit_id": OTHER_UNIT,
            "unit_is_commune": True,
        },
        "sector": {"role": "sector_operator", "sector_code": "traffic"},
        "app": {"role": "app_client", "unit_id": "c-thai-nguyen"},
    }
    headers = {}
    for who, f in fields.items():
        name = f"{who}.{uuid.uuid4().hex[:8]}"
        app = who == "app"
        secret = "" if app else totp.new_secret()
        asyncio.run(
            insert_gateway_account(
                settings,
                username=name,
                display_name=f"Cán bộ {name}",
                password=PASSWORD,
                mfa_secret=secret or None,
                **f,
            )
        )
        headers[who] = _login(url, name, secret, app=app)
    return headers


def _wait(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def _record(nats_url: str, ns: str, camera: str, work: Path, t0: dt.datetime) -> None:
    clips = make_clips(work / "clips", seconds=SEGMENTS, fps=10, gop=10)
    init, fragments = fragment_elementary(clips.h265)

    async def publish() -> None:
        bus = await connect(nats_url, name="records-e2e-clip")
        starts = [t0 + dt.timedelta(seconds=i) for i in range(len(fragments))]
        await publish_clip(bus.js, ns, camera, init, fragments, starts)
        await bus.close()

    asyncio.run(publish())


# long: the whole mesh's environment, spelled out once
@pytest.fixture(scope="module")
def records(
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    migrated_database: MigratedDatabase,
    module_audit_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Records]:
    from tncam_audit.domain.note import Signer

    work = tmp_path_factory.mktemp("records")
    ns = f"rec{uuid.uuid4().hex[:10]}"

    async def streams() -> None:
        bus = await connect(nats_server.url, name="records-e2e-setup")
        for spec in (AUDIT_STREAM, GATEWAY_STREAM, CAMERA_STREAM, RECORDING_HANDOFF_STREAM):
            await ensure_stream(bus.js, spec.scoped(ns))
        await bus.close()

    asyncio.run(streams())
    base = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    base.update(migrated_database.env())
    shared = {
        "TNCAM_ENVIRONMENT": "test",
        "TNCAM_NATS_URL": nats_server.url,
        "TNCAM_NATS_NAMESPACE": ns,
        "TNCAM_LOG_LEVEL": "WARNING",
    }
    base.update(shared)
    keys = service_keys()
    settings = GatewaySettings(
        environment="test",
        database_url=migrated_database.base_url,
        db_password=migrated_database.passwords["gateway"],
        jwt_signing_key=keys["TNCAM_GATEWAY_JWT_SIGNING_KEY"],
        mfa_encryption_key=keys["TNCAM_GATEWAY_MFA_ENCRYPTION_KEY"],
    )
    with make_server("minio", work / "minio") as s3:
        envs = {
            "audit": base
            | {
                "TNCAM_DATABASE_URL": f"postgresql://127.0.0.1:{postgres_server.port}/{module_audit_database}",
                "TNCAM_AUDIT_LOG_ORIGIN": ORIGIN,
                "TNCAM_AUDIT_SIGNING_KEY": Signer.generate(ORIGIN).encode(),
            },
            "registry": base
            | {"TNCAM_REGISTRY_CREDENTIALS_KEY": keys["TNCAM_REGISTRY_CREDENTIALS_KEY"]},
            "recorder": base
            | {
                "TNCAM_S3_ENDPOINT": s3.endpoint.url,
                "TNCAM_S3_ACCESS_KEY": s3.endpoint.access_key,
                "TNCAM_S3_SECRET_KEY": s3.endpoint.secret_key,
                "TNCAM_RECORDER_BUCKET": f"rec-{uuid.uuid4().hex[:10]}",
                "TNCAM_RECORDER_SIGNING_KEY": keys["TNCAM_RECORDER_SIGNING_KEY"],
            },
            "gateway": base
            | {
                "TNCAM_GATEWAY_JWT_SIGNING_KEY": keys["TNCAM_GATEWAY_JWT_SIGNING_KEY"],
                "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": keys["TNCAM_GATEWAY_MFA_ENCRYPTION_KEY"],
                "TNCAM_GATEWAY_RATE_LIMIT_USER_PER_MINUTE": "100000",
                "TNCAM_GATEWAY_RATE_LIMIT_ADDRESS_PER_MINUTE": "100000",
            },
        }
        procs = [ServiceProcess(n, env=envs[n], log_dir=work) for n in envs]
        try:
            # Started side by side: each mostly waits for its imports and its dependencies.
            with ThreadPoolExecutor(len(procs)) as pool:
                for started in [pool.submit(p.start) for p in procs]:
                    started.result()
            url = procs[-1].url
            headers = _accounts(settings, url)
            suffix = uuid.uuid4().hex[:6]
            camera, spare = f"REC-{suffix}-1", f"REC-{suffix}-2"
            with httpx.Client(base_url=url, timeout=30) as c:
                for cam in (camera, spare):
                    r = c.post(
                        "/api/v1/cameras",
                        headers=headers["admin"],
                        json={
                            "id": cam,
                            "name": f"Camera {cam}",
                            "commune_code": COMMUNE,
                            "site_kind": "committee_hq",
                            "owner_unit_id": UNIT,
                            "rtsp_url": f"rtsp://10.0.0.9/{cam}",
                        },
                    )
                    assert r.status_code == 201, r.text
            t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=30)
            _record(nats_server.url, ns, camera, work, t0)
            span = {"from": t0.isoformat(), "to": (t0 + dt.timedelta(minutes=1)).isoformat()}

            def recorded() -> bool:
                with httpx.Client(base_url=url, timeout=30) as c:
                    r = c.get(
                        f"/api/v1/cameras/{camera}/recordings",
                        params=span,
                        headers=headers["admin"],
                    )
                return (
                    r.status_code == 200
                    and sum(x["segments"] for x in r.json()["recorded"]) == SEGMENTS
                )

            _wait(recorded)
            day = t0.astimezone(dt.timezone(dt.timedelta(hours=7))).date().isoformat()
            yield Records(url, base | shared, headers, camera, spare, t0, day)
        finally:
            with ThreadPoolExecutor(len(procs)) as pool:
                list(pool.map(lambda p: p.stop(), procs))


# --- the authorization matrix of the new operations ------------------------------------------

OPERATIONS = (
    "placeLegalHold",
    "listLegalHolds",
    "releaseLegalHold",
    "decommissionCamera",
    "listDecommissions",
    "signOffDecommission",
    "recordBreach",
    "recordBreachNotice",
    "listBreaches",
    "getCameraGaps",
    "getCommuneGaps",
)
ADMIN_ONLY = (403, 200, 403, 403, 200, 403, 403, 403, 200)  # the auditor's view of the 9 first
NOTHING = (403,) * 9
# who -> the status of each operation above, in order
MATRIX: dict[str, tuple[int, ...]] = {
    "admin": (201, 200, 200, 201, 200, 200, 201, 201, 200, 200, 200),
    # The auditor reviews every record but reads no camera (404 as an unknown one).
    "auditor": (*ADMIN_ONLY, 404, 403),
    "operator": (*NOTHING, 200, 200),  # its own commune's camera and report
    "viewer": (*NOTHING, 200, 200),
    "operator_other": (*NOTHING, 404, 403),  # another commune's camera: 404, its report: 403
    "sector": (*NOTHING, 404, 403),  # the camera is in no sector
    "app": (*NOTHING, 200, 200),  # status and reports province-wide
}


def test_matrix_lists_every_new_operation_and_role() -> None:
    ids = {op["operationId"] for ops in OPENAPI["paths"].values() for op in ops.values()}
    assert set(OPERATIONS) <= ids
    assert set(MATRIX) == set(ROLES)
    assert all(len(codes) == len(OPERATIONS) for codes in MATRIX.values())
    # The OpenAPI document's roles agree: every role allowed somewhere is listed.
    by_id = {op["operationId"]: op for ops in OPENAPI["paths"].values() for op in ops.values()}
    for who, codes in MATRIX.items():
        role = {"admin": "province_admin", "operator": "unit_operator", "viewer": "unit_viewer"}
        role |= {"operator_other": "unit_operator", "sector": "sector_operator"}
        role |= {"auditor": "auditor", "app": "app_client"}
        for op_id, code in zip(OPERATIONS, codes, strict=True):
            if code < 400:
                assert role[who] in by_id[op_id]["x-required-roles"], (who, op_id)


def _hold_body(r: Records, case: str, **kw: Any) -> dict[str, Any]:
    return {
        "case_reference": case,
        "authority": "Cơ quan CSĐT Công an tỉnh Thái Nguyên",
        "document_number": "125/CV-CSĐT",
        "reason": "Điều tra vụ trộm xe máy",
        "camera_ids": [r.camera],
        "start": r.t0.isoformat(),
        "end": (r.t0 + dt.timedelta(seconds=3)).isoformat(),
    } | kw


def _breach_body(**kw: Any) -> dict[str, Any]:
    detected = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    return {
        "title": "Lộ tài khoản vận hành của xã",
        "detected_at": detected.isoformat(),
        "scope": "Hình ảnh camera của xã",
        "unit_ids": [UNIT],
    } | kw


def _notice_body(sent: dt.datetime, recipient: str = "provincial_police") -> dict[str, Any]:
    return {
        "recipient": recipient,
        "sent_at": sent.isoformat(),
        "document_number": "12/TB-SKHCN",
        "channel": "công văn giấy",
    }


def _sign_off_body(**kw: Any) -> dict[str, Any]:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    return {
        "signer_name": "Nguyễn Văn An",
        "signer_role": "Kỹ sư hệ thống, Phòng Hạ tầng số",
        "signed_on": today.isoformat(),
        "note": "Đã kiểm tra: không còn phiên bản nào",
    } | kw


def _fixtures_for_refusals(r: Records, c: httpx.Client) -> dict[str, str]:
    """A hold, a certificate and a breach that refused callers try to touch."""
    admin = r.headers["admin"]
    hold = c.post("/api/v1/legal-holds", headers=admin, json=_hold_body(r, "VV-MATRIX"))
    cert = c.post(
        "/api/v1/decommissions",
        headers=admin,
        json={"camera_id": r.spare, "reason": "Thử nghiệm", "document_reference": "QĐ 1/QĐ"},
    )
    breach = c.post("/api/v1/breaches", headers=admin, json=_breach_body())
    for resp in (hold, cert, breach):
        assert resp.status_code == 201, resp.text
    return {
        "hold": hold.json()["id"],
        "certificate": cert.json()["certificate_id"],
        "breach": breach.json()["id"],
    }


def test_authorization_matrix(records: Records) -> None:
    r = records
    now = dt.datetime.now(dt.UTC)
    with r.client() as c:
        shared = _fixtures_for_refusals(r, c)
        for who, expected in MATRIX.items():
            h = r.headers[who]
            got: dict[str, int] = {}
            resp = c.post("/api/v1/legal-holds", headers=h, json=_hold_body(r, f"VV-{who}"))
            got["placeLegalHold"] = resp.status_code
            hold = resp.json()["id"] if resp.status_code == 201 else shared["hold"]
            got["listLegalHolds"] = c.get("/api/v1/legal-holds", headers=h).status_code
            got["releaseLegalHold"] = c.post(
                f"/api/v1/legal-holds/{hold}/release", headers=h, json={"reason": "Kết thúc"}
            ).status_code
            resp = c.post(
                "/api/v1/decommissions",
                headers=h,
                json={"camera_id": r.spare, "reason": "Thử", "document_reference": "QĐ 2/QĐ"},
            )
            got["decommissionCamera"] = resp.status_code
            cert = (
                resp.json()["certificate_id"] if resp.status_code == 201 else shared["certificate"]
            )
            got["listDecommissions"] = c.get("/api/v1/decommissions", headers=h).status_code
            got["signOffDecommission"] = c.post(
                f"/api/v1/decommissions/{cert}/sign-off", headers=h, json=_sign_off_body()
            ).status_code
            resp = c.post("/api/v1/breaches", headers=h, json=_breach_body())
            got["recordBreach"] = resp.status_code
            breach = resp.json()["id"] if resp.status_code == 201 else shared["breach"]
            got["recordBreachNotice"] = c.post(
                f"/api/v1/breaches/{breach}/notices", headers=h, json=_notice_body(now)
            ).status_code
            got["listBreaches"] = c.get("/api/v1/breaches", headers=h).status_code
            day = {"date": r.day}
            got["getCameraGaps"] = c.get(
                f"/api/v1/cameras/{r.camera}/gaps", headers=h, params=day
            ).status_code
            got["getCommuneGaps"] = c.get(
                f"/api/v1/communes/{COMMUNE}/gaps", headers=h, params=day
            ).status_code
            assert tuple(got[o] for o in OPERATIONS) == expected, (who, got)
        # A refusal is a problem with the policy's code, and changed nothing.
        resp = c.post("/api/v1/legal-holds", headers=r.headers["operator"], json=_hold_body(r, "X"))
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["code"] == "gateway.authz.role_forbidden"
        listed = c.get(
            "/api/v1/legal-holds", headers=r.headers["auditor"], params={"active": True}
        ).json()
    # Only the shared hold stays active: every refused release left it alone.
    assert [h["case_reference"] for h in listed["items"]] == ["VV-MATRIX"]


# --- the flows, and bad input -----------------------------------------------------------------


def test_legal_hold_with_case_reference_then_release(records: Records) -> None:
    r = records
    admin, auditor = r.headers["admin"], r.headers["auditor"]
    case = f"VV-2026-{uuid.uuid4().hex[:6]}"
    with r.client() as c:
        resp = c.post(
            "/api/v1/legal-holds",
            headers=admin,
            json=_hold_body(r, case, end=(r.t0 + dt.timedelta(minutes=1)).isoformat()),
        )
        assert resp.status_code == 201, resp.text
        hold = resp.json()
        assert hold["segments_changed"] == SEGMENTS
        assert hold["document_number"] == "125/CV-CSĐT"
        assert hold["active"] is True
        page = c.get("/api/v1/legal-holds", headers=auditor, params={"case_reference": case})
        assert page.json()["total"] == 1
        [listed] = page.json()["items"]
        assert listed["authority"] == "Cơ quan CSĐT Công an tỉnh Thái Nguyên"
        assert listed["placed_by"]["display_name"].startswith("Cán bộ admin.")
        # Footage under a hold cannot be decommissioned.
        resp = c.post(
            "/api/v1/decommissions",
            headers=admin,
            json={"camera_id": r.camera, "reason": "Thanh lý", "document_reference": "QĐ 9"},
        )
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "recording.decommission.held"
        resp = c.post(
            f"/api/v1/legal-holds/{hold['id']}/release",
            headers=admin,
            json={"reason": "Kết thúc vụ việc theo quyết định 12/QĐ-CSĐT"},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["active"] is False
        assert resp.json()["release_reason"].startswith("Kết thúc vụ việc")
        again = c.post(
            f"/api/v1/legal-holds/{hold['id']}/release", headers=admin, json={"reason": "lại"}
        )
        assert again.status_code == 409
        assert again.json()["code"] == "recording.legal_hold.released"


def test_bad_holds_are_refused_and_nothing_is_written(records: Records) -> None:
    r = records
    admin = r.headers["admin"]
    case = f"VV-EMPTY-{uuid.uuid4().hex[:6]}"
    day_before = r.t0 - dt.timedelta(days=1)
    with r.client() as c:
        resp = c.post(
            "/api/v1/legal-holds",
            headers=admin,
            json=_hold_body(
                r,
                case,
                start=day_before.isoformat(),
                end=(day_before + dt.timedelta(hours=1)).isoformat(),
            ),
        )
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "recording.legal_hold.no_footage"
        assert r.camera in resp.json()["detail"]
        resp = c.post(
            "/api/v1/legal-holds",
            headers=admin,
            json=_hold_body(r, case, camera_ids=[r.camera, "KHONG-CO-CAMERA"]),
        )
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "gateway.camera.not_found"
        resp = c.post(
            "/api/v1/legal-holds", headers=admin, json=_hold_body(r, case, document_number="")
        )
        assert resp.status_code == 422
        page = c.get("/api/v1/legal-holds", headers=admin, params={"case_reference": case})
        assert page.json()["total"] == 0
        log = c.get(
            "/api/v1/audit/log",
            headers=r.headers["auditor"],
            params={"view": "all", "action": "footage.legal_hold.placed", "page_size": 1000},
        )
        assert log.status_code == 200, log.text
        assert case not in log.text


def test_decommission_then_technical_sign_off_once(records: Records) -> None:
    r = records
    admin = r.headers["admin"]
    with r.client() as c:
        resp = c.post(
            "/api/v1/decommissions",
            headers=admin,
            json={
                "camera_id": r.spare,
                "reason": "Thanh lý camera hỏng",
                "document_reference": "QĐ 123/QĐ-UBND",
            },
        )
        assert resp.status_code == 201, resp.text
        cert = resp.json()
        assert json.loads(cert["certificate_json"])["document_reference"] == "QĐ 123/QĐ-UBND"
        assert cert["sign_off"] is None
        cid = cert["certificate_id"]
        path = f"/api/v1/decommissions/{cid}/sign-off"
        early = c.post(path, headers=admin, json=_sign_off_body(signed_on="2020-01-01"))
        assert early.status_code == 422
        assert early.json()["code"] == "recording.decommission.signed_before_certificate"
        unsigned = c.get("/api/v1/decommissions", headers=admin, params={"unsigned": True})
        assert cid in {d["certificate_id"] for d in unsigned.json()["items"]}
        signed = c.post(path, headers=admin, json=_sign_off_body())
        assert signed.status_code == 200, signed.text
        body = signed.json()
        assert body["sign_off"]["signer_role"] == "Kỹ sư hệ thống, Phòng Hạ tầng số"
        assert body["certificate_json"] == cert["certificate_json"]  # beside, unchanged
        twice = c.post(path, headers=admin, json=_sign_off_body(signer_name="Người khác"))
        assert twice.status_code == 409
        assert twice.json()["code"] == "recording.decommission.already_signed_off"
        unknown = c.post(
            f"/api/v1/decommissions/{uuid.uuid4()}/sign-off", headers=admin, json=_sign_off_body()
        )
        assert unknown.status_code == 404
        listed = c.get("/api/v1/decommissions", headers=r.headers["auditor"]).json()
        [mine] = [d for d in listed["items"] if d["certificate_id"] == cid]
        assert mine["sign_off"]["signer_name"] == "Nguyễn Văn An"
        resp = c.post(
            "/api/v1/decommissions",
            headers=admin,
            json={"camera_id": "KHONG-CO-CAMERA", "reason": "x", "document_reference": "y"},
        )
        assert resp.status_code == 404
        assert resp.json()["code"] == "gateway.camera.not_found"


def test_breach_register_with_its_72_hour_deadline(records: Records) -> None:
    r = records
    admin = r.headers["admin"]
    detected = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    with r.client() as c:
        resp = c.post(
            "/api/v1/breaches", headers=admin, json=_breach_body(detected_at=detected.isoformat())
        )
        assert resp.status_code == 201, resp.text
        breach = resp.json()
        assert breach["status"] == "open"
        deadline = dt.datetime.fromisoformat(breach["notice_deadline"])
        assert deadline == detected + dt.timedelta(hours=72)
        assert breach["missing_notices"] == ["provincial_police", "dost"]
        notices = f"/api/v1/breaches/{breach['id']}/notices"
        early = c.post(notices, headers=admin, json=_notice_body(detected - dt.timedelta(hours=1)))
        assert early.status_code == 422, early.text
        assert early.json()["code"] == "audit.breach.notice_before_breach"
        unknown = c.post(
            f"/api/v1/breaches/{uuid.uuid4()}/notices",
            headers=admin,
            json=_notice_body(detected),
        )
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "audit.breach.not_found"
        sent = detected + dt.timedelta(hours=1)
        one = c.post(notices, headers=admin, json=_notice_body(sent))
        assert one.status_code == 201, one.text
        assert [n["recipient"] for n in one.json()["notices"]] == ["provincial_police"]
        assert one.json()["status"] == "open"
        two = c.post(notices, headers=admin, json=_notice_body(sent, "dost"))
        assert two.json()["status"] == "notified"
        assert two.json()["missing_notices"] == []
        late = c.post(
            "/api/v1/breaches",
            headers=admin,
            json=_breach_body(
                detected_at=(dt.datetime.now(dt.UTC) - dt.timedelta(hours=73)).isoformat()
            ),
        )
        assert late.json()["status"] == "overdue"
        overdue = c.get(
            "/api/v1/breaches", headers=r.headers["auditor"], params={"status": "overdue"}
        ).json()
        assert late.json()["id"] in {b["id"] for b in overdue["items"]}
        assert breach["id"] not in {b["id"] for b in overdue["items"]}
        # Nothing of the refused notice was written: two notices, in the register too.
        full = c.get("/api/v1/breaches", headers=admin, params={"page_size": 500}).json()
        [mine] = [b for b in full["items"] if b["id"] == breach["id"]]
        assert len(mine["notices"]) == 2
        future = c.post(
            "/api/v1/breaches",
            headers=admin,
            json=_breach_body(
                detected_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
            ),
        )
        assert future.status_code == 422
        assert future.json()["code"] == "audit.breach.detected_in_future"


def test_gap_reports_per_camera_and_per_commune(records: Records) -> None:
    r = records
    app = r.headers["app"]
    with r.client() as c:
        resp = c.get(f"/api/v1/cameras/{r.camera}/gaps", headers=app, params={"date": r.day})
        assert resp.status_code == 200, resp.text
        day = resp.json()
        assert day["recorded_seconds"] == pytest.approx(SEGMENTS, abs=0.5)
        assert day["expected_seconds"] == pytest.approx(
            day["recorded_seconds"] + day["gap_seconds"], abs=0.01
        )
        assert day["gaps"], "a day with six recorded seconds has gaps"
        page = c.get(
            f"/api/v1/communes/{COMMUNE}/gaps",
            headers=app,
            params={"date": r.day, "page_size": 500},
        ).json()
        by_camera = {i["camera_id"]: i for i in page["items"]}
        assert by_camera[r.camera]["recorded_seconds"] == day["recorded_seconds"]
        assert by_camera[r.spare]["recorded_seconds"] == 0
        assert page["total"] == len(page["items"]) >= 2
        missing = c.get("/api/v1/communes/99999/gaps", headers=app, params={"date": r.day})
        assert missing.status_code == 404
        assert missing.json()["code"] == "gateway.commune.not_found"
        unknown = c.get("/api/v1/cameras/KHONG-CO/gaps", headers=app, params={"date": r.day})
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "gateway.camera.not_found"
        bad = c.get(f"/api/v1/cameras/{r.camera}/gaps", headers=app, params={"date": "0001-01-01"})
        assert bad.status_code == 422


def _tncam(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str
) -> tuple[int, str, str]:
    """Run a ``tncam`` command in this process (the command's own code, without the seconds
    a new interpreter costs on a loaded machine): exit code, stdout, stderr."""
    with monkeypatch.context() as m:
        for key in [k for k in os.environ if k.startswith("TNCAM_")]:
            m.delenv(key)
        for key, value in env.items():
            m.setenv(key, value)
        parsed = build_parser().parse_args(args)
        code = int(parsed.func(parsed))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_tncam_commands_do_the_same_over_nats(
    records: Records, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    r = records
    env = {k: v for k, v in r.env.items() if k.startswith("TNCAM_NATS")}
    env |= {"TNCAM_ACTOR_ID": "cli:ky-thuat", "TNCAM_ACTOR_NAME": "Kỹ thuật viên"}
    case = f"VV-CLI-{uuid.uuid4().hex[:6]}"
    hold = [
        "holds", "place", "--case", case, "--authority", "Viện kiểm sát nhân dân tỉnh",
        "--document", "88/VKS", "--reason", "Kiểm sát điều tra", "--camera", r.camera,
        "--from", r.t0.isoformat(), "--to", (r.t0 + dt.timedelta(seconds=2)).isoformat(),
    ]  # fmt: skip
    code, out, err = _tncam(env, monkeypatch, capsys, *hold, "--json")
    assert code == 0, err
    placed = json.loads(out)
    assert placed["document_number"] == "88/VKS"
    assert placed["placed_by"]["id"] == "cli:ky-thuat"
    code, out, err = _tncam(env, monkeypatch, capsys, "holds", "list", "--case", case, "--json")
    assert code == 0, err
    assert [h["hold_id"] for h in json.loads(out)] == [placed["hold_id"]]
    code, out, err = _tncam(
        env, monkeypatch, capsys, "holds", "release", placed["hold_id"], "--reason", "Đóng"
    )
    assert code == 0, err
    assert "đã chấm dứt" in out
    empty = [*hold[:-4], "--from", "2001-01-01T00:00:00+07:00", "--to", "2001-01-02T00:00+07:00"]
    code, out, err = _tncam(env, monkeypatch, capsys, *empty)
    assert code == 1
    assert "recording.legal_hold.no_footage" in err
    wipe = ["decommission", "camera", r.spare, "--reason", "Thanh lý", "--document", "QĐ 7"]
    code, out, err = _tncam(env, monkeypatch, capsys, *wipe)
    assert code == 0, err
    certificate = out.strip()
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date().isoformat()
    sign = ["--signer", "Lê Thị Hoa", "--role", "Trưởng phòng kỹ thuật", "--date", today]
    sign_off = ["decommission", "sign-off", certificate, *sign]
    code, out, err = _tncam(env, monkeypatch, capsys, *sign_off)
    assert code == 0, err
    code, out, err = _tncam(env, monkeypatch, capsys, *sign_off)
    assert code == 1
    assert "recording.decommission.already_signed_off" in err
    code, out, err = _tncam(env, monkeypatch, capsys, "decommission", "list", "--json")
    assert code == 0, err
    [mine] = [d for d in json.loads(out) if d["certificate_id"] == certificate]
    assert mine["sign_off"]["signer_name"] == "Lê Thị Hoa"
    detected = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    breach = ["breaches", "record", "--title", "Lộ mật khẩu", "--scope", "Camera xã"]
    code, out, err = _tncam(env, monkeypatch, capsys, *breach, "--detected-at", detected, "--json")
    assert code == 0, err
    recorded = json.loads(out)
    notice = ["breaches", "notice", recorded["breach_id"], "--recipient", "dost", "--document", "5"]
    code, out, err = _tncam(env, monkeypatch, capsys, *notice, "--sent-at", "2001-01-01T00:00Z")
    assert code == 1
    assert "audit.breach.notice_before_breach" in err
    code, out, err = _tncam(env, monkeypatch, capsys, "breaches", "list", "--json")
    assert code == 0, err
    [listed] = [b for b in json.loads(out) if b["breach_id"] == recorded["breach_id"]]
    assert "notices" not in listed  # the refused notice was not written
    assert listed["notice_deadline"] == recorded["notice_deadline"]
    code, out, err = _tncam(
        env, monkeypatch, capsys, "gaps", "commune", COMMUNE, "--date", r.day, "--json"
    )
    assert code == 0, err
    assert r.camera in {g["camera_id"] for g in json.loads(out)}
