"""The connection report against the real registry (NATS + PostgreSQL): a lost public-place
camera, the service center's and a sector center's sections, scoping, written notes (audited)
and the report as of past instants recomputed from a hand-built state history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import service_pb2
from tncam_contracts import catalog
from tncam_contracts.units import commune_unit_id
from tncam_mesh.db import create_engine
from tncam_mesh.errors import ForbiddenError
from tncam_testkit.database import MigratedDatabase

from .conftest import ADMIN, Harness
from .test_connection_state import S, create, now, wait_state

pytestmark = pytest.mark.integration

OPERATOR_01 = actor_pb2.Actor(
    id="u-op-01", role=actor_pb2.ROLE_UNIT_OPERATOR, unit_id=commune_unit_id("01")
)
HEALTH_OPERATOR = actor_pb2.Actor(
    id="u-op-yte", role=actor_pb2.ROLE_SECTOR_OPERATOR, unit_id="ttdh-y-te"
)


async def report(
    registry: Harness, actor: actor_pb2.Actor, as_of: dt.datetime | None = None
) -> service_pb2.ConnectionReport:
    req = service_pb2.GetConnectionReportRequest(actor=actor, format=service_pb2.REPORT_FORMAT_JSON)
    if as_of is not None:
        req.as_of.FromDatetime(as_of)
    reply = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT, req, service_pb2.GetConnectionReportReply
    )
    data = json.loads(reply.document)
    assert [r["commune_code"] for r in data["rows"]] == [r.commune_code for r in reply.report.rows]
    return reply.report


async def test_public_place_sections_scopes_and_notes(registry: Harness) -> None:
    await create(registry, "p01-sc", "01", "service_center")
    await create(registry, "p01-sq", "01", "square")
    await create(registry, "p01-pp", "01", "public_place")
    await create(registry, "t-center", "02", "service_center", owner_unit_id="ttpvhcc-tinh")
    await registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(
            actor=ADMIN,
            id="y-health",
            fields=service_pb2.CameraFields(
                name="y-health",
                commune_code="03",
                site_kind="sector_site",
                owner_unit_id="ttdh-y-te",
                sectors=["health"],
                rtsp_url="rtsp://10.9.9.9/y-health",
            ),
        ),
        service_pb2.CreateCameraReply,
    )
    t = now() - dt.timedelta(hours=1)
    for cam in ("p01-sc", "p01-sq", "p01-pp", "t-center", "y-health"):
        await registry.status(cam, True, t)
    await registry.status("p01-pp", False, t + dt.timedelta(minutes=30))
    await wait_state(registry, "p01-pp", S.CAMERA_STATE_LOST)
    await wait_state(registry, "y-health", S.CAMERA_STATE_CONNECTED)
    await wait_state(registry, "t-center", S.CAMERA_STATE_CONNECTED)

    whole = await report(registry, ADMIN)
    ward = next(r for r in whole.rows if r.commune_code == "01")
    assert (ward.service_center.text, ward.square.text) == ("Có", "Mất kết nối")
    assert {(p.site_kind, p.lost) for p in ward.square.parts} == {
        ("square", 0),
        ("public_place", 1),
    }
    assert ward.commune_name in whole.not_completed
    assert ward.commune_name not in whole.completed
    assert "p01-pp (khu vực công cộng)" in ward.note
    # The provincial center's camera is in its section, not in commune 02's row.
    assert next(r for r in whole.rows if r.commune_code == "02").service_center.cameras == 0
    [center] = whole.service_centers
    assert (center.unit_id, center.cameras.cameras, center.cameras.text) == (
        "ttpvhcc-tinh",
        1,
        "Có",
    )
    assert [d.unit_id for d in whole.departments] == ["ttdh-y-te"]
    assert "Trung tâm điều hành y tế" in whole.completed

    # A ward's operator sees its own row only; the health sector its center's cameras.
    own = await report(registry, OPERATOR_01)
    assert [r.commune_code for r in own.rows] == ["01"]
    assert (list(own.service_centers), list(own.departments)) == ([], [])
    assert own.scope.startswith("UBND")
    sector = await report(registry, HEALTH_OPERATOR)
    assert list(sector.rows) == []
    assert [d.unit_id for d in sector.departments] == ["ttdh-y-te"]
    assert sector.scope == "ngành Y tế"

    # Notes: province admins write them over the generated note; who, when; audited.
    with pytest.raises(ForbiddenError):
        await registry.call(
            catalog.REGISTRY_SET_REPORT_NOTE,
            service_pb2.SetReportNoteRequest(actor=OPERATOR_01, commune_code="01", text="x"),
            service_pb2.SetReportNoteReply,
        )
    written = await registry.call(
        catalog.REGISTRY_SET_REPORT_NOTE,
        service_pb2.SetReportNoteRequest(
            actor=ADMIN, commune_code="01", text="Đã báo nhà mạng sửa cáp quảng trường"
        ),
        service_pb2.SetReportNoteReply,
    )
    assert written.updated_by == ADMIN.id
    ward = next(r for r in (await report(registry, OPERATOR_01)).rows)
    assert (ward.note, ward.note_by) == ("Đã báo nhà mạng sửa cáp quảng trường", ADMIN.id)
    assert "p01-pp" in ward.generated_note
    await registry.call(
        catalog.REGISTRY_SET_REPORT_NOTE,
        service_pb2.SetReportNoteRequest(actor=ADMIN, commune_code="01", text=""),
        service_pb2.SetReportNoteReply,
    )
    ward = next(r for r in (await report(registry, OPERATOR_01)).rows)
    assert (ward.note, ward.note_by) == (ward.generated_note, "")
    audit = [d for _, d in await registry.stream_messages(catalog.AUDIT_STREAM)]
    assert any(b"report.note.updated" in d and "Đã báo nhà mạng".encode() in d for d in audit)
    assert any(b"report.note.removed" in d for d in audit)


async def test_as_of_recomputes_from_a_hand_built_history(
    registry: Harness, migrated_database: MigratedDatabase
) -> None:
    for cam, kind in (("h-hq", "committee_hq"), ("h-pp", "public_place"), ("h-sq", "square")):
        await create(registry, cam, "04", kind)
    await registry.call(
        catalog.REGISTRY_DEACTIVATE_CAMERA,
        service_pb2.DeactivateCameraRequest(actor=ADMIN, id="h-sq", reason="Thay thiết bị"),
        service_pb2.DeactivateCameraReply,
    )
    t0 = now().replace(microsecond=0)
    m = dt.timedelta(minutes=1)
    history = [
        ("h-hq", t0 - 120 * m, "never", "connected"),
        ("h-hq", t0 - 60 * m, "connected", "lost"),
        ("h-pp", t0 - 150 * m, "never", "connected"),
        ("h-pp", t0 - 100 * m, "connected", "unstable"),
    ]
    engine = create_engine(
        migrated_database.url("registry"), schema="registry", pool_size=1, application_name="t"
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE cameras SET created_at = :at WHERE id LIKE 'h-%'"),
                {"at": t0 - 180 * m},
            )
            await conn.execute(
                sa.text("UPDATE cameras SET deactivated_at = :at WHERE id = 'h-sq'"),
                {"at": t0 - 30 * m},
            )
            for cam, at, before, after in history:
                await conn.execute(
                    sa.text(
                        "INSERT INTO state_transitions"
                        " (camera_id, at, previous_state, state, reason, detail)"
                        " VALUES (:c, :at, :b, :a, 'test', '')"
                    ),
                    {"c": cam, "at": at, "b": before, "a": after},
                )
    finally:
        await engine.dispose()

    async def row_04(as_of: dt.datetime) -> service_pb2.ReportRow:
        past = await report(registry, ADMIN, as_of)
        assert past.as_of.ToDatetime(dt.UTC) == as_of
        return next(r for r in past.rows if r.commune_code == "04")

    before_any = await row_04(t0 - 170 * m)
    assert (before_any.committee_hq.text, before_any.square.text) == (
        "Chưa kết nối",
        "Chưa kết nối",
    )
    assert before_any.square.cameras == 2  # h-sq was still in service
    middle = await row_04(t0 - 90 * m)
    assert (middle.committee_hq.text, middle.square.text) == ("Có", "Mất kết nối")
    assert (middle.square.unstable, middle.square.never) == (1, 1)
    late = await row_04(t0 - 10 * m)
    assert (late.committee_hq.text, late.committee_hq.lost) == ("Mất kết nối", 1)
    assert (late.square.text, late.square.cameras, late.square.unstable) == ("Có", 1, 1)
    before_created = await row_04(t0 - 200 * m)
    assert before_created.committee_hq.cameras == before_created.square.cameras == 0
    with pytest.raises(Exception, match="as_of"):
        await report(registry, ADMIN, now() + dt.timedelta(hours=1))
