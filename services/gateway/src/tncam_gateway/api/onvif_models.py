"""What the API shows of a camera's ONVIF probe, security assessment and PTZ lock (issue 17):
never a stream URL, as for the rest of the camera."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tncam.registry.v1 import onvif_pb2
from tncam_gateway.api.instants import UtcDatetime


class EncoderOut(BaseModel):
    """One video encoder configuration, as the device reports it."""

    codec: str = Field(examples=["hevc"])
    width: int
    height: int
    fps: float
    bitrate_kbps: int
    gop: int


class ProfileOut(BaseModel):
    """One media profile (its stream URL is not shown)."""

    token: str
    name: str
    encoder: EncoderOut | None = None


class FindingOut(BaseModel):
    """A security finding: ``fail`` fails the assessment, ``warn`` does not."""

    code: str = Field(examples=["onvif_no_auth"])
    severity: str = Field(examples=["fail"])
    detail: str = Field(examples=["thiết bị trả lời lệnh ONVIF không cần xác thực"])


class OnvifOut(BaseModel):
    """The camera's last ONVIF probe: measured values beside the declared ones."""

    probed_at: UtcDatetime | None = None
    vendor: str
    model: str
    firmware: str
    serial: str
    onvif_version: str
    services: dict[str, str] = Field(description="namespace -> version")
    profiles: list[ProfileOut]
    device_time: UtcDatetime | None = None
    clock_drift_s: float | None = Field(default=None, description="+ = the device is ahead")
    hostname: str
    addresses: list[str]
    dhcp: bool
    ntp_servers: list[str]
    ptz_supported: bool
    measured_codec: str
    measured_resolution: str
    compliance_issues: list[str]
    findings: list[FindingOut]
    changes: list[str] = Field(description="What changed since the previous probe")


class AssessmentOut(BaseModel):
    """The security assessment before commissioning (Art. 18.2)."""

    status: str = Field(
        default="not_assessed",
        examples=["passed"],
        description="not_assessed|passed|failed|accepted",
    )
    reasons: list[str] = Field(default_factory=list)
    document_number: str = ""
    document_date: str = ""
    assessed_at: UtcDatetime | None = None


def onvif_out(p: onvif_pb2.OnvifProbe) -> OnvifOut:
    """The API view of a probe."""
    return OnvifOut(
        probed_at=p.probed_at.ToDatetime() if p.HasField("probed_at") else None,
        vendor=p.vendor,
        model=p.model,
        firmware=p.firmware,
        serial=p.serial,
        onvif_version=p.onvif_version,
        services={s.namespace: s.version for s in p.services},
        profiles=[
            ProfileOut(
                token=x.token,
                name=x.name,
                encoder=EncoderOut(
                    codec=x.encoder.codec,
                    width=x.encoder.width,
                    height=x.encoder.height,
                    fps=x.encoder.fps,
                    bitrate_kbps=x.encoder.bitrate_kbps,
                    gop=x.encoder.gop,
                )
                if x.HasField("encoder")
                else None,
            )
            for x in p.profiles
        ],
        device_time=p.device_time.ToDatetime() if p.HasField("device_time") else None,
        clock_drift_s=p.clock_drift_s if p.clock_known else None,
        hostname=p.hostname,
        addresses=list(p.addresses),
        dhcp=p.dhcp,
        ntp_servers=list(p.ntp_servers),
        ptz_supported=p.ptz_supported,
        measured_codec=p.measured_codec,
        measured_resolution=p.measured_resolution,
        compliance_issues=list(p.compliance_issues),
        findings=[
            FindingOut(code=f.code, severity=f.severity, detail=f.detail) for f in p.findings
        ],
        changes=list(p.changes),
    )


def assessment_out(a: onvif_pb2.SecurityAssessment) -> AssessmentOut:
    """The API view of an assessment."""
    return AssessmentOut(
        status=a.status or "not_assessed",
        reasons=list(a.reasons),
        document_number=a.document_number,
        document_date=a.document_date,
        assessed_at=a.assessed_at.ToDatetime() if a.HasField("assessed_at") else None,
    )
