"""A camera's ONVIF probe, security assessment and PTZ lock as the API shows them (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.registry.v1 import onvif_pb2, service_pb2
from tncam_registry.domain.onvif import (
    DeviceProbe,
    measured_compliance,
    probe_from_document,
)

#: Compliance findings an ONVIF probe measures (they replace the declared ones).
MEASURED = ("codec_not_h265", "onvif_below_2_0")


def _ts(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    t = Timestamp()
    t.FromDatetime(value.astimezone(dt.UTC))
    return t


def probe_to_pb(
    probe: DeviceProbe,
    probed_at: dt.datetime | None,
    findings: Sequence[Any],
    changes: Sequence[str],
) -> onvif_pb2.OnvifProbe:
    """The stored probe as its message."""
    main = probe.main
    msg = onvif_pb2.OnvifProbe(
        vendor=probe.vendor,
        model=probe.model,
        firmware=probe.firmware,
        serial=probe.serial,
        hardware_id=probe.hardware_id,
        onvif_version=probe.onvif_version,
        services=[
            onvif_pb2.OnvifServiceVersion(namespace=ns, version=v) for ns, v in probe.services
        ],
        clock_drift_s=probe.clock_drift_s or 0.0,
        clock_known=probe.clock_drift_s is not None,
        hostname=probe.hostname,
        addresses=list(probe.addresses),
        dhcp=probe.dhcp,
        ntp_servers=list(probe.ntp_servers),
        ptz_supported=probe.ptz,
        findings=[
            onvif_pb2.SecurityFinding(code=f["code"], severity=f["severity"], detail=f["detail"])
            for f in findings
        ],
        measured_codec=main.encoder.codec if main and main.encoder else "",
        measured_resolution=main.encoder.resolution if main and main.encoder else "",
        compliance_issues=measured_compliance(probe),
        changes=list(changes),
    )
    for p in probe.profiles:
        prof = msg.profiles.add(token=p.token, name=p.name, stream_uri=p.stream_uri)
        if p.encoder is not None:
            e = p.encoder
            prof.encoder.CopyFrom(
                onvif_pb2.OnvifEncoder(
                    codec=e.codec,
                    width=e.width,
                    height=e.height,
                    fps=e.fps,
                    bitrate_kbps=e.bitrate_kbps,
                    gop=e.gop,
                )
            )
    for name, value in (("probed_at", probed_at), ("device_time", probe.device_time)):
        t = _ts(value)
        if t is not None:
            getattr(msg, name).CopyFrom(t)
    return msg


def add_onvif(cam: service_pb2.Camera, row: Any) -> None:
    """Fill the camera's ONVIF fields from its view row; measured compliance findings replace
    the declared ones (the declared values stay in the camera's own fields)."""
    cam.assessment.status = row["onvif_assessment"] or "not_assessed"
    if row["onvif_assessment"] is None:
        return
    cam.assessment.reasons.extend(row["onvif_assessment_reasons"])
    cam.assessment.document_number = row["onvif_document_number"]
    date = row["onvif_document_date"]
    cam.assessment.document_date = date.isoformat() if date is not None else ""
    t = _ts(row["onvif_assessed_at"])
    if t is not None:
        cam.assessment.assessed_at.CopyFrom(t)
    cam.ptz_locked = row["onvif_ptz_locked"]
    if row["onvif_probe"] is None:
        return
    probe = probe_from_document(row["onvif_probe"])
    cam.onvif.CopyFrom(
        probe_to_pb(probe, row["onvif_probed_at"], row["onvif_findings"], row["onvif_changes"])
    )
    kept = [i for i in cam.compliance_issues if i not in MEASURED]
    del cam.compliance_issues[:]
    cam.compliance_issues.extend(kept + measured_compliance(probe))
