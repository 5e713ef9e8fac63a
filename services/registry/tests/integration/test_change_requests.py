"""Changes that would hide a camera wait for a province admin (issue 14 item 2), and the annual
report reads what happened (item 4), against real NATS and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import annual_pb2, camera_state_pb2, changes_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.errors import ConflictError, ForbiddenError, InvalidInputError

from .conftest import ADMIN, Harness, eventually
from .test_connection_state import create, history, now, wait_state

pytestmark = pytest.mark.integration

C = changes_pb2
OPERATOR = actor_pb2.Actor(
    id="u-op-04",
    display_name="Lê Văn Vận Hành",
    role=actor_pb2.ROLE_UNIT_OPERATOR,
    unit_id="commune-04",
)
OTHER_OPERATOR = actor_pb2.Actor(
    id="u-op-05", display_name="Khác", role=actor_pb2.ROLE_UNIT_OPERATOR, unit_id="commune-05"
)
VIEWER = actor_pb2.Actor(
    id="u-view-04", display_name="Xem", role=actor_pb2.ROLE_UNIT_VIEWER, unit_id="commune-04"
)


async def camera(registry: Harness, camera_id: str) -> service_pb2.Camera:
    reply = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id=camera_id),
        service_pb2.GetCameraReply,
    )
    return reply.camera


async def report_cell(registry: Harness, commune: str) -> dict[str, int]:
    reply = await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        service_pb2.GetConnectionReportRequest(actor=ADMIN, format=service_pb2.REPORT_FORMAT_JSON),
        service_pb2.GetConnectionReportReply,
    )
    row = next(r for r in json.loads(reply.document)["rows"] if r["commune_code"] == commune)
    return dict(row["committee_hq"])


async def changes(
    registry: Harness, actor: actor_pb2.Actor, **kw: object
) -> list[C.CameraChangeRequest]:
    reply = await registry.call(
        catalog.REGISTRY_LIST_CHANGE_REQUESTS,
        C.ListCameraChangeRequestsRequest(actor=actor, **kw),  # type: ignore[arg-type]
        C.ListCameraChangeRequestsReply,
    )
    return list(reply.requests)


async def decide(
    registry: Harness, actor: actor_pb2.Actor, rid: str, approve: bool, reason: str = ""
) -> C.CameraChangeRequest:
    reply = await registry.call(
        catalog.REGISTRY_DECIDE_CHANGE_REQUEST,
        C.DecideCameraChangeRequest(actor=actor, id=rid, approve=approve, reason=reason),
        C.DecideCameraChangeReply,
    )
    return reply.request


async def test_unit_deactivation_waits_for_approval_and_the_camera_stays_reported(
    registry: Harness,
) -> None:
    cam = "tn-04-hq"
    await create(registry, cam, "04", "committee_hq")
    t = now()
    await registry.status(cam, True, t - dt.timedelta(hours=2))
    await wait_state(registry, cam, camera_state_pb2.CAMERA_STATE_CONNECTED)
    await registry.status(cam, False, t - dt.timedelta(seconds=3))

    async def ticket_open() -> None:
        tickets = (await history(registry, cam)).tickets
        assert len(tickets) == 1
        assert not tickets[0].HasField("closed_at")

    await eventually(ticket_open)

    reply = await registry.call(
        catalog.REGISTRY_DEACTIVATE_CAMERA,
        service_pb2.DeactivateCameraRequest(actor=OPERATOR, id=cam, reason="Thay thiết bị"),
        service_pb2.DeactivateCameraReply,
    )
    pending = reply.change_request
    assert pending.status == C.CHANGE_STATUS_PENDING
    assert pending.kind == C.CHANGE_KIND_DEACTIVATE
    assert reply.camera.active
    assert reply.camera.pending_change_id == pending.id
    assert reply.camera.pending_change_kind == "deactivate"
    # Still counted with its last state; its ticket stays open.
    assert (await report_cell(registry, "04"))["cameras"] == 1
    assert (await report_cell(registry, "04"))["lost"] == 1
    await ticket_open()
    with pytest.raises(ConflictError, match="change_pending"):
        await registry.call(
            catalog.REGISTRY_DEACTIVATE_CAMERA,
            service_pb2.DeactivateCameraRequest(actor=OPERATOR, id=cam, reason="lần nữa"),
            service_pb2.DeactivateCameraReply,
        )

    # Who sees and who decides.
    assert [r.id for r in await changes(registry, OPERATOR)] == [pending.id]
    assert [r.id for r in await changes(registry, VIEWER)] == [pending.id]
    assert await changes(registry, OTHER_OPERATOR) == []
    assert [r.id for r in await changes(registry, ADMIN, status=C.CHANGE_STATUS_PENDING)] == [
        pending.id
    ]
    for actor in (OPERATOR, VIEWER, OTHER_OPERATOR):
        with pytest.raises(ForbiddenError):
            await decide(registry, actor, pending.id, True)

    approved = await decide(registry, ADMIN, pending.id, True)
    assert approved.status == C.CHANGE_STATUS_APPROVED
    assert approved.decided_by == ADMIN.id
    after = await camera(registry, cam)
    assert not after.active
    assert after.pending_change_id == ""
    assert (await report_cell(registry, "04"))["cameras"] == 0
    tickets = (await history(registry, cam)).tickets
    assert tickets[0].HasField("closed_at")
    assert tickets[0].close_reason == "deactivated"
    with pytest.raises(ConflictError, match="already_decided"):
        await decide(registry, ADMIN, pending.id, False, "muộn")

    audit = [d for _, d in await registry.stream_messages(catalog.AUDIT_STREAM)]
    for action in (b"camera.change.requested", b"camera.change.approved"):
        assert any(action in d for d in audit), action
    assert any(b"camera.config.deactivated" in d for d in audit)


async def test_unit_move_waits_rejection_leaves_it_and_the_annual_report_reads_the_unit(
    registry: Harness,
) -> None:
    cam = "tn-04-hq2"
    await create(registry, cam, "04", "committee_hq")
    await registry.status(cam, True, now() - dt.timedelta(minutes=5))
    await wait_state(registry, cam, camera_state_pb2.CAMERA_STATE_CONNECTED)

    move = service_pb2.UpdateCameraRequest(
        actor=OPERATOR,
        id=cam,
        fields=service_pb2.CameraFields(site_kind="square", name="Quảng trường"),
        update_mask=["site_kind", "name"],
    )
    reply = await registry.call(catalog.REGISTRY_UPDATE_CAMERA, move, service_pb2.UpdateCameraReply)
    pending = reply.change_request
    assert pending.kind == C.CHANGE_KIND_UPDATE
    assert "site_kind: committee_hq → square" in pending.summary
    assert reply.camera.site_kind == "committee_hq"
    assert reply.camera.name == cam
    with pytest.raises(InvalidInputError, match="reason_required"):
        await decide(registry, ADMIN, pending.id, False)
    rejected = await decide(registry, ADMIN, pending.id, False, "Không đúng thực tế")
    assert rejected.status == C.CHANGE_STATUS_REJECTED
    assert rejected.decision_reason == "Không đúng thực tế"
    unchanged = await camera(registry, cam)
    assert (unchanged.site_kind, unchanged.name, unchanged.pending_change_id) == (
        "committee_hq",
        cam,
        "",
    )

    # The import cannot do what the update may only ask for.
    moved = f"code,name,commune_code,site_kind,rtsp_url\n{cam},{cam},04,square,rtsp://10.9.9.9/x\n"
    imported = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=OPERATOR, filename="m.csv", content=moved.encode()),
        service_pb2.ImportCamerasReply,
    )
    assert not imported.accepted
    assert [(e.row, e.code) for e in imported.errors] == [(2, "needs_approval")]

    # A change that hides nothing applies at once; so does a province admin's move.
    rename = service_pb2.UpdateCameraRequest(
        actor=OPERATOR, id=cam, fields=service_pb2.CameraFields(name="Cổng"), update_mask=["name"]
    )
    reply = await registry.call(
        catalog.REGISTRY_UPDATE_CAMERA, rename, service_pb2.UpdateCameraReply
    )
    assert not reply.HasField("change_request")
    assert reply.camera.name == "Cổng"
    move.actor.CopyFrom(ADMIN)
    reply = await registry.call(catalog.REGISTRY_UPDATE_CAMERA, move, service_pb2.UpdateCameraReply)
    assert not reply.HasField("change_request")
    assert reply.camera.site_kind == "square"

    # The annual report: a unit operator gets its own unit's row only.
    year = dt.datetime.now(dt.UTC).year
    annual = await registry.call(
        catalog.REGISTRY_GET_ANNUAL_REPORT,
        annual_pb2.GetAnnualReportRequest(actor=OPERATOR, year=year),
        annual_pb2.GetAnnualReportReply,
    )
    [row] = annual.report.rows
    assert (row.unit_id, row.cameras, row.connected, row.never) == ("commune-04", 1, 1, 0)
    assert row.registry_updates == 2
    assert row.registry_updates_in_time == 2
    assert row.uptime > 0.9
    assert row.needs == "missing"
    assert 0 < row.score <= 100
    assert row.grade
    assert json.loads(annual.document)["rows"][0]["score"] == pytest.approx(row.score)
    with pytest.raises(ForbiddenError):
        await registry.call(
            catalog.REGISTRY_GET_ANNUAL_REPORT,
            annual_pb2.GetAnnualReportRequest(actor=OPERATOR, year=year, unit_id="commune-05"),
            annual_pb2.GetAnnualReportReply,
        )
    province = await registry.call(
        catalog.REGISTRY_GET_ANNUAL_REPORT,
        annual_pb2.GetAnnualReportRequest(actor=ADMIN, year=year),
        annual_pb2.GetAnnualReportReply,
    )
    assert len(province.report.rows) >= 92
    assert sum(r.cameras for r in province.report.rows) == 1
