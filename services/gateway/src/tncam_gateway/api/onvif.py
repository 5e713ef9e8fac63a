"""ONVIF (issue 17): probe and onboard cameras, the police's acceptance of their security,
PTZ (Art. 7.3) and the unit's PTZ lock, WS-Discovery. The registry talks to the devices and
audits every change and every move."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from ipaddress import IPv4Address
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api.cameras import CameraOut, out
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.problems import responses
from tncam_gateway.api.registry import CAMERA_ID, CameraFieldsIn, _fields
from tncam_gateway.domain.policy import Action

router = APIRouter(tags=["onvif"])
CameraId = Annotated[str, CAMERA_ID]


@router.post(
    "/cameras/{camera_id}/probe",
    response_model=CameraOut,
    summary="Kiểm tra camera qua ONVIF (thông số đo được, kiểm tra an ninh)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("probeCamera", Action.CAMERA_ADMIN),
)
async def probe_camera(
    camera_id: CameraId, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> CameraOut:
    """Talk ONVIF to the camera (its ``onvif_url`` and stored credentials): device, ONVIF
    version, profiles and encoders, clock drift, network, and the security checks; stored with
    the probe time (``onvif``, ``assessment``). 422 ``registry.probe_camera.<kind>`` when the
    device refuses the credentials (``auth_failed``), is not ONVIF (``not_onvif``), answers a
    SOAP fault, invalid XML or too much (``response_too_large``); 503 when it is unreachable or
    too slow. Nothing is written then."""
    return out(await gw.onvif.probe(caller, client, camera_id))


class OnboardIn(CameraFieldsIn):
    """A new camera from its ONVIF address and credentials; the probe fills stream URLs,
    vendor, model, firmware, codec, resolution and ONVIF version left empty."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["cam-0001"])
    onvif_url: str = Field(max_length=1024, examples=["http://10.10.1.20/onvif/device_service"])


@router.post(
    "/cameras/onboard",
    response_model=CameraOut,
    status_code=201,
    summary="Đăng ký camera từ địa chỉ ONVIF",
    responses=responses(401, 403, 409, 422, 503),
    **operation("onboardCamera", Action.CAMERA_ADMIN),
)
async def onboard_camera(
    body: OnboardIn, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> CameraOut:
    """province_admin, or a unit operator for its own unit's cameras."""
    fields, _ = _fields(body)
    request = rpb.OnboardCameraRequest(id=body.id, fields=fields)
    request.credentials.username = body.username or ""
    request.credentials.password = body.password or ""
    return out(await gw.onvif.onboard(caller, client, request))


class AcceptanceIn(BaseModel):
    """The police's written acceptance of the camera's security (Art. 18.2)."""

    document_number: str = Field(min_length=1, max_length=128, examples=["123/CAT-PA05"])
    document_date: date


@router.post(
    "/cameras/{camera_id}/security-assessment/accept",
    response_model=CameraOut,
    summary="Ghi nhận văn bản chấp thuận an ninh của cơ quan công an",
    responses=responses(401, 403, 404, 422, 503),
    **operation("acceptSecurityAssessment", Action.SECURITY_ACCEPT),
)
async def accept_security_assessment(
    camera_id: CameraId, body: AcceptanceIn, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> CameraOut:
    """province_admin records the document number and date; the assessment becomes
    ``accepted`` (a later probe that fails makes it ``failed`` again)."""
    request = rpb.AcceptSecurityAssessmentRequest(
        id=camera_id,
        document_number=body.document_number,
        document_date=body.document_date.isoformat(),
    )
    return out(await gw.onvif.accept(caller, client, request))


class PtzAction(StrEnum):
    """What a PTZ command does."""

    CONTINUOUS_MOVE = "continuous_move"
    STOP = "stop"
    GOTO_PRESET = "goto_preset"
    LIST_PRESETS = "list_presets"


_ACTIONS = {
    PtzAction.CONTINUOUS_MOVE: rpb.PTZ_ACTION_CONTINUOUS_MOVE,
    PtzAction.STOP: rpb.PTZ_ACTION_STOP,
    PtzAction.GOTO_PRESET: rpb.PTZ_ACTION_GOTO_PRESET,
    PtzAction.LIST_PRESETS: rpb.PTZ_ACTION_LIST_PRESETS,
}


class PtzIn(BaseModel):
    """One PTZ command: velocities in [-1, 1] for a continuous move (for ``timeout_s``)."""

    action: PtzAction
    pan: float = Field(default=0.0, ge=-1, le=1)
    tilt: float = Field(default=0.0, ge=-1, le=1)
    zoom: float = Field(default=0.0, ge=-1, le=1)
    timeout_s: float = Field(default=1.0, ge=0.1, le=10)
    preset_token: str = Field(default="", max_length=64)


class PresetOut(BaseModel):
    """A PTZ preset of the camera."""

    token: str
    name: str


class PtzOut(BaseModel):
    """The presets (``list_presets``; empty for the other actions)."""

    presets: list[PresetOut]


@router.post(
    "/cameras/{camera_id}/ptz",
    response_model=PtzOut,
    summary="Điều khiển PTZ camera",
    responses=responses(401, 403, 404, 422, 429, 503),
    **operation("ptzCamera", Action.CAMERA_PTZ),
)
async def ptz_camera(
    camera_id: CameraId, body: PtzIn, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> PtzOut:
    """Operators of the owning unit or sector, or an operator holding a grant to view the
    camera (the center: 403 ``registry.move_camera.locked`` while the unit locks PTZ). Every
    move is audited; 429 ``gateway.ptz.rate_limited`` when commands come too fast."""
    reply = await gw.onvif.ptz(
        caller,
        client,
        rpb.PtzCameraRequest(
            id=camera_id,
            action=_ACTIONS[body.action],
            pan=body.pan,
            tilt=body.tilt,
            zoom=body.zoom,
            timeout_s=body.timeout_s,
            preset_token=body.preset_token,
        ),
    )
    return PtzOut(presets=[PresetOut(token=p.token, name=p.name) for p in reply.presets])


class PtzLockIn(BaseModel):
    """Lock (or unlock) PTZ of the camera for the center."""

    locked: bool


@router.put(
    "/cameras/{camera_id}/ptz-lock",
    response_model=CameraOut,
    summary="Khóa/mở quyền điều khiển PTZ của trung tâm",
    responses=responses(401, 403, 404, 422, 503),
    **operation("setPtzLock", Action.CAMERA_ADMIN),
)
async def set_ptz_lock(
    camera_id: CameraId, body: PtzLockIn, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> CameraOut:
    """The owning unit's operator (or the province admin); audited."""
    return out(await gw.onvif.set_lock(caller, client, camera_id, body.locked))


class DiscoveryIn(BaseModel):
    """Where and how long to listen for ONVIF devices."""

    interface_address: IPv4Address = Field(examples=["10.10.1.5"])
    timeout_s: float = Field(default=3.0, ge=0.5, le=10)


class DiscoveredOut(BaseModel):
    """An ONVIF device that answered and is not registered."""

    xaddrs: list[str]
    scopes: list[str]
    endpoint: str


class DiscoveryOut(BaseModel):
    """The devices found (at most 256)."""

    devices: list[DiscoveredOut]


@router.post(
    "/onvif/discovery",
    response_model=DiscoveryOut,
    summary="Tìm camera ONVIF chưa đăng ký (WS-Discovery)",
    responses=responses(401, 403, 422, 503),
    **operation("discoverDevices", Action.CAMERA_ADMIN),
)
async def discover_devices(body: DiscoveryIn, gw: GatewayDep, caller: CallerDep) -> DiscoveryOut:
    """WS-Discovery from one interface of the registry's host, for ``timeout_s``; 403
    ``registry.discover_devices.disabled`` unless the registry enables it."""
    reply = await gw.onvif.discover(caller, str(body.interface_address), body.timeout_s)
    return DiscoveryOut(
        devices=[
            DiscoveredOut(xaddrs=list(d.xaddrs), scopes=list(d.scopes), endpoint=d.endpoint)
            for d in reply.devices
        ]
    )
