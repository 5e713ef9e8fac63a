"""What the registry shows: stored rows and domain values as its protobuf messages (pure).

Never a secret: a camera shows only whether it has credentials.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.camera.v1 import status_pb2
from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_registry.domain import report as rep
from tncam_registry.domain.connection import LEASE_RELEASED, DayUptime
from tncam_registry.domain.deadlines import compliance_issues
from tncam_registry.domain.model import CameraState
from tncam_registry.domain.quality_views import compliance, quality_pb

STATE_TO_PB = {
    CameraState.NEVER: camera_state_pb2.CAMERA_STATE_NEVER,
    CameraState.CONNECTED: camera_state_pb2.CAMERA_STATE_CONNECTED,
    CameraState.LOST: camera_state_pb2.CAMERA_STATE_LOST,
    CameraState.UNSTABLE: camera_state_pb2.CAMERA_STATE_UNSTABLE,
}
PB_TO_STATE = {v: k for k, v in STATE_TO_PB.items()}
#: ingest's disconnect reasons as the connection state records them.
DISCONNECT_REASONS = {
    status_pb2.DISCONNECT_REASON_NONE: "none",
    status_pb2.DISCONNECT_REASON_TIMEOUT: "timeout",
    status_pb2.DISCONNECT_REASON_REFUSED: "refused",
    status_pb2.DISCONNECT_REASON_UNAUTHORIZED: "unauthorized",
    status_pb2.DISCONNECT_REASON_NOT_FOUND: "not_found",
    status_pb2.DISCONNECT_REASON_CODEC_MISMATCH: "codec_mismatch",
    status_pb2.DISCONNECT_REASON_DECODE_ERROR: "decode_error",
    status_pb2.DISCONNECT_REASON_STREAM_ENDED: "stream_ended",
    status_pb2.DISCONNECT_REASON_LEASE_RELEASED: LEASE_RELEASED,
    status_pb2.DISCONNECT_REASON_OTHER: "other",
}


def ts(value: dt.datetime | None) -> Timestamp | None:
    """A timestamp message, or None for no time."""
    if value is None:
        return None
    t = Timestamp()
    t.FromDatetime(value.astimezone(dt.UTC))
    return t


def iso(value: dt.date | None) -> str:
    """A date as YYYY-MM-DD, or "" for no date."""
    return value.isoformat() if value is not None else ""


# long: one line per field of the Camera message
def camera_to_pb(row: Any, today: dt.date, history: Sequence[Any] = ()) -> service_pb2.Camera:
    """A camera view row (db.cameras.CAMERA_VIEW) as the API shows it: never a secret."""
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
        compliance_issues=compliance(
            compliance_issues(
                codec=row["declared_codec"],
                qcvn135_cert=row["qcvn135_cert"],
                qcvn135_valid_until=row["qcvn135_valid_until"],
                onvif_version=row["onvif_version"],
                today=today,
            ),
            row,
        ),
        state=STATE_TO_PB[CameraState(row["state"])],
        last_disconnect_reason=row["last_reason"],
        measured_codec=row["measured_codec"],
        measured_resolution=(
            f"{row['measured_width']}x{row['measured_height']}" if row["measured_width"] else ""
        ),
        measured_fps=row["measured_fps"],
        measured_bitrate_bps=row["measured_bitrate_bps"],
        site_name=row["site_name"],
        site_notice_required=row["site_notice_required"],
        site_notice_present=row["site_notice_present"],
        site_notice_checked_on=iso(row["site_notice_checked_on"]),
        quality=quality_pb(row, history),
        min_fps=row["min_fps"],
        pending_change_id=row.get("pending_change_id") or "",
        pending_change_kind=row.get("pending_change_kind") or "",
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


def _cell(c: rep.Cell) -> service_pb2.ReportCell:
    return service_pb2.ReportCell(
        text=c.text,
        cameras=c.cameras,
        connected=c.connected,
        lost=c.lost,
        never=c.never,
        unstable=c.unstable,
        parts=[
            service_pb2.ReportCellPart(
                site_kind=kind.value,
                text=p.text,
                cameras=p.cameras,
                connected=p.connected,
                lost=p.lost,
                never=p.never,
                unstable=p.unstable,
            )
            for kind, p in sorted(c.parts.items())
        ],
    )


def _unit_row(u: rep.UnitRow) -> service_pb2.ReportUnitRow:
    return service_pb2.ReportUnitRow(
        number=u.number,
        unit_id=u.unit.id,
        unit_name=u.unit.name,
        unit_kind=u.unit.kind,
        cameras=_cell(u.cell),
        note=u.note,
    )


def report_to_pb(report: rep.Report) -> service_pb2.ConnectionReport:
    """The report as a protobuf message."""
    msg = service_pb2.ConnectionReport(
        totals=report.totals,
        completed=report.completed,
        not_completed=report.not_completed,
        unstable=report.unstable,
        service_centers=[_unit_row(u) for u in report.service_centers],
        departments=[_unit_row(u) for u in report.departments],
        scope=report.scope,
    )
    msg.generated_at.FromDatetime(report.generated_at.astimezone(dt.UTC))
    if report.as_of is not None:
        msg.as_of.FromDatetime(report.as_of.astimezone(dt.UTC))
    for r in report.rows:
        row = msg.rows.add(
            number=r.number,
            commune_code=r.commune.code,
            commune_name=r.commune.name,
            service_center=_cell(r.cells["service_center"]),
            committee_hq=_cell(r.cells["committee_hq"]),
            square=_cell(r.cells["square"]),
            note=r.note,
            generated_note=r.generated_note,
        )
        if r.written is not None:
            row.note_by = r.written.by
            row.note_at.FromDatetime(r.written.at.astimezone(dt.UTC))
    return msg


def history_to_pb(
    transitions: Sequence[Any],
    days: Sequence[DayUptime],
    tickets: Sequence[Any],
) -> service_pb2.GetCameraHistoryReply:
    """A camera's history: transitions (newest first as read), daily uptime, fault tickets."""
    reply = service_pb2.GetCameraHistoryReply()
    for r in reversed(transitions):
        t = reply.transitions.add(
            id=r["id"],
            previous_state=STATE_TO_PB[CameraState(r["previous_state"])],
            state=STATE_TO_PB[CameraState(r["state"])],
            reason=r["reason"],
            detail=r["detail"],
        )
        t.at.FromDatetime(r["at"])
    for d in days:
        reply.uptime.add(
            day=d.day.isoformat(),
            uptime=d.window.uptime if d.window.observed_s else 0.0,
            observed_s=d.window.observed_s,
            disconnects=d.window.disconnects,
        )
    for t2 in tickets:
        ft = reply.tickets.add(
            id=str(t2["id"]),
            camera_id=t2["camera_id"],
            due_on=t2["due_on"].isoformat(),
            close_reason=t2["close_reason"],
        )
        for name in ("detected_at", "opened_at", "closed_at"):
            value = ts(t2[name])
            if value is not None:
                getattr(ft, name).CopyFrom(value)
    return reply
