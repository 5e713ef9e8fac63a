"""Database rows and domain values to protobuf messages, and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.registry.v1 import camera_config_pb2, camera_state_pb2, service_pb2
from tncam_registry.domain.deadlines import compliance_issues
from tncam_registry.domain.model import CameraState, credentials_ref

STATE_TO_PB = {
    CameraState.NEVER: camera_state_pb2.CAMERA_STATE_NEVER,
    CameraState.CONNECTED: camera_state_pb2.CAMERA_STATE_CONNECTED,
    CameraState.LOST: camera_state_pb2.CAMERA_STATE_LOST,
    CameraState.UNSTABLE: camera_state_pb2.CAMERA_STATE_UNSTABLE,
}
PB_TO_STATE = {v: k for k, v in STATE_TO_PB.items()}


def ts(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    t = Timestamp()
    t.FromDatetime(value.astimezone(dt.UTC))
    return t


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def camera_to_pb(row: Any, today: dt.date) -> service_pb2.Camera:
    """A camera view row (db.queries.CAMERA_VIEW) as the API shows it: never a secret."""
    cam = service_pb2.Camera(
        id=row["id"],
        name=row["name"],
        active=row["active"],
        revision=row["revision"],
        site_id=row["site_id"],
        site_kind=row["site_kind"],
        commune_code=row["commune_code"],
        commune_name=row["commune_name"],
        owner_unit_id=row["owner_unit_id"],
        sectors=list(row["sectors"]),
        rtsp_url=row["rtsp_url"],
        rtsp_sub_url=row["rtsp_sub_url"],
        onvif_url=row["onvif_url"],
        has_credentials=row["credentials_sealed"] is not None,
        vendor=row["vendor"],
        model=row["model"],
        firmware=row["firmware"],
        declared_codec=row["declared_codec"],
        resolution=row["resolution"],
        qcvn135_cert=row["qcvn135_cert"],
        qcvn135_valid_until=iso(row["qcvn135_valid_until"]),
        onvif_version=row["onvif_version"],
        installed_on=iso(row["installed_on"]),
        retention_days=row["retention_days"],
        latitude=row["latitude"] or 0.0,
        longitude=row["longitude"] or 0.0,
        location=row["location"],
        last_maintained_on=iso(row["last_maintained_on"]),
        compliance_issues=compliance_issues(
            codec=row["declared_codec"],
            qcvn135_cert=row["qcvn135_cert"],
            qcvn135_valid_until=row["qcvn135_valid_until"],
            onvif_version=row["onvif_version"],
            today=today,
        ),
        state=STATE_TO_PB[CameraState(row["state"])],
        last_disconnect_reason=row["last_reason"],
        measured_codec=row["measured_codec"],
        measured_resolution=(
            f"{row['measured_width']}x{row['measured_height']}" if row["measured_width"] else ""
        ),
        measured_fps=row["measured_fps"],
        measured_bitrate_bps=row["measured_bitrate_bps"],
    )
    for name in ("state_changed_at", "created_at", "updated_at"):
        value = ts(row[name])
        if value is not None:
            getattr(cam, name).CopyFrom(value)
    return cam


def audit_image(row: Any) -> dict[str, Any]:
    """The before/after image of a camera for the audit log (no credentials, only a flag)."""
    image = {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
        for k, v in dict(row).items()
        if k not in ("credentials_sealed", "created_at", "updated_at")
    }
    image["sectors"] = list(row["sectors"])
    image["has_credentials"] = row["credentials_sealed"] is not None
    return image


def ingest_config(row: Any, commune_code: str) -> camera_config_pb2.CameraIngestConfig:
    """The camera_config KV value of an active camera (no secret, only a reference)."""
    return camera_config_pb2.CameraIngestConfig(
        camera_id=row["id"],
        revision=row["revision"],
        active=row["active"],
        rtsp_url=row["rtsp_url"],
        credentials_ref=credentials_ref(row["id"]) if row["credentials_sealed"] is not None else "",
        expected_codec=row["declared_codec"],
        onvif_url=row["onvif_url"],
        retention_days=row["retention_days"],
        commune_code=commune_code,
        owner_unit_id=row["owner_unit_id"],
        sector_code=row["sectors"][0] if row["sectors"] else "",
        site_id=row["site_id"],
    )
