"""Notifications of the owning units against a REAL SMTP server (aiosmtpd: STARTTLS and AUTH
required, on 127.0.0.1 with a self-signed certificate) and a real HTTP webhook receiver: a
camera lost past the fault threshold tells its unit once by each channel, a mail outage loses
nothing and duplicates nothing, a grant on the unit's footage is told, the webhook signature
verifies with the shared secret only, a webhook that keeps failing ends dead, and the notices
are listed per unit. Short thresholds and backoffs keep it to a few seconds."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from tncam.audit.v1 import audit_event_pb2
from tncam.common.v1 import actor_pb2
from tncam.gateway.v1 import grant_pb2
from tncam.registry.v1 import notify_pb2 as npb
from tncam.registry.v1 import service_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.db import create_engine
from tncam_mesh.errors import ForbiddenError, InvalidInputError
from tncam_mesh.jetstream import ensure_stream, publish
from tncam_registry.domain.notify import HEADER_SIGNATURE, HEADER_TIMESTAMP, verify
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.notify import SmtpServer, WebhookReceiver

from .conftest import ADMIN, Harness, clean_registry, eventually, registry_settings, running

pytestmark = pytest.mark.integration

UNIT, OTHER_UNIT = "commune-01", "commune-02"
#: The webhook secret shared with the receiver, drawn per run.
SECRET = "whsec-" + secrets.token_urlsafe(16)
EMAIL = "it@phanđinhphung.example".replace("đ", "d")
OPERATOR_OTHER = actor_pb2.Actor(
    id="op-02", display_name="Cán bộ xã 02", role=actor_pb2.ROLE_UNIT_OPERATOR, unit_id=OTHER_UNIT
)


@dataclass
class World:
    registry: Harness
    smtp: SmtpServer
    hooks: WebhookReceiver
    db: MigratedDatabase


@pytest.fixture(scope="module")
async def world(
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    await clean_registry(migrated_database)
    smtp = SmtpServer(Path(tmp_path_factory.mktemp("smtp")))
    smtp.start()
    hooks = WebhookReceiver()
    hooks.start()
    ns = f"n{uuid.uuid4().hex[:10]}"
    settings = registry_settings(
        nats_server,
        migrated_database,
        ns,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_ca_file=str(smtp.cert),
        smtp_user=smtp.user,
        smtp_password=SecretStr(smtp.password),
        smtp_timeout_s=2.0,
        notify_dispatch_interval_s=0.2,
        notify_backoff_base_s=0.3,
        notify_backoff_max_s=0.6,
        notify_max_attempts=4,
        notify_deadline_interval_s=0.5,
        notify_digest_hour=0,
        log_level="INFO",
    )
    bus = await connect(nats_server.url, name="notify-test", timeout=5.0)
    await ensure_stream(bus.js, catalog.GATEWAY_STREAM.scoped(ns))
    try:
        async with running(settings) as url:
            yield World(Harness(settings, bus, ns, url), smtp, hooks, migrated_database)
    finally:
        await bus.close(timeout=5.0)
        smtp.stop()
        hooks.stop()


async def set_targets(w: World, unit: str, *, path: str = "/hook", **extra: object) -> None:
    """The unit's targets: the test mailbox (UNIT only) and a webhook at ``path``."""
    await w.registry.call(
        catalog.REGISTRY_SET_NOTIFICATION_TARGETS,
        npb.SetNotificationTargetsRequest(
            actor=ADMIN,
            targets=npb.NotificationTargets(
                unit_id=unit,
                emails=[EMAIL] if unit == UNIT else [],
                webhooks=[npb.WebhookTarget(url=w.hooks.url + path, secret=SECRET)],
            ),
            **extra,  # type: ignore[arg-type]
        ),
        npb.NotificationTargetsReply,
    )


async def lose_camera(w: World, camera_id: str, commune: str) -> None:
    """Register a camera, connect it, take it off the network (as ingest reports it)."""
    await w.registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(
            actor=ADMIN,
            id=camera_id,
            fields=service_pb2.CameraFields(
                name=f"Cổng UBND {camera_id}",
                commune_code=commune,
                site_kind="committee_hq",
                rtsp_url=f"rtsp://10.9.9.9/{camera_id}",
            ),
        ),
        service_pb2.CreateCameraReply,
    )
    t0 = dt.datetime.now(dt.UTC)
    await w.registry.status(camera_id, True, t0 - dt.timedelta(seconds=3))
    await w.registry.status(camera_id, False, t0 - dt.timedelta(seconds=2))


def mails_about(w: World, camera_id: str) -> list[str]:
    return [str(m["Subject"]) for m in w.smtp.messages if camera_id in str(m["Subject"])]


def hooks_about(w: World, needle: str) -> list[dict[str, object]]:
    docs = [json.loads(r.body) for r in w.hooks.received]
    return [d for d in docs if needle in json.dumps(d, ensure_ascii=False)]


async def notices(w: World, actor: actor_pb2.Actor, unit: str = "") -> list[npb.Notice]:
    reply = await w.registry.call(
        catalog.REGISTRY_LIST_NOTICES,
        npb.ListNoticesRequest(actor=actor, unit_id=unit, page_size=500),
        npb.ListNoticesReply,
    )
    return list(reply.notices)


async def test_invalid_targets_are_refused_and_nothing_is_written(world: World) -> None:
    w = world
    bad = npb.NotificationTargets(unit_id=UNIT, emails=["khong-phai-email"])
    with pytest.raises(InvalidInputError) as e:
        await w.registry.call(
            catalog.REGISTRY_SET_NOTIFICATION_TARGETS,
            npb.SetNotificationTargetsRequest(actor=ADMIN, targets=bad),
            npb.NotificationTargetsReply,
        )
    assert e.value.code == "registry.set_notification_targets.invalid_email"
    no_secret = npb.NotificationTargets(
        unit_id=UNIT, webhooks=[npb.WebhookTarget(url="https://xa01.example/hook")]
    )
    with pytest.raises(InvalidInputError) as e:
        await w.registry.call(
            catalog.REGISTRY_SET_NOTIFICATION_TARGETS,
            npb.SetNotificationTargetsRequest(actor=ADMIN, targets=no_secret),
            npb.NotificationTargetsReply,
        )
    assert e.value.code == "registry.set_notification_targets.invalid_webhook_secret"
    with pytest.raises(ForbiddenError):
        await w.registry.call(
            catalog.REGISTRY_SET_NOTIFICATION_TARGETS,
            npb.SetNotificationTargetsRequest(
                actor=OPERATOR_OTHER, targets=npb.NotificationTargets(unit_id=UNIT)
            ),
            npb.NotificationTargetsReply,
        )
    got = await w.registry.call(
        catalog.REGISTRY_GET_NOTIFICATION_TARGETS,
        npb.GetNotificationTargetsRequest(actor=ADMIN, unit_id=UNIT),
        npb.NotificationTargetsReply,
    )
    assert not got.targets.emails
    assert not got.targets.webhooks


async def test_lost_camera_tells_its_unit_once_by_mail_and_webhook(world: World) -> None:
    w = world
    await set_targets(w, UNIT)
    cam = f"nt-{uuid.uuid4().hex[:6]}"
    await lose_camera(w, cam, "01")

    async def both_arrived() -> None:
        assert mails_about(w, cam)
        assert hooks_about(w, cam)

    await eventually(both_arrived, timeout=15)
    mail = next(m for m in w.smtp.messages if cam in str(m["Subject"]))
    assert mail["To"] == EMAIL
    text = mail.get_content()
    assert "mất kết nối" in text
    assert "3 ngày làm việc" in text
    # The sweep keeps running (0.2 s) and the dispatcher too: still exactly one of each.
    await eventually(lambda: _settled(w, UNIT), timeout=5)
    assert len(mails_about(w, cam)) == 1
    assert len(hooks_about(w, cam)) == 1
    # The signature verifies with the shared secret, and not with another.
    hook = next(r for r in w.hooks.received if cam in r.body.decode())
    stamp = int(hook.headers[HEADER_TIMESTAMP])
    assert verify(SECRET.encode(), stamp, hook.body, hook.headers[HEADER_SIGNATURE])
    assert not verify(
        b"another-secret-0123456789", stamp, hook.body, hook.headers[HEADER_SIGNATURE]
    )
    assert not verify(SECRET.encode(), stamp + 1, hook.body, hook.headers[HEADER_SIGNATURE])
    # The ticket knows when its unit was told: the 3 working days run from there.
    engine = create_engine(
        w.db.url("registry"), schema="registry", pool_size=1, application_name="notify-test"
    )
    try:
        async with engine.connect() as c:
            notified = await c.scalar(
                sa.text("SELECT notified_at FROM fault_tickets WHERE camera_id = :c"), {"c": cam}
            )
    finally:
        await engine.dispose()
    assert notified is not None


async def _settled(w: World, unit: str) -> None:
    assert all(n.status in ("sent", "dead") for n in await notices(w, ADMIN, unit))


async def test_mail_outage_then_back_delivers_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    await set_targets(w, UNIT)
    w.smtp.stop()
    cam = f"nt-{uuid.uuid4().hex[:6]}"
    try:
        await lose_camera(w, cam, "01")

        async def mail_retrying() -> None:
            mine = [n for n in await notices(w, ADMIN, UNIT) if n.camera_id == cam]
            by_channel = {n.channel: n for n in mine}
            assert set(by_channel) == {"webhook", "email"}
            assert by_channel["webhook"].status == "sent"
            assert by_channel["email"].status == "retrying"
            assert by_channel["email"].last_error.startswith("smtp:")

        await eventually(mail_retrying, timeout=15)
    finally:
        w.smtp.start()

    async def mail_sent() -> None:
        assert mails_about(w, cam)
        mine = [n for n in await notices(w, ADMIN, UNIT) if n.camera_id == cam]
        email_notice = next(n for n in mine if n.channel == "email")  # seen above
        assert email_notice.status == "sent"
        assert email_notice.attempts >= 2

    await eventually(mail_sent, timeout=15)
    await eventually(lambda: _settled(w, UNIT), timeout=5)
    assert len(mails_about(w, cam)) == 1
    # The failures are logged, the SMTP password and the webhook secret never.
    assert "try 1 failed" in caplog.text
    assert w.smtp.password not in caplog.text
    assert SECRET not in caplog.text


async def test_grant_on_the_units_footage_is_told(world: World) -> None:
    w = world
    await set_targets(w, UNIT)
    grant_id = str(uuid.uuid4())
    event = grant_pb2.GrantIssued(
        grant_id=grant_id,
        unit_id=UNIT,
        grantee_id="acc-1",
        grantee_name="Nguyễn Văn Quản Trị",
        legal_basis=2,  # emergency command
        reason="Chỉ đạo khẩn cấp của lãnh đạo tỉnh",
        camera_ids=["cam-x"],
        scopes=["view"],
    )
    now = dt.datetime.now(dt.UTC)
    for field, at in (
        ("footage_from", now - dt.timedelta(hours=1)),
        ("footage_to", now),
        ("expires_at", now + dt.timedelta(hours=2)),
        ("issued_at", now),
    ):
        getattr(event, field).FromDatetime(at)
    subject = catalog.GRANT_ISSUED.subject(UNIT, w.registry.namespace)
    for _ in range(2):  # a re-published event is told once
        await publish(w.registry.bus.js, subject, event, msg_id=f"{grant_id}:{UNIT}:{_}")

    async def told() -> None:
        assert hooks_about(w, grant_id)
        assert any("Cấp quyền truy cập" in str(m["Subject"]) for m in w.smtp.messages)

    await eventually(told, timeout=10)
    await eventually(lambda: _settled(w, UNIT), timeout=5)
    assert len(hooks_about(w, grant_id)) == 1
    doc = hooks_about(w, grant_id)[0]
    assert doc["kind"] == "grant"
    assert "lệnh khẩn cấp" in str(doc["text"])


async def test_failing_webhook_ends_dead_and_notices_are_scoped(world: World) -> None:
    w = world
    await set_targets(w, OTHER_UNIT, path="/fail")
    cam = f"nt-{uuid.uuid4().hex[:6]}"
    await lose_camera(w, cam, "02")

    async def dead() -> None:
        mine = [n for n in await notices(w, ADMIN, OTHER_UNIT) if n.camera_id == cam]
        assert mine
        assert mine[0].status == "dead"
        assert mine[0].attempts == 4
        assert mine[0].last_error == "webhook: HTTP 500"

    await eventually(dead, timeout=15)
    assert len([r for r in w.hooks.received if cam in r.body.decode()]) == 4
    # A unit sees its own notices only.
    own = await notices(w, OPERATOR_OTHER)
    assert own
    assert {n.unit_id for n in own} == {OTHER_UNIT}
    with pytest.raises(ForbiddenError):
        await notices(w, OPERATOR_OTHER, UNIT)
    # A forged page token is a clear 4xx, whatever it decodes to.
    for token in ("not-base64!", "MjAyNnxub3QtYS11dWlk", "eHh4"):
        with pytest.raises(InvalidInputError) as e:
            await w.registry.call(
                catalog.REGISTRY_LIST_NOTICES,
                npb.ListNoticesRequest(actor=ADMIN, page_token=token),
                npb.ListNoticesReply,
            )
        assert e.value.code == "registry.list_notices.page_token"
    # Pages of one notice each walk the whole list, newest first.
    every = [n.id for n in await notices(w, ADMIN)]
    paged: list[str] = []
    token = ""
    while True:
        page = await w.registry.call(
            catalog.REGISTRY_LIST_NOTICES,
            npb.ListNoticesRequest(actor=ADMIN, page_size=1, page_token=token),
            npb.ListNoticesReply,
        )
        paged += [n.id for n in page.notices]
        token = page.next_page_token
        if not token:
            break
    assert paged == every


async def test_deadlines_breaches_and_the_daily_digest(world: World) -> None:
    w = world
    unit3 = "commune-03"
    await set_targets(w, unit3, path="/xa03")
    await set_targets(w, "province", path="/province")
    # Installed long ago and never connected: the 15-working-day connection deadline is past.
    cam = f"nt-{uuid.uuid4().hex[:6]}"
    await w.registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(
            actor=ADMIN,
            id=cam,
            fields=service_pb2.CameraFields(
                name=f"Quảng trường {cam}",
                commune_code="03",
                site_kind="square",
                rtsp_url=f"rtsp://10.9.9.9/{cam}",
                installed_on="2026-01-05",
            ),
        ),
        service_pb2.CreateCameraReply,
    )
    breach_id = str(uuid.uuid4())
    event = audit_event_pb2.AuditEvent(
        event_id=str(uuid.uuid4()),
        action="breach.register.recorded",
        source_service="audit",
        after_json=json.dumps(
            {"breach_id": breach_id, "title": "Lộ ảnh chụp", "scope": "1 camera"}
        ),
        target_unit_ids=[unit3],
    )
    subject = catalog.AUDIT_EVENT_RECORDED.subject("audit", w.registry.namespace)
    await publish(w.registry.bus.js, subject, event, msg_id=event.event_id)

    async def told() -> None:
        xa03 = [json.loads(r.body) for r in w.hooks.received if r.path == "/xa03"]
        kinds = {(d["kind"], d.get("camera_id", "")) for d in xa03}
        assert ("deadline_overdue", cam) in kinds
        assert any(d["kind"] == "breach" and d["breach_id"] == breach_id for d in xa03)
        digest = [json.loads(r.body) for r in w.hooks.received if r.path == "/province"]
        assert [d["kind"] for d in digest] == ["digest"]

    await eventually(told, timeout=15)
    await eventually(lambda: _settled(w, unit3), timeout=5)
    xa03 = [json.loads(r.body) for r in w.hooks.received if r.path == "/xa03"]
    overdue = [d for d in xa03 if d["kind"] == "deadline_overdue" and d["camera_id"] == cam]
    # Connection (15 working days from installation) and maintenance (6 months) are past, each
    # told once although the scan runs every 0.5 s.
    assert sorted(d["deadline"] for d in overdue) == ["connection", "maintenance"]
    assert "quá hạn" in overdue[0]["subject"]
    digest = next(json.loads(r.body) for r in w.hooks.received if r.path == "/province")
    assert "Tổng hợp ngày" in digest["subject"]
    assert digest["cameras_by_state"]
