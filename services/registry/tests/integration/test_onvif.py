"""ONVIF probe, security checks, onboarding, PTZ and discovery against a real ONVIF device.

The device is PyPI ``ipycam`` (its ONVIF device/media/PTZ services, WS-Security UsernameToken
check and WS-Discovery responder; see tncam_testkit.onvif_camera), its stream URIs pointing
at the GStreamer camera simulator (cam1 needs RTSP credentials, cam2 does not). Hostile HTTP
servers in the test process stand for a broken or malicious device.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats.js.errors
import pytest
from aiohttp import web

from tncam.audit.v1 import audit_event_pb2
from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_config_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.errors import ForbiddenError, InvalidInputError, TncamError, UnavailableError
from tncam_registry.cli import cmd_probe
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.onvif_camera import OnvifCamera
from tncam_testkit.procs import free_port

from .conftest import ADMIN, Harness, clean_registry, eventually, registry_settings, running

pytestmark = pytest.mark.integration

# The device account, drawn per run (never a vendor default, never a literal in the code).
USER, PASSWORD = "operator", "P" + secrets.token_urlsafe(12)
RTSP_CREDS = ("rtspuser", "Rtsp-Pw-7")
UNIT_OP = actor_pb2.Actor(
    id="u-op01", display_name="Cán bộ xã", role=actor_pb2.ROLE_UNIT_OPERATOR, unit_id="commune-01"
)
OTHER_UNIT = actor_pb2.Actor(
    id="u-op02",
    display_name="Cán bộ xã khác",
    role=actor_pb2.ROLE_UNIT_OPERATOR,
    unit_id="commune-02",
)
DISCOVERY_PORT = free_port()
RATE_S = 0.3  # the per-camera PTZ rate limit here


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, camera_fleet: CameraSimulator
) -> Iterator[CameraSimulator]:
    """cam1 needs RTSP credentials, cam2 is open (the session fleet's clips: none encoded)."""
    with CameraSimulator(
        tmp_path_factory.mktemp("onvif-rtsp"),
        clips=camera_fleet.clips,
        cameras=2,
        h264_cameras=(),
        protected_cameras=(1,),
        credentials=RTSP_CREDS,
    ) as sim:
        yield sim


@pytest.fixture(scope="module")
def secured(
    tmp_path_factory: pytest.TempPathFactory, fleet: CameraSimulator
) -> Iterator[OnvifCamera]:
    """The normal configuration: WS-Security on, RTSP protected, a PTZ preset, discoverable."""
    with OnvifCamera(
        tmp_path_factory.mktemp("onvif-secured"),
        credentials=(USER, PASSWORD),
        rtsp_port=fleet.port,
        main="cam1",
        sub="cam1",
        discovery_port=DISCOVERY_PORT,
        presets=[("gate", "Cổng chính", (0.5, -0.25, 0.0))],
    ) as cam:
        yield cam


@pytest.fixture(scope="module")
def open_device(
    tmp_path_factory: pytest.TempPathFactory, fleet: CameraSimulator
) -> Iterator[OnvifCamera]:
    """A deliberately open configuration: no ONVIF credentials, an open RTSP stream."""
    with OnvifCamera(
        tmp_path_factory.mktemp("onvif-open"), rtsp_port=fleet.port, main="cam2", sub="cam2"
    ) as cam:
        yield cam


@pytest.fixture(scope="module")
def factory_default(
    tmp_path_factory: pytest.TempPathFactory, fleet: CameraSimulator
) -> Iterator[OnvifCamera]:
    """Still on the vendor's default account (admin/admin)."""
    with OnvifCamera(
        tmp_path_factory.mktemp("onvif-default"),
        credentials=("admin", "admin"),
        rtsp_port=fleet.port,
        main="cam1",
        sub="cam1",
    ) as cam:
        yield cam


async def _hostile(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    await request.read()
    if kind == "html":
        return web.Response(text="<html><body>Router login</body></html>", content_type="text/html")
    if kind == "fault":
        body = (
            '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
            "<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>"
            '<s:Reason><s:Text xml:lang="en">Internal device error</s:Text></s:Reason>'
            "</s:Fault></s:Body></s:Envelope>"
        )
        return web.Response(status=500, text=body, content_type="application/soap+xml")
    if kind == "garbage":
        return web.Response(text="<s:Envelope><<<not xml &&&", content_type="application/soap+xml")
    if kind == "huge":  # 10 MB, streamed without a Content-Length
        response = web.StreamResponse(headers={"Content-Type": "application/soap+xml"})
        await response.prepare(request)
        chunk = b"<a>" + b"x" * (1024 * 1024 - 3)
        with contextlib.suppress(ConnectionError):
            for _ in range(10):
                await response.write(chunk)
        return response
    await asyncio.sleep(3600)  # "hang": accepts and never answers
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
async def hostile_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/{kind}/onvif/device_service", _hostile)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="module")
async def reg(
    nats_server: NatsServer, migrated_database: MigratedDatabase
) -> AsyncIterator[Harness]:
    await clean_registry(migrated_database)
    namespace = "onvif_" + str(free_port())
    settings = registry_settings(
        nats_server,
        migrated_database,
        namespace,
        onvif_timeout_s=1.5,
        onvif_reprobe_interval_s=0,
        discovery_enabled=True,
        discovery_port=DISCOVERY_PORT,
        ptz_min_interval_s=RATE_S,
    )
    bus = await connect(nats_server.url, name="registry-onvif-test", timeout=5.0)
    try:
        async with running(settings) as url:
            yield Harness(settings, bus, namespace, url)
    finally:
        await bus.close(timeout=5.0)


async def _create(
    reg: Harness, camera_id: str, onvif_url: str, creds: tuple[str, str] | None, rtsp_url: str
) -> service_pb2.Camera:
    req = service_pb2.CreateCameraRequest(
        actor=ADMIN,
        id=camera_id,
        fields=service_pb2.CameraFields(
            name=f"Camera {camera_id}",
            commune_code="01",
            site_kind="committee_hq",
            rtsp_url=rtsp_url,
            onvif_url=onvif_url,
            declared_codec="hevc",
        ),
    )
    if creds is not None:
        req.credentials.username, req.credentials.password = creds
    reply = await reg.call(catalog.REGISTRY_CREATE_CAMERA, req, service_pb2.CreateCameraReply)
    return reply.camera


async def _probe(
    reg: Harness, camera_id: str, actor: actor_pb2.Actor = ADMIN
) -> service_pb2.Camera:
    reply = await reg.call(
        catalog.REGISTRY_PROBE_CAMERA,
        service_pb2.ProbeCameraRequest(actor=actor, id=camera_id),
        service_pb2.ProbeCameraReply,
    )
    return reply.camera


async def _audit(reg: Harness) -> list[audit_event_pb2.AuditEvent]:
    return [
        audit_event_pb2.AuditEvent.FromString(data)
        for _, data in await reg.stream_messages(catalog.AUDIT_STREAM)
    ]


async def test_probe_fills_the_registry_flags_h264_and_passes_security(
    reg: Harness, secured: OnvifCamera, fleet: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cam = await _create(reg, "onvif-sec", secured.url, (USER, PASSWORD), fleet.url(1))
    assert cam.rtsp_sub_url == ""
    assert "codec_not_h265" not in cam.compliance_issues
    assert cam.assessment.status == "not_assessed"

    cam = await _probe(reg, "onvif-sec", UNIT_OP)  # the owning unit's operator may probe
    p = cam.onvif
    assert (p.vendor, p.model, p.firmware) == ("PythonCam", "VirtualCam-1", "1.3.0")
    assert p.onvif_version == "2.5"
    assert p.ptz_supported
    assert p.probed_at.seconds > 0
    assert p.clock_known
    assert abs(p.clock_drift_s) < 5
    assert [(x.token, x.encoder.codec, x.encoder.width) for x in p.profiles] == [
        ("Profile_Main", "h264", 1280),
        ("Profile_Sub", "h264", 640),
    ]
    assert p.profiles[0].stream_uri == fleet.url(1)
    # measured values override the declared ones (kept side by side)
    assert cam.declared_codec == "hevc"
    assert p.measured_codec == "h264"
    assert "codec_not_h265" in cam.compliance_issues
    assert "codec_not_h265" in p.compliance_issues
    assert cam.rtsp_sub_url == fleet.url(1)  # filled in: it was empty
    # the normal configuration passes: ONVIF and RTSP refuse anonymous, defaults refused
    assert {f.code: f.severity for f in p.findings} == {"plain_http": "warn"}
    assert cam.assessment.status == "passed"
    assert not cam.assessment.reasons
    probed = [e for e in await _audit(reg) if e.action == "camera.onvif.probed"]
    assert probed
    assert probed[-1].actor.id == UNIT_OP.id
    assert PASSWORD not in str(await _audit(reg))  # never a credential in the audit log
    assert "PasswordDigest" not in caplog.text  # nor a WS-Security token in the logs
    assert PASSWORD not in caplog.text

    with pytest.raises(ForbiddenError):  # another unit may not probe this camera
        await _probe(reg, "onvif-sec", OTHER_UNIT)


async def test_open_device_onboarded_and_flagged(
    reg: Harness, open_device: OnvifCamera, fleet: CameraSimulator
) -> None:
    reply = await reg.call(
        catalog.REGISTRY_ONBOARD_CAMERA,
        service_pb2.OnboardCameraRequest(
            actor=UNIT_OP,
            id="onvif-open",
            fields=service_pb2.CameraFields(
                name="Camera mở", commune_code="01", site_kind="square", onvif_url=open_device.url
            ),
        ),
        service_pb2.OnboardCameraReply,
    )
    cam = reply.camera
    # the probe filled what the request left out
    assert (cam.rtsp_url, cam.rtsp_sub_url) == (fleet.url(2), fleet.url(2))
    assert (cam.vendor, cam.model, cam.firmware, cam.onvif_version) == (
        "PythonCam",
        "VirtualCam-1",
        "1.3.0",
        "2.5",
    )
    assert (cam.declared_codec, cam.resolution) == ("h264", "1280x720")
    fails = {f.code for f in cam.onvif.findings if f.severity == "fail"}
    assert fails == {"onvif_no_auth", "rtsp_no_auth"}
    assert cam.assessment.status == "failed"
    assert any(r.startswith("onvif_no_auth") for r in cam.assessment.reasons)

    accepted = await reg.call(
        catalog.REGISTRY_ACCEPT_SECURITY_ASSESSMENT,
        service_pb2.AcceptSecurityAssessmentRequest(
            actor=ADMIN, id="onvif-open", document_number="123/CAT-PA05", document_date="2026-12-01"
        ),
        service_pb2.AcceptSecurityAssessmentReply,
    )
    assert accepted.camera.assessment.status == "accepted"
    assert accepted.camera.assessment.document_number == "123/CAT-PA05"
    with pytest.raises(ForbiddenError):
        await reg.call(
            catalog.REGISTRY_ACCEPT_SECURITY_ASSESSMENT,
            service_pb2.AcceptSecurityAssessmentRequest(
                actor=UNIT_OP, id="onvif-open", document_number="1", document_date="2026-12-01"
            ),
            service_pb2.AcceptSecurityAssessmentReply,
        )


async def test_vendor_default_account_is_flagged(
    reg: Harness, factory_default: OnvifCamera, fleet: CameraSimulator
) -> None:
    await _create(reg, "onvif-default", factory_default.url, ("admin", "admin"), fleet.url(1))
    cam = await _probe(reg, "onvif-default")
    fails = {f.code for f in cam.onvif.findings if f.severity == "fail"}
    assert fails == {"default_credentials"}
    assert cam.assessment.status == "failed"


async def test_wrong_credentials_give_a_clear_error_and_write_nothing(
    reg: Harness, secured: OnvifCamera, fleet: CameraSimulator
) -> None:
    await _create(reg, "onvif-wrong", secured.url, (USER, "not-the-password"), fleet.url(1))
    with pytest.raises(InvalidInputError) as e:
        await _probe(reg, "onvif-wrong")
    assert e.value.code == "registry.probe_camera.auth_failed"
    cam = await _get(reg, "onvif-wrong")
    assert not cam.HasField("onvif")
    assert cam.assessment.status == "not_assessed"


async def _get(reg: Harness, camera_id: str) -> service_pb2.Camera:
    reply = await reg.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id=camera_id),
        service_pb2.GetCameraReply,
    )
    return reply.camera


@pytest.mark.parametrize(
    ("path", "error", "code"),
    [
        ("unreachable", UnavailableError, "unreachable"),
        ("html", InvalidInputError, "not_onvif"),
        ("fault", InvalidInputError, "soap_fault"),
        ("garbage", InvalidInputError, "invalid_response"),
        ("huge", InvalidInputError, "response_too_large"),
        ("hang", UnavailableError, "timeout"),
    ],
)
async def test_bad_devices_give_clear_errors_without_hanging(
    reg: Harness, hostile_url: str, path: str, error: type[TncamError], code: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}" if path == "unreachable" else f"{hostile_url}/{path}"
    camera_id = f"onvif-bad-{path}"
    await _create(
        reg, camera_id, f"{url}/onvif/device_service", (USER, PASSWORD), "rtsp://127.0.0.1/x"
    )
    started = time.monotonic()
    with pytest.raises(error) as e:
        await _probe(reg, camera_id)
    assert e.value.code == f"registry.probe_camera.{code}"
    assert time.monotonic() - started < 8  # bounded by ONVIF_TIMEOUT_S (1.5 s here)
    cam = await _get(reg, camera_id)
    assert not cam.HasField("onvif")
    assert cam.rtsp_sub_url == ""


async def _ptz(
    reg: Harness, camera_id: str, actor: actor_pb2.Actor, action: int, **kw: object
) -> service_pb2.PtzCameraReply:
    return await reg.call(
        catalog.REGISTRY_PTZ_CAMERA,
        service_pb2.PtzCameraRequest(actor=actor, id=camera_id, action=action, **kw),  # type: ignore[arg-type]
        service_pb2.PtzCameraReply,
    )


async def test_ptz_moves_are_accepted_audited_locked_and_refused_for_another_unit(
    reg: Harness, secured: OnvifCamera, fleet: CameraSimulator
) -> None:
    await _create(reg, "onvif-ptz", secured.url, (USER, PASSWORD), fleet.url(1))
    await _ptz(reg, "onvif-ptz", UNIT_OP, service_pb2.PTZ_ACTION_GOTO_PRESET, preset_token="gate")
    await eventually(_at(secured, 0.5, -0.25))
    await asyncio.sleep(RATE_S)
    await _ptz(
        reg, "onvif-ptz", UNIT_OP, service_pb2.PTZ_ACTION_CONTINUOUS_MOVE, pan=-0.8, timeout_s=2
    )

    async def moving_left() -> None:
        status = secured.ptz_status()
        assert status["moving"]
        assert status["pan"] < 0.5

    await eventually(moving_left)
    await asyncio.sleep(RATE_S)  # the per-camera rate limit
    await _ptz(reg, "onvif-ptz", UNIT_OP, service_pb2.PTZ_ACTION_STOP)

    async def stopped() -> None:
        assert not secured.ptz_status()["moving"]

    await eventually(stopped)
    actions = [e.action for e in await _audit(reg) if "onvif-ptz" in e.target.cameras.camera_ids]
    assert {"camera.ptz.goto_preset", "camera.ptz.continuous_move", "camera.ptz.stop"} <= set(
        actions
    )

    with pytest.raises(ForbiddenError) as e:  # another unit, no grant
        await _ptz(reg, "onvif-ptz", OTHER_UNIT, service_pb2.PTZ_ACTION_STOP)
    assert e.value.code == "registry.move_camera.forbidden"
    await asyncio.sleep(RATE_S)
    await _ptz(reg, "onvif-ptz", ADMIN, service_pb2.PTZ_ACTION_STOP, as_center=True)
    locked = await reg.call(
        catalog.REGISTRY_SET_PTZ_LOCK,
        service_pb2.SetPtzLockRequest(actor=UNIT_OP, id="onvif-ptz", locked=True),
        service_pb2.SetPtzLockReply,
    )
    assert locked.camera.ptz_locked
    with pytest.raises(ForbiddenError) as e:  # the unit locked PTZ for the center
        await _ptz(reg, "onvif-ptz", ADMIN, service_pb2.PTZ_ACTION_STOP, as_center=True)
    assert e.value.code == "registry.move_camera.locked"
    await asyncio.sleep(RATE_S)
    both = await asyncio.gather(  # the unit still may, but not twice within RATE_S
        _ptz(reg, "onvif-ptz", UNIT_OP, service_pb2.PTZ_ACTION_STOP),
        _ptz(reg, "onvif-ptz", UNIT_OP, service_pb2.PTZ_ACTION_STOP),
        return_exceptions=True,
    )
    errors = [r for r in both if isinstance(r, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], UnavailableError)
    assert errors[0].code == "registry.move_camera.rate_limited"


def _at(cam: OnvifCamera, pan: float, tilt: float):  # type: ignore[no-untyped-def]
    async def check() -> None:
        status = cam.ptz_status()
        assert abs(status["pan"] - pan) < 0.01
        assert abs(status["tilt"] - tilt) < 0.01

    return check


async def test_discovery_lists_unregistered_devices(
    reg: Harness, secured: OnvifCamera, tmp_path: Path
) -> None:
    request = service_pb2.DiscoverDevicesRequest(
        actor=ADMIN, interface_address="127.0.0.1", timeout_s=0.5
    )
    async with _unregistered_device(tmp_path) as other:
        reply = await reg.call(
            catalog.REGISTRY_DISCOVER_DEVICES, request, service_pb2.DiscoverDevicesReply
        )
    found = {x for d in reply.devices for x in d.xaddrs}
    assert other.url in found
    assert secured.url not in found  # registered (onvif-sec, onvif-ptz)
    with pytest.raises(ForbiddenError):
        await reg.call(
            catalog.REGISTRY_DISCOVER_DEVICES,
            service_pb2.DiscoverDevicesRequest(
                actor=actor_pb2.Actor(
                    id="v", role=actor_pb2.ROLE_UNIT_VIEWER, unit_id="commune-01"
                ),
                interface_address="127.0.0.1",
            ),
            service_pb2.DiscoverDevicesReply,
        )


@contextlib.asynccontextmanager
async def _unregistered_device(tmp_path: Path) -> AsyncIterator[OnvifCamera]:
    cam = OnvifCamera(
        tmp_path / "other", credentials=(USER, PASSWORD), discovery_port=DISCOVERY_PORT
    )
    await asyncio.to_thread(cam.start)
    try:
        yield cam
    finally:
        await asyncio.to_thread(cam.stop)


async def test_cli_probe_prints_the_device_and_its_assessment(
    reg: Harness,
    secured: OnvifCamera,
    fleet: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _create(reg, "onvif-cli", secured.url, (USER, PASSWORD), fleet.url(1))
    monkeypatch.setenv("TNCAM_NATS_URL", reg.settings.nats_url)
    monkeypatch.setenv("TNCAM_NATS_NAMESPACE", reg.namespace)
    monkeypatch.setenv("TNCAM_ACTOR_ID", "cli:test")
    # `tncam cameras probe onvif-cli`, in a thread (the command runs its own event loop)
    code = await asyncio.to_thread(cmd_probe, argparse.Namespace(id="onvif-cli"))
    text = capsys.readouterr().out
    assert code == 0
    assert "PythonCam VirtualCam-1, firmware 1.3.0, ONVIF 2.5" in text
    assert "Profile_Main: h264 1280x720" in text
    assert "codec_not_h265" in text
    assert "Đánh giá an ninh: đạt" in text


async def test_commissioning_waits_for_the_security_assessment(
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    open_device: OnvifCamera,
    fleet: CameraSimulator,
) -> None:
    """REQUIRE_SECURITY_ASSESSMENT: no camera_config key (ingest does not pull) until the
    assessment passed or the police accepted the camera."""
    namespace = "onvifgate_" + str(free_port())
    settings = registry_settings(
        nats_server,
        migrated_database,
        namespace,
        require_security_assessment=True,
        onvif_timeout_s=1.5,
        onvif_reprobe_interval_s=0,
    )
    bus = await connect(nats_server.url, name="registry-gate-test", timeout=5.0)
    try:
        async with running(settings) as url:
            h = Harness(settings, bus, namespace, url)
            await _create(h, "onvif-gate", open_device.url, None, fleet.url(2))
            kv = await bus.js.key_value(catalog.CAMERA_CONFIG_KV.scoped(namespace).bucket)
            with pytest.raises((nats.js.errors.KeyDeletedError, nats.js.errors.KeyNotFoundError)):
                await kv.get("onvif-gate")
            assert (await _probe(h, "onvif-gate")).assessment.status == "failed"
            with pytest.raises((nats.js.errors.KeyDeletedError, nats.js.errors.KeyNotFoundError)):
                await kv.get("onvif-gate")
            await h.call(
                catalog.REGISTRY_ACCEPT_SECURITY_ASSESSMENT,
                service_pb2.AcceptSecurityAssessmentRequest(
                    actor=ADMIN,
                    id="onvif-gate",
                    document_number="7/PA05",
                    document_date="2026-12-02",
                ),
                service_pb2.AcceptSecurityAssessmentReply,
            )

            async def published() -> None:
                entry = await kv.get("onvif-gate")
                config = camera_config_pb2.CameraIngestConfig.FromString(entry.value or b"")
                assert config.rtsp_url == fleet.url(2)

            await eventually(published)
    finally:
        await bus.close(timeout=5.0)


async def test_scheduled_reprobe_notices_new_firmware_and_raises_the_update_deadline(
    reg: Harness,
    secured: OnvifCamera,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    fleet: CameraSimulator,
    tmp_path: Path,
) -> None:
    """Runs last: the secured device is upgraded in place (stopped, started again on its port
    with another firmware) and every other camera is deactivated so that the scheduled run
    probes only this one."""
    await _create(reg, "onvif-fw", secured.url, (USER, PASSWORD), fleet.url(1))
    assert (await _probe(reg, "onvif-fw")).onvif.firmware == "1.3.0"
    await asyncio.to_thread(secured.stop)
    new = OnvifCamera(
        tmp_path / "v2",
        credentials=(USER, PASSWORD),
        rtsp_port=fleet.port,
        main="cam1",
        sub="cam1",
        identity=("PythonCam", "VirtualCam-1", "1.4.0"),
    )
    new.port = secured.port  # the same device, upgraded in the field
    listed = await reg.call(
        catalog.REGISTRY_LIST_CAMERAS,
        service_pb2.ListCamerasRequest(actor=ADMIN, page_size=500),
        service_pb2.ListCamerasReply,
    )
    for c in listed.cameras:
        if c.id != "onvif-fw":
            await reg.call(
                catalog.REGISTRY_DEACTIVATE_CAMERA,
                service_pb2.DeactivateCameraRequest(actor=ADMIN, id=c.id, reason="test"),
                service_pb2.DeactivateCameraReply,
            )
    scheduled = registry_settings(
        nats_server,
        migrated_database,
        reg.namespace,
        onvif_timeout_s=1.5,
        onvif_reprobe_interval_s=0.5,
        onvif_reprobe_tick_s=0.2,
    )
    await asyncio.to_thread(new.start)
    try:
        async with running(scheduled):

            async def upgraded() -> None:
                cam = await _get(reg, "onvif-fw")
                assert cam.onvif.firmware == "1.4.0"
                assert list(cam.onvif.changes) == ["firmware 1.3.0 → 1.4.0"]

            await eventually(upgraded)
    finally:
        await asyncio.to_thread(new.stop)
    later = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    overdue = await reg.call(
        catalog.REGISTRY_LIST_OVERDUE_DEADLINES,
        service_pb2.ListOverdueDeadlinesRequest(
            actor=ADMIN, as_of=later, kinds=["registry_update"]
        ),
        service_pb2.ListOverdueDeadlinesReply,
    )
    (item,) = [d for d in overdue.deadlines if d.camera_id == "onvif-fw"]
    assert "firmware 1.3.0 → 1.4.0" in item.detail
    # updating the record clears it
    await reg.call(
        catalog.REGISTRY_UPDATE_CAMERA,
        service_pb2.UpdateCameraRequest(
            actor=ADMIN,
            id="onvif-fw",
            fields=service_pb2.CameraFields(firmware="1.4.0"),
            update_mask=["firmware"],
        ),
        service_pb2.UpdateCameraReply,
    )
    overdue = await reg.call(
        catalog.REGISTRY_LIST_OVERDUE_DEADLINES,
        service_pb2.ListOverdueDeadlinesRequest(
            actor=ADMIN, as_of=later, kinds=["registry_update"]
        ),
        service_pb2.ListOverdueDeadlinesReply,
    )
    assert "onvif-fw" not in {d.camera_id for d in overdue.deadlines}
