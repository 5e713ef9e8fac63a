"""Status events drive never -> connected -> lost -> connected; fault tickets; the report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import httpx
import pytest
import sqlalchemy as sa
from nats.aio.msg import Msg
from openpyxl import load_workbook
from prometheus_client import CollectorRegistry, Counter

from tncam.camera.v1 import stats_pb2, status_pb2
from tncam.deadletter.v1 import dead_letter_pb2
from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.consumer import Settler, delivery_of
from tncam_mesh.db import create_engine, session_factory
from tncam_mesh.jetstream import ensure_consumer, ensure_stream, publish
from tncam_registry.bus.outbox import Outbox
from tncam_registry.consumers.stats import handle_batch, stats_spec
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service.context import RegistryContext
from tncam_testkit.database import MigratedDatabase

from .conftest import ADMIN, CREDENTIALS_KEY, Harness, eventually

pytestmark = pytest.mark.integration

S = camera_state_pb2


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def create(registry: Harness, camera_id: str, commune: str, kind: str, **extra: str) -> None:
    await registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(
            actor=ADMIN,
            id=camera_id,
            fields=service_pb2.CameraFields(
                name=camera_id,
                commune_code=commune,
                site_kind=kind,
                rtsp_url=f"rtsp://10.9.9.9/{camera_id}",
                **extra,
            ),
        ),
        service_pb2.CreateCameraReply,
    )


async def state_of(registry: Harness, camera_id: str) -> int:
    reply = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id=camera_id),
        service_pb2.GetCameraReply,
    )
    return reply.camera.state


async def history(registry: Harness, camera_id: str) -> service_pb2.GetCameraHistoryReply:
    return await registry.call(
        catalog.REGISTRY_GET_CAMERA_HISTORY,
        service_pb2.GetCameraHistoryRequest(actor=ADMIN, camera_id=camera_id, days=2),
        service_pb2.GetCameraHistoryReply,
    )


async def wait_state(registry: Harness, camera_id: str, state: int) -> None:
    async def check() -> None:
        assert await state_of(registry, camera_id) == state

    await eventually(check)


async def test_never_connected_lost_connected_with_a_fault_ticket(registry: Harness) -> None:
    cam = "tn-04-hq"
    await create(registry, cam, "04", "committee_hq")
    t = now()
    await registry.status(
        cam, False, t - dt.timedelta(hours=3), status_pb2.DISCONNECT_REASON_REFUSED
    )
    await registry.status(cam, True, t - dt.timedelta(hours=2))
    await wait_state(registry, cam, S.CAMERA_STATE_CONNECTED)
    await registry.status(cam, False, t - dt.timedelta(seconds=3))
    await wait_state(registry, cam, S.CAMERA_STATE_LOST)

    async def ticket_open() -> None:
        tickets = (await history(registry, cam)).tickets
        assert len(tickets) == 1
        assert not tickets[0].HasField("closed_at")

    await eventually(ticket_open)  # lost longer than fault_after_s (1 s)

    # A redelivered (duplicate) old event changes nothing.
    await registry.status(cam, True, t - dt.timedelta(hours=2))
    await registry.status(cam, True, now())
    await wait_state(registry, cam, S.CAMERA_STATE_CONNECTED)
    h = await history(registry, cam)
    assert [(x.previous_state, x.state) for x in h.transitions] == [
        (S.CAMERA_STATE_NEVER, S.CAMERA_STATE_CONNECTED),
        (S.CAMERA_STATE_CONNECTED, S.CAMERA_STATE_LOST),
        (S.CAMERA_STATE_LOST, S.CAMERA_STATE_CONNECTED),
    ]
    assert h.transitions[1].reason == "timeout"
    assert h.tickets[0].HasField("closed_at")
    assert h.tickets[0].close_reason == "reconnected"
    assert sum(d.disconnects for d in h.uptime) == 1
    assert (
        sum(d.uptime * d.observed_s for d in h.uptime) / sum(d.observed_s for d in h.uptime) > 0.99
    )

    async def published() -> None:
        events = [
            camera_state_pb2.CameraStateChanged.FromString(data)
            for subject, data in await registry.stream_messages(catalog.REGISTRY_STREAM)
            if ".camera_state_changed." in subject
        ]
        assert [(e.previous_state, e.state) for e in events] == [
            (x.previous_state, x.state) for x in h.transitions
        ]
        assert {e.commune_code for e in events} == {"04"}
        assert {e.site_kind for e in events} == {"committee_hq"}

    await eventually(published)
    audit = [d for _, d in await registry.stream_messages(catalog.AUDIT_STREAM)]
    assert any(b"camera.fault_ticket.opened" in d for d in audit)
    assert any(b"camera.fault_ticket.closed" in d for d in audit)


async def test_unreachable_camera_stays_never_and_flapping_is_unstable(registry: Harness) -> None:
    await create(registry, "tn-05-sq", "05", "square")
    await create(registry, "tn-05-sc", "05", "service_center")
    t = now() - dt.timedelta(minutes=30)
    for i in range(5):
        await registry.status(
            "tn-05-sq", False, t + dt.timedelta(seconds=i), status_pb2.DISCONNECT_REASON_REFUSED
        )
    await registry.status("tn-05-sc", True, t)
    for i in range(4):
        await registry.status("tn-05-sc", False, t + dt.timedelta(minutes=1 + i))
        await registry.status("tn-05-sc", True, t + dt.timedelta(minutes=1 + i, seconds=1))
    await wait_state(registry, "tn-05-sc", S.CAMERA_STATE_UNSTABLE)
    assert await state_of(registry, "tn-05-sq") == S.CAMERA_STATE_NEVER
    got = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id="tn-05-sq"),
        service_pb2.GetCameraReply,
    )
    assert got.camera.last_disconnect_reason == "refused"


async def test_report_reproduces_cells_and_totals_in_every_format(registry: Harness) -> None:
    cams = {
        "r01-sc-a": ("01", "service_center", "connected"),
        "r01-sc-b": ("01", "service_center", "connected"),
        "r01-hq": ("01", "committee_hq", "lost"),
        "r02-sc": ("02", "service_center", "never"),
        "r02-sq-a": ("02", "square", "connected"),
        "r02-sq-b": ("02", "square", "never"),
        "r03-hq": ("03", "committee_hq", "connected"),
    }
    for cam, (commune, kind, _) in cams.items():
        await create(registry, cam, commune, kind)
    t = now() - dt.timedelta(hours=1)
    for cam, (_, _, state) in cams.items():
        if state in ("connected", "lost"):
            await registry.status(cam, True, t)
        if state == "lost":
            await registry.status(cam, False, t + dt.timedelta(minutes=30))
    await wait_state(registry, "r01-hq", S.CAMERA_STATE_LOST)
    await wait_state(registry, "r03-hq", S.CAMERA_STATE_CONNECTED)
    await wait_state(registry, "r02-sq-a", S.CAMERA_STATE_CONNECTED)

    def get(fmt: int) -> service_pb2.GetConnectionReportRequest:
        return service_pb2.GetConnectionReportRequest(actor=ADMIN, format=fmt)

    reply = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        get(service_pb2.REPORT_FORMAT_JSON),
        service_pb2.GetConnectionReportReply,
    )
    expected = {
        "01": ("Có", "Mất kết nối", ""),
        "02": ("Chưa kết nối", "", "Mất kết nối"),
        "03": ("", "Có", ""),
        "04": ("", "", ""),
    }
    rows = {r.commune_code: r for r in reply.report.rows}
    assert len(rows) == 92
    for code, cells in expected.items():
        r = rows[code]
        assert (r.service_center.text, r.committee_hq.text, r.square.text) == cells
    totals = list(reply.report.totals)
    for line in (
        "Tổng số Camera TTPVHCC Có kết nối lên C_Thai Nguyen: 2",
        "Tổng số Camera TTPVHCC Chưa kết nối lên C_Thai Nguyen: 1",
        "Tổng số Camera Trụ sở UBND Mất kết nối lên C_Thai Nguyen: 1",
        "Tổng số Camera Trụ sở UBND Có kết nối lên C_Thai Nguyen: 1",
        "Tổng số Camera Quảng trường, khu vực công cộng Chưa kết nối lên C_Thai Nguyen: 1",
    ):
        assert line in totals
    assert "Xã" in reply.report.completed[0] or "Phường" in reply.report.completed[0]
    data = json.loads(reply.document)
    assert data["rows"][0]["committee_hq"]["text"] == "Mất kết nối"
    assert reply.filename.endswith(".json")

    csv_reply = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        get(service_pb2.REPORT_FORMAT_CSV),
        service_pb2.GetConnectionReportReply,
    )
    table = list(csv.reader(io.StringIO(csv_reply.document.decode("utf-8-sig"))))
    by_code = {r[1]: r for r in table[1:93]}
    for code, cells in expected.items():
        assert tuple(by_code[code][3:6]) == cells
    assert [totals[0]] in table

    xlsx = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        get(service_pb2.REPORT_FORMAT_XLSX),
        service_pb2.GetConnectionReportReply,
    )
    ws = load_workbook(io.BytesIO(xlsx.document)).active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    xrows = {r[1]: r for r in values if r and isinstance(r[0], int)}
    for code, cells in expected.items():
        assert tuple(v or "" for v in xrows[code][3:6]) == cells
    assert any(r and r[0] == totals[1] for r in values)

    html = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        get(service_pb2.REPORT_FORMAT_HTML),
        service_pb2.GetConnectionReportReply,
    )
    assert totals[2] in html.document.decode()


async def test_overdue_deadlines_and_stats(
    registry: Harness, migrated_database: MigratedDatabase
) -> None:
    today = now().date()
    installed = (today - dt.timedelta(days=60)).isoformat()
    old = (today - dt.timedelta(days=400)).isoformat()
    await create(registry, "d-never", "06", "square", installed_on=installed)
    await create(
        registry,
        "d-old",
        "06",
        "committee_hq",
        installed_on=old,
        declared_codec="hevc",
        resolution="1920x1080",
    )
    await registry.status("d-old", True, now() - dt.timedelta(days=30))
    stats = stats_pb2.StreamStats(camera_id="d-old", codec="h264", width=1280, height=720, fps=25)
    stats.window_end.FromDatetime(now() - dt.timedelta(days=30))
    await publish(
        registry.bus.js,
        catalog.CAMERA_STATS_REPORTED.subject("d-old", registry.namespace),
        stats,
        msg_id="stats-d-old-1",
    )

    async def overdue() -> None:
        reply = await registry.call(
            catalog.REGISTRY_LIST_OVERDUE_DEADLINES,
            service_pb2.ListOverdueDeadlinesRequest(actor=ADMIN),
            service_pb2.ListOverdueDeadlinesReply,
        )
        kinds = {(d.kind, d.camera_id) for d in reply.deadlines}
        assert ("connection", "d-never") in kinds
        assert ("maintenance", "d-old") in kinds
        assert ("registry_update", "d-old") in kinds
        assert ("connection", "d-old") not in kinds

    await eventually(overdue)
    await registry.call(
        catalog.REGISTRY_RECORD_MAINTENANCE,
        service_pb2.RecordMaintenanceRequest(actor=ADMIN, camera_id="d-old"),
        service_pb2.RecordMaintenanceReply,
    )
    reply = await registry.call(
        catalog.REGISTRY_LIST_OVERDUE_DEADLINES,
        service_pb2.ListOverdueDeadlinesRequest(actor=ADMIN, kinds=["maintenance"]),
        service_pb2.ListOverdueDeadlinesReply,
    )
    assert "d-old" not in {d.camera_id for d in reply.deadlines}
    got = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id="d-old"),
        service_pb2.GetCameraReply,
    )
    assert (got.camera.measured_codec, got.camera.measured_resolution) == ("h264", "1280x720")
    needs = await registry.call(
        catalog.REGISTRY_RECORD_CONNECTION_NEEDS,
        service_pb2.RecordConnectionNeedsRequest(
            actor=ADMIN, unit_id="commune-06", year=today.year + 1, needs="3 camera quảng trường"
        ),
        service_pb2.RecordConnectionNeedsReply,
    )
    assert needs.on_time == (today <= dt.date(today.year, 12, 15))
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{registry.url}/metrics")).text
    assert 'tncam_registry_state_transitions_total{previous="never",state="connected"}' in metrics
    assert 'tncam_registry_request_duration_seconds_count{operation="create_camera"' in metrics
    assert "tncam_registry_cameras{" in metrics
    # The same registry (no second start): one stats batch through the consumer's handler.
    await check_a_stats_batch(registry, migrated_database)


async def test_alerting_gauges_long_lost_cameras_and_all_lost_communes(registry: Harness) -> None:
    # Commune 12 has only this camera: once it is lost, every camera of the commune is lost.
    await create(registry, "g-lost", "12", "square")
    await registry.status("g-lost", True, now() - dt.timedelta(hours=1))
    await registry.status("g-lost", False, now() - dt.timedelta(minutes=20))
    await wait_state(registry, "g-lost", S.CAMERA_STATE_LOST)

    async def gauges() -> None:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{registry.url}/metrics")).text
        values = {
            line.split(" ")[0]: float(line.split(" ")[1])
            for line in text.splitlines()
            if line.startswith(
                ("tncam_registry_cameras_lost_over_15m ", "tncam_registry_communes_all_lost ")
            )
        }
        assert values["tncam_registry_cameras_lost_over_15m"] >= 1
        assert values["tncam_registry_communes_all_lost"] >= 1
        # Cameras by state per commune: one series per commune of the reference data (bounded).
        by_commune = [
            line for line in text.splitlines() if line.startswith("tncam_registry_cameras{")
        ]
        assert len(by_commune) == 4 * len({line.split('commune="')[1][:2] for line in by_commune})
        assert any(
            'commune="12",' in line and 'state="lost"' in line and not line.endswith(" 0.0")
            for line in by_commune
        ), by_commune

    await eventually(gauges)


async def check_a_stats_batch(registry: Harness, migrated_database: MigratedDatabase) -> None:
    """One fetched batch through the stats consumer's handler against real NATS and
    PostgreSQL: the newer of a camera's two windows wins, an unknown camera is acked, an
    undecodable message and one the database rejects are dead-lettered without holding back
    the others, and the same messages delivered again change nothing."""
    for cid in ("sb-a", "sb-b", "sb-c"):
        await create(registry, cid, "06", "square", declared_codec="hevc", resolution="1920x1080")
    ns = f"{registry.namespace}b"  # a stream of its own: the running consumer does not see it
    js = registry.bus.js
    for spec in (catalog.CAMERA_STREAM, catalog.DEADLETTER_STREAM):
        await ensure_stream(js, spec.scoped(ns))
    t = now().replace(microsecond=0)

    def stats(cid: str, ago: int, codec: str = "hevc", width: int = 1920) -> stats_pb2.StreamStats:
        msg = stats_pb2.StreamStats(camera_id=cid, codec=codec, width=width, height=1080, fps=25)
        msg.window_end.FromDatetime(t - dt.timedelta(seconds=ago))
        return msg

    good = [
        ("sb-a", stats("sb-a", 10, "H264", 1280)),
        ("sb-a", stats("sb-a", 20)),
        ("sb-b", stats("sb-b", 10)),
        ("nobody", stats("nobody", 10)),
    ]

    async def publish_all(round_: int, poison: bool) -> list[Msg]:
        for k, (cid, msg) in enumerate(good):
            subject = catalog.CAMERA_STATS_REPORTED.subject(cid, ns)
            await publish(js, subject, msg, msg_id=f"{round_}-{k}")
        if poison:
            await js.publish(catalog.CAMERA_STATS_REPORTED.subject("sb-b", ns), b"\xff\x01")
            nul = stats("sb-c", 10, "h\x00264")
            await publish(js, catalog.CAMERA_STATS_REPORTED.subject("sb-c", ns), nul, msg_id="nul")
        return await psub.fetch(128, timeout=5)

    engine = create_engine(
        migrated_database.url("registry"),
        schema="registry",
        pool_size=2,
        application_name="tncam-test",
    )
    spec = stats_spec(ns)
    stream = catalog.CAMERA_STREAM.scoped(ns).name
    await ensure_consumer(js, stream, spec)
    psub = await js.pull_subscribe_bind(spec.durable, stream=stream)
    outcomes = Counter("o", "o", ["stream", "consumer", "outcome"], registry=CollectorRegistry())
    dlq = catalog.dead_letter_subject(catalog.CAMERA_STREAM, ns)
    settler = Settler(
        js=js,
        stream=stream,
        spec=spec,
        dead_letter_subject=dlq,
        on_outcome=lambda o: outcomes.labels(stream=stream, consumer=spec.durable, outcome=o).inc(),
        ack_timeout=5.0,
        service="registry",
        worker_id="test",
    )
    metrics = RegistryMetrics(CollectorRegistry())
    ctx = RegistryContext(
        sessions=session_factory(engine),
        box=CredentialBox(CREDENTIALS_KEY),
        calendar=WorkingCalendar(),
        outbox=Outbox("", audit_subject="test"),
        relay=None,
        metrics=metrics,
    )

    results_kinds = ("applied", "stale", "unknown_camera")

    def count(outcome: str) -> float:
        return outcomes.labels(stream=stream, consumer=spec.durable, outcome=outcome)._value.get()

    async def rows() -> dict[str, tuple[object, ...]]:
        async with engine.connect() as conn:
            got = await conn.execute(
                sa.text(
                    "SELECT camera_id, measured_codec, measured_width, measured_at,"
                    " mismatch_since FROM camera_connection WHERE camera_id LIKE 'sb-%'"
                )
            )
            return {r[0]: tuple(r[1:]) for r in got}

    try:
        msgs = await publish_all(1, poison=True)
        assert len(msgs) == 6
        await handle_batch(ctx, settler, [delivery_of(m) for m in msgs], ns)
        first = await rows()
        at = t - dt.timedelta(seconds=10)
        assert first == {
            "sb-a": ("h264", 1280, at, at),
            "sb-b": ("hevc", 1920, at, None),
            "sb-c": ("", 0, None, None),
        }
        assert (count("ack"), count("dead_letter"), count("nak")) == (4, 2, 0)
        info = await js.stream_info(catalog.DEADLETTER_STREAM.scoped(ns).name)
        codes = set()
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            record = dead_letter_pb2.DeadLetter.FromString(
                (await js.get_msg(info.config.name, seq)).data
            )
            codes.add(record.error_code)
        assert codes == {"bus.consume.undecodable", "db.text.nul_character"}

        msgs = await publish_all(2, poison=False)  # redelivery of the same stats
        await handle_batch(ctx, settler, [delivery_of(m) for m in msgs], ns)
        assert await rows() == first
        assert (count("ack"), count("dead_letter")) == (8, 2)
        pending = await js.consumer_info(stream, spec.durable)
        assert (pending.num_pending, pending.num_ack_pending) == (0, 0)
        results = metrics.status_events
        got = {r: results.labels(event="stats", result=r)._value.get() for r in results_kinds}
        # Per round: sb-a's newer and sb-b applied, sb-a's older stale, "nobody" unknown.
        assert got == {"applied": 4, "stale": 2, "unknown_camera": 2}
    finally:
        await psub.unsubscribe()
        await engine.dispose()
