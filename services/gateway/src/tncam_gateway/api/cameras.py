"""``/cameras``: scoped camera list and detail (registry), latest snapshot (footage)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken
from tncam_gateway.api.problems import responses
from tncam_gateway.api.quality import PictureQualityOut, quality_out
from tncam_gateway.domain.policy import Access, Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.domain.vocabulary import CameraState, QualityFlag, QualityVerdict, SiteKind

router = APIRouter(prefix="/cameras", tags=["cameras"])
# Filter values as long as the registry's own fields can be (see api/registry.py).
CommuneCode = Annotated[str, StringConstraints(max_length=16)]

STATE_NAMES = {
    camera_state_pb2.CAMERA_STATE_UNSPECIFIED: CameraState.UNKNOWN,
    camera_state_pb2.CAMERA_STATE_NEVER: CameraState.NEVER_CONNECTED,
    camera_state_pb2.CAMERA_STATE_CONNECTED: CameraState.CONNECTED,
    camera_state_pb2.CAMERA_STATE_LOST: CameraState.LOST_CONNECTION,
    camera_state_pb2.CAMERA_STATE_UNSTABLE: CameraState.UNSTABLE,
}


class CameraOut(BaseModel):
    """A camera as the API shows it: never its stream URLs or credentials."""

    id: str = Field(examples=["cam-0001"])
    name: str = Field(examples=["Cổng UBND xã Tân Thịnh"])
    active: bool
    site_kind: SiteKind = Field(examples=["committee_hq"])
    commune_code: str = Field(examples=["05512"])
    commune_name: str = Field(examples=["Xã Tân Thịnh"])
    owner_unit_id: str = Field(examples=["xa-tan-thinh"])
    sectors: list[str] = Field(examples=[["traffic"]])
    vendor: str = ""
    model: str = ""
    declared_codec: str = Field(default="", examples=["H.265"])
    state: CameraState = Field(examples=["connected"])
    state_changed_at: UtcDatetime | None = None
    last_disconnect_reason: str = ""
    measured_fps: float = 0.0
    measured_resolution: str = ""
    measured_codec: str = Field(default="", examples=["hevc"])
    measured_bitrate_bps: int = 0
    min_fps: float = Field(default=0.0, description="The camera's minimum frame rate (0: default)")
    quality: PictureQualityOut
    compliance_issues: list[str] = Field(default_factory=list)
    latitude: float = 0.0
    longitude: float = 0.0
    location: str = ""
    site_id: str = ""
    site_name: str = ""
    site_notice_required: bool = Field(
        default=False, description="A notice sign is required at the site (public place, R17)"
    )
    site_notice_present: bool = False
    site_notice_checked_on: date | None = Field(
        default=None, description="When the sign was last checked"
    )
    pending_change_id: str = Field(
        default="", description="A change request waiting for a province admin (camera-changes)"
    )
    pending_change_kind: str = Field(default="", examples=["deactivate"])


def out(c: service_pb2.Camera) -> CameraOut:
    """The API view of a registry camera."""
    return CameraOut(
        id=c.id,
        name=c.name,
        active=c.active,
        site_kind=SiteKind(c.site_kind),
        commune_code=c.commune_code,
        commune_name=c.commune_name,
        owner_unit_id=c.owner_unit_id,
        sectors=list(c.sectors),
        vendor=c.vendor,
        model=c.model,
        declared_codec=c.declared_codec,
        state=STATE_NAMES.get(c.state, CameraState.UNKNOWN),
        state_changed_at=c.state_changed_at.ToDatetime()
        if c.HasField("state_changed_at")
        else None,
        last_disconnect_reason=c.last_disconnect_reason,
        measured_fps=c.measured_fps,
        measured_resolution=c.measured_resolution,
        measured_codec=c.measured_codec,
        measured_bitrate_bps=c.measured_bitrate_bps,
        min_fps=c.min_fps,
        quality=quality_out(c),
        compliance_issues=list(c.compliance_issues),
        latitude=c.latitude,
        longitude=c.longitude,
        location=c.location,
        site_id=c.site_id,
        site_name=c.site_name,
        site_notice_required=c.site_notice_required,
        site_notice_present=c.site_notice_present,
        site_notice_checked_on=(
            date.fromisoformat(c.site_notice_checked_on) if c.site_notice_checked_on else None
        ),
        pending_change_id=c.pending_change_id,
        pending_change_kind=c.pending_change_kind,
    )


class CameraPage(BaseModel):
    """One page of cameras."""

    items: list[CameraOut]
    next_page_token: str = Field(default="", description="Empty on the last page")
    total: int


@router.get(
    "",
    response_model=CameraPage,
    summary="Danh sách camera trong phạm vi của người dùng",
    responses=responses(401, 403, 422, 503),
    **operation("listCameras", Access.CAMERA_LIST),
)
async def list_cameras(
    gw: GatewayDep,
    caller: CallerDep,
    commune_code: Annotated[list[CommuneCode] | None, Query(max_length=100)] = None,
    site_kind: Annotated[list[SiteKind] | None, Query(max_length=10)] = None,
    text: Annotated[str | None, Query(max_length=128)] = None,
    quality: Annotated[
        list[QualityVerdict] | None,
        Query(max_length=3, description="Picture quality verdicts (any of)"),
    ] = None,
    quality_flag: Annotated[
        list[QualityFlag] | None,
        Query(max_length=7, description="Cameras whose latest result has any of these flags"),
    ] = None,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> CameraPage:
    """Cameras the caller may see: its unit's, its sector's, or all for the central operator
    and the app client. Never stream URLs or credentials."""
    request = service_pb2.ListCamerasRequest(
        commune_codes=commune_code or [],
        site_kinds=[k.value for k in site_kind or []],
        text=text or "",
        qualities=[q.value for q in quality or []],
        quality_flags=[f.value for f in quality_flag or []],
        page_size=page_size,
        page_token=page_token,
    )
    reply = await gw.cameras.list(caller, request)
    return CameraPage(
        items=[out(c) for c in reply.cameras],
        next_page_token=reply.next_page_token,
        total=reply.total_size,
    )


@router.get(
    "/{camera_id}",
    response_model=CameraOut,
    summary="Thông tin và trạng thái một camera",
    responses=responses(401, 404, 503),
    **operation("getCamera", Action.CAMERA_READ),
)
async def get_camera(camera_id: str, gw: GatewayDep, caller: CallerDep) -> CameraOut:
    """One camera within the caller's scope (404 outside it: no hint that it exists)."""
    return out(await gw.cameras.get(caller, camera_id))


JPEG = {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}


@router.get(
    "/{camera_id}/snapshot",
    summary="Ảnh chụp mới nhất (cần mục đích truy cập)",
    response_class=Response,
    responses={
        200: {"description": "JPEG of the newest snapshot", **JPEG},
        **responses(400, 401, 403, 404, 422, 503),
    },
    **operation("getCameraSnapshot", Action.FOOTAGE_VIEW),
)
async def snapshot(
    camera_id: str,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    purpose: Annotated[Purpose, Query(description="Mục đích truy cập (required)")],
    purpose_text: Annotated[str | None, Query(max_length=500)] = None,
    grant_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The newest snapshot of a camera as a JPEG (the full image ingest stored). Footage: needs
    a purpose, is authorized (own unit, own sector, or a grant) and written to the processing
    log before the image is sent; 503 ``gateway.audit.unavailable`` when the log cannot take
    it; 404 ``gateway.snapshot.not_found`` when there is no image to serve."""
    shot, event = await gw.snapshots.latest(
        caller,
        client,
        camera_id,
        PurposeOfAccess.parse(purpose.value, purpose_text),
        grant_id,
    )
    return Response(
        content=shot.jpeg,
        media_type="image/jpeg",
        headers={
            "Cache-Control": "no-store",
            "X-Audit-Event-Id": event.event_id,
            "X-Snapshot-Taken-At": shot.taken_at.isoformat().replace("+00:00", "Z"),
        },
    )
