"""Import, CRUD, KV configuration, listing and secrets, against real NATS and PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging

import nats.js.errors
import pytest

from tncam.audit.v1 import audit_event_pb2
from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_config_pb2, camera_state_pb2, credentials_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError

from .conftest import ADMIN, Harness, eventually

pytestmark = pytest.mark.integration

PASSWORD = "Pa55-w0rd-never-shown"


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


HEADER = ["code", "name", "commune_code", "site_kind", "rtsp_url", "sector", "installed_on"]


async def test_import_rejects_a_file_with_errors_and_writes_nothing(registry: Harness) -> None:
    bad = csv_bytes(
        [
            HEADER,
            ["tn-01-hq", "Cổng UBND", "01", "committee_hq", "rtsp://10.0.0.1/1", "", ""],
            ["tn-99-hq", "Không có xã", "99", "committee_hq", "rtsp://10.0.0.2/1", "", ""],
            ["tn-01-sq", "Quảng trường", "01", "plaza", "rtsp://10.0.0.3/1", "", "32/01/2026"],
        ]
    )
    reply = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=ADMIN, filename="bad.csv", content=bad),
        service_pb2.ImportCamerasReply,
    )
    assert not reply.accepted
    assert {(e.row, e.column, e.code) for e in reply.errors} == {
        (3, "commune_code", "unknown_commune"),
        (4, "site_kind", "invalid"),
        (4, "installed_on", "invalid"),
    }
    listed = await registry.call(
        catalog.REGISTRY_LIST_CAMERAS,
        service_pb2.ListCamerasRequest(actor=ADMIN, include_inactive=True),
        service_pb2.ListCamerasReply,
    )
    assert listed.total_size == 0  # the valid first row was not imported either

    good = csv_bytes(
        [
            HEADER,
            ["tn-01-hq", "Cổng UBND", "01", "committee_hq", "rtsp://10.0.0.1/1", "", "2026-03-02"],
            ["tn-01-sq", "Quảng trường", "1", "square", "rtsp://10.0.0.3/1", "traffic", ""],
        ]
    )
    reply = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=ADMIN, filename="good.csv", content=good),
        service_pb2.ImportCamerasReply,
    )
    assert reply.accepted, reply.errors
    assert (reply.rows, reply.created, reply.updated, reply.unchanged) == (2, 2, 0, 0)
    again = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=ADMIN, filename="good.csv", content=good),
        service_pb2.ImportCamerasReply,
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)  # idempotent

    cam = (
        await registry.call(
            catalog.REGISTRY_GET_CAMERA,
            service_pb2.GetCameraRequest(actor=ADMIN, id="tn-01-sq"),
            service_pb2.GetCameraReply,
        )
    ).camera
    assert cam.commune_code == "01"
    assert cam.site_kind == "square"
    assert cam.state == camera_state_pb2.CAMERA_STATE_NEVER
    assert list(cam.sectors) == ["traffic"]
    assert cam.owner_unit_id == "commune-01"

    audit = [
        audit_event_pb2.AuditEvent.FromString(data)
        for _, data in await registry.stream_messages(catalog.AUDIT_STREAM)
    ]
    actions = [(e.action, list(e.target.cameras.camera_ids)) for e in audit]
    assert ("camera.config.created", ["tn-01-hq"]) in actions
    assert ("camera.import.completed", []) in actions
    created = next(e for e in audit if e.action == "camera.config.created")
    assert created.actor.id == ADMIN.id
    assert '"rtsp_url": "rtsp://10.0.0.1/1"' in created.after_json


async def test_kv_configuration_follows_create_update_deactivate(registry: Harness) -> None:
    fields = service_pb2.CameraFields(
        name="TTPVHCC quầy 1",
        commune_code="02",
        site_kind="service_center",
        rtsp_url="rtsp://10.2.0.1:554/main",
        rtsp_sub_url="rtsp://10.2.0.1:554/sub",
        declared_codec="hevc",
        retention_days=45,
    )
    created = await registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(actor=ADMIN, id="tn-02-sc-1", fields=fields),
        service_pb2.CreateCameraReply,
    )
    assert created.camera.revision == 1
    kv = await registry.bus.js.key_value(catalog.CAMERA_CONFIG_KV.scoped(registry.namespace).bucket)
    config = camera_config_pb2.CameraIngestConfig.FromString((await kv.get("tn-02-sc-1")).value)
    assert (config.revision, config.rtsp_url, config.retention_days) == (1, fields.rtsp_url, 45)
    assert config.commune_code == "02"
    assert config.expected_codec == "hevc"
    assert config.rtsp_sub_url == fields.rtsp_sub_url  # live view's sub-stream (ADR 0020)
    assert config.credentials_ref == ""  # no credentials given

    with pytest.raises(ConflictError):
        await registry.call(
            catalog.REGISTRY_CREATE_CAMERA,
            service_pb2.CreateCameraRequest(actor=ADMIN, id="tn-02-sc-1", fields=fields),
            service_pb2.CreateCameraReply,
        )
    with pytest.raises(InvalidInputError) as bad:
        await registry.call(
            catalog.REGISTRY_CREATE_CAMERA,
            service_pb2.CreateCameraRequest(
                actor=ADMIN, id="x", fields=service_pb2.CameraFields(name="x", commune_code="01")
            ),
            service_pb2.CreateCameraReply,
        )
    assert bad.value.code == "registry.create_camera.invalid"

    updated = await registry.call(
        catalog.REGISTRY_UPDATE_CAMERA,
        service_pb2.UpdateCameraRequest(
            actor=ADMIN,
            id="tn-02-sc-1",
            fields=service_pb2.CameraFields(rtsp_url="rtsp://10.2.0.9:554/main"),
            update_mask=["rtsp_url"],
            expected_revision=1,
        ),
        service_pb2.UpdateCameraReply,
    )
    assert updated.camera.revision == 2
    assert updated.camera.name == "TTPVHCC quầy 1"
    config = camera_config_pb2.CameraIngestConfig.FromString((await kv.get("tn-02-sc-1")).value)
    assert (config.revision, config.rtsp_url) == (2, "rtsp://10.2.0.9:554/main")
    with pytest.raises(ConflictError) as stale:
        await registry.call(
            catalog.REGISTRY_UPDATE_CAMERA,
            service_pb2.UpdateCameraRequest(
                actor=ADMIN,
                id="tn-02-sc-1",
                update_mask=["name"],
                expected_revision=1,
                fields=service_pb2.CameraFields(name="x"),
            ),
            service_pb2.UpdateCameraReply,
        )
    assert stale.value.code == "registry.update_camera.stale_revision"

    gone = await registry.call(
        catalog.REGISTRY_DEACTIVATE_CAMERA,
        service_pb2.DeactivateCameraRequest(actor=ADMIN, id="tn-02-sc-1", reason="hỏng"),
        service_pb2.DeactivateCameraReply,
    )
    assert not gone.camera.active
    with pytest.raises((nats.js.errors.KeyDeletedError, nats.js.errors.KeyNotFoundError)):
        await kv.get("tn-02-sc-1")

    changes = [
        camera_config_pb2.CameraConfigChanged.FromString(data)
        for subject, data in await registry.stream_messages(catalog.REGISTRY_STREAM)
        if ".camera_config_changed." in subject
    ]
    assert [(c.revision, c.change) for c in changes] == [
        (1, camera_config_pb2.CONFIG_CHANGE_UPSERTED),
        (2, camera_config_pb2.CONFIG_CHANGE_UPSERTED),
        (3, camera_config_pb2.CONFIG_CHANGE_REMOVED),
    ]


async def test_secrets_never_leave_except_through_resolve_credentials(
    registry: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fields = service_pb2.CameraFields(
        name="Cổng chính",
        commune_code="03",
        site_kind="committee_hq",
        rtsp_url=f"rtsp://admin:{PASSWORD}@10.3.0.1:554/Streaming/101",
        onvif_url="http://10.3.0.1/onvif/device_service",
    )
    created = await registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(actor=ADMIN, id="tn-03-hq", fields=fields),
        service_pb2.CreateCameraReply,
    )
    assert created.camera.has_credentials
    assert created.camera.rtsp_url == "rtsp://10.3.0.1:554/Streaming/101"
    new_password = PASSWORD + "-2"
    await registry.call(
        catalog.REGISTRY_UPDATE_CAMERA,
        service_pb2.UpdateCameraRequest(
            actor=ADMIN,
            id="tn-03-hq",
            set_credentials=True,
            credentials=service_pb2.CameraCredentials(username="op", password=new_password),
        ),
        service_pb2.UpdateCameraReply,
    )
    got = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id="tn-03-hq"),
        service_pb2.GetCameraReply,
    )
    listed = await registry.call(
        catalog.REGISTRY_LIST_CAMERAS,
        service_pb2.ListCamerasRequest(actor=ADMIN),
        service_pb2.ListCamerasReply,
    )
    kv = await registry.bus.js.key_value(catalog.CAMERA_CONFIG_KV.scoped(registry.namespace).bucket)
    config = camera_config_pb2.CameraIngestConfig.FromString((await kv.get("tn-03-hq")).value)
    assert config.credentials_ref == "registry:credentials/tn-03-hq"

    resolved = await registry.call(
        catalog.REGISTRY_RESOLVE_CREDENTIALS,
        credentials_pb2.ResolveCredentialsRequest(
            credentials_ref=config.credentials_ref, worker_id="ingest-0"
        ),
        credentials_pb2.ResolveCredentialsReply,
    )
    assert (resolved.username, resolved.password, resolved.revision) == ("op", new_password, 2)
    with pytest.raises(NotFoundError):
        await registry.call(
            catalog.REGISTRY_RESOLVE_CREDENTIALS,
            credentials_pb2.ResolveCredentialsRequest(credentials_ref="registry:credentials/nope"),
            credentials_pb2.ResolveCredentialsReply,
        )

    published = [data for _, data in await registry.stream_messages(catalog.REGISTRY_STREAM)]
    published += [data for _, data in await registry.stream_messages(catalog.AUDIT_STREAM)]
    assert any(b"camera.credentials.resolved" in d for d in published)
    blobs = [
        got.SerializeToString(),
        listed.SerializeToString(),
        created.SerializeToString(),
        (await kv.get("tn-03-hq")).value or b"",
        *published,
    ]
    for secret in (PASSWORD, new_password):
        for blob in blobs:
            assert secret.encode() not in blob
        assert secret not in caplog.text
    assert "registry:credentials/tn-03-hq" in config.credentials_ref


async def test_listing_filters_pages_and_scopes(registry: Harness) -> None:
    rows = [[*HEADER[:5], "owner_unit", "sector"]]
    for commune in ("01", "02", "03"):
        for kind in ("service_center", "committee_hq", "square"):
            for i in range(3):
                owner = "ttdh-giao-thong" if kind == "square" else ""
                sector = "traffic" if kind == "square" else ""
                rows.append(
                    [
                        f"c{commune}-{kind}-{i}",
                        f"Camera {i}",
                        commune,
                        kind,
                        f"rtsp://10.{commune}.0.{i}/1",
                        owner,
                        sector,
                    ]
                )
    reply = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=ADMIN, filename="f.csv", content=csv_bytes(rows)),
        service_pb2.ImportCamerasReply,
    )
    assert reply.accepted, reply.errors

    async def ids(req: service_pb2.ListCamerasRequest) -> list[str]:
        out: list[str] = []
        while True:
            page = await registry.call(
                catalog.REGISTRY_LIST_CAMERAS, req, service_pb2.ListCamerasReply
            )
            out += [c.id for c in page.cameras]
            if not page.next_page_token:
                return out
            req.page_token = page.next_page_token

    everything = await ids(service_pb2.ListCamerasRequest(actor=ADMIN, page_size=4))
    assert len(everything) == 27
    assert everything == sorted(everything)
    two = await ids(
        service_pb2.ListCamerasRequest(
            actor=ADMIN, commune_codes=["02"], site_kinds=["committee_hq"], page_size=2
        )
    )
    assert two == ["c02-committee_hq-0", "c02-committee_hq-1", "c02-committee_hq-2"]
    assert len(await ids(service_pb2.ListCamerasRequest(actor=ADMIN, sector="traffic"))) == 9
    assert (
        len(
            await ids(
                service_pb2.ListCamerasRequest(
                    actor=ADMIN, states=[camera_state_pb2.CAMERA_STATE_CONNECTED]
                )
            )
        )
        == 0
    )

    commune_viewer = actor_pb2.Actor(
        id="u-01", role=actor_pb2.ROLE_UNIT_VIEWER, unit_id="commune-01"
    )
    mine = await ids(service_pb2.ListCamerasRequest(actor=commune_viewer))
    assert len(mine) == 6  # its service-center and HQ cameras, not the traffic center's square
    assert all(i.startswith("c01-") for i in mine)
    sector_operator = actor_pb2.Actor(
        id="u-gt", role=actor_pb2.ROLE_SECTOR_OPERATOR, unit_id="ttdh-giao-thong"
    )
    assert len(await ids(service_pb2.ListCamerasRequest(actor=sector_operator))) == 9
    with pytest.raises(NotFoundError):
        await registry.call(
            catalog.REGISTRY_GET_CAMERA,
            service_pb2.GetCameraRequest(actor=commune_viewer, id="c02-square-0"),
            service_pb2.GetCameraReply,
        )
    with pytest.raises(ForbiddenError):
        await registry.call(
            catalog.REGISTRY_DEACTIVATE_CAMERA,
            service_pb2.DeactivateCameraRequest(actor=commune_viewer, id="c01-square-0"),
            service_pb2.DeactivateCameraReply,
        )
    with pytest.raises(ForbiddenError):
        await registry.call(
            catalog.REGISTRY_LIST_CAMERAS,
            service_pb2.ListCamerasRequest(actor=actor_pb2.Actor()),
            service_pb2.ListCamerasReply,
        )


async def test_import_xlsx_and_dry_run(registry: Harness) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append(["x-05-sq", "Quảng trường xã", 5, "square", "rtsp://10.5.0.1/1", "", None])
    buf = io.BytesIO()
    wb.save(buf)
    dry = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(
            actor=ADMIN, filename="cams.xlsx", content=buf.getvalue(), dry_run=True
        ),
        service_pb2.ImportCamerasReply,
    )
    assert dry.accepted
    assert dry.created == 1
    with pytest.raises(NotFoundError):
        await registry.call(
            catalog.REGISTRY_GET_CAMERA,
            service_pb2.GetCameraRequest(actor=ADMIN, id="x-05-sq"),
            service_pb2.GetCameraReply,
        )
    real = await registry.call(
        catalog.REGISTRY_IMPORT_CAMERAS,
        service_pb2.ImportCamerasRequest(actor=ADMIN, filename="cams.xlsx", content=buf.getvalue()),
        service_pb2.ImportCamerasReply,
    )
    assert real.created == 1

    async def kv_has_it() -> None:
        kv = await registry.bus.js.key_value(
            catalog.CAMERA_CONFIG_KV.scoped(registry.namespace).bucket
        )
        assert (await kv.get("x-05-sq")).value

    await eventually(kv_has_it)
    logging.getLogger(__name__).debug("xlsx import done")


async def test_list_units_gives_the_reference_units_and_sectors(registry: Harness) -> None:
    reply = await registry.call(
        catalog.REGISTRY_LIST_UNITS,
        service_pb2.ListUnitsRequest(actor=ADMIN),
        service_pb2.ListUnitsReply,
    )
    units = {u.id: u for u in reply.units}
    assert units["commune-01"].kind == "commune"
    assert units["commune-01"].commune_code == "01"
    assert units["commune-01"].name.startswith("UBND ")
    assert units["ttdh-giao-thong"].sector_code == "traffic"
    assert units["skhcn"].name == "Sở Khoa học và Công nghệ"
    assert len([u for u in reply.units if u.kind == "commune"]) == 92
    sectors = {s.code: s.name for s in reply.sectors}
    assert sectors["traffic"] == "Giao thông"
    assert "no-such-unit" not in units
    with pytest.raises(ForbiddenError):
        await registry.call(
            catalog.REGISTRY_LIST_UNITS, service_pb2.ListUnitsRequest(), service_pb2.ListUnitsReply
        )
