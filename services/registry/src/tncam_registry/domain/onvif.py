"""What an ONVIF probe measured and what the registry concludes from it (pure rules).

The probe (``clients/onvif.py``) fills a :class:`DeviceProbe` and :class:`SecurityEvidence`;
this module turns them into the stored document, the measured compliance findings (R16:
H.265, ONVIF >= 2.0) that override the declared ones, and the security findings (R16,
Art. 18.2) behind a camera's assessment status.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

#: Clock drift over this is a finding (recordings need the right time).
MAX_CLOCK_DRIFT_S = 5.0

#: ONVIF codec names (``tt:VideoEncoding``, Media2 names) -> the registry's FFmpeg names.
_CODECS = {"h265": "hevc", "hevc": "hevc", "h264": "h264", "jpeg": "mjpeg", "mpeg4": "mpeg4"}


class Severity(StrEnum):
    """A failure fails the assessment; a warning is shown but does not."""

    FAIL = "fail"
    WARN = "warn"


class Assessment(StrEnum):
    """The security assessment of a camera before commissioning (Art. 18.2)."""

    NOT_ASSESSED = "not_assessed"
    PASSED = "passed"
    FAILED = "failed"
    ACCEPTED = "accepted"  # accepted by the police, with a document number and date


@dataclass(frozen=True)
class Encoder:
    """One video encoder configuration as the device reports it."""

    codec: str  # FFmpeg name: hevc, h264, mjpeg, ...; the raw name when unknown
    width: int = 0
    height: int = 0
    fps: float = 0.0
    bitrate_kbps: int = 0
    gop: int = 0

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}" if self.width and self.height else ""


@dataclass(frozen=True)
class Profile:
    """One media profile: its encoder and stream URI (without credentials)."""

    token: str
    name: str = ""
    encoder: Encoder | None = None
    stream_uri: str = ""


@dataclass(frozen=True)
class DeviceProbe:
    """Everything one probe read from the device (no secret in it)."""

    vendor: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""
    hardware_id: str = ""
    onvif_version: str = ""
    services: tuple[tuple[str, str], ...] = ()  # (namespace, "major.minor")
    profiles: tuple[Profile, ...] = ()
    device_time: dt.datetime | None = None
    clock_drift_s: float | None = None
    hostname: str = ""
    addresses: tuple[str, ...] = ()
    dhcp: bool = False
    ntp_servers: tuple[str, ...] = ()
    ptz: bool = False

    @property
    def main(self) -> Profile | None:
        """The main stream: the profile with the largest picture (the first on a tie)."""
        with_enc = [p for p in self.profiles if p.encoder is not None]
        if not with_enc:
            return self.profiles[0] if self.profiles else None
        return max(with_enc, key=lambda p: p.encoder.width * p.encoder.height if p.encoder else 0)

    @property
    def sub(self) -> Profile | None:
        """The sub stream: the smallest other profile with a stream URI, if any."""
        main = self.main
        others = [p for p in self.profiles if p is not main and p.encoder is not None]
        if not others:
            return None
        return min(others, key=lambda p: p.encoder.width * p.encoder.height if p.encoder else 0)


@dataclass(frozen=True)
class SecurityEvidence:
    """What the security probes saw (None: could not be checked)."""

    https: bool = False
    onvif_open: bool | None = None  # an ONVIF call without credentials was answered
    rtsp_status_without_auth: int | None = None  # RTSP DESCRIBE without credentials
    default_credentials: str = ""  # the vendor default user name that was accepted


@dataclass(frozen=True)
class Finding:
    """One security or compliance finding, with a Vietnamese explanation for operators."""

    code: str
    severity: Severity
    detail: str


@dataclass(frozen=True)
class SecurityPolicy:
    """Settings of the security checks."""

    max_clock_drift_s: float = MAX_CLOCK_DRIFT_S
    #: Minimum firmware per model (or per "vendor/model"), e.g. {"DS-2CD2143G2": "5.7.0"}.
    min_firmware: Mapping[str, str] = field(default_factory=dict)
    #: Plain-HTTP management is a failure rather than a warning.
    plain_http_fails: bool = False


def codec_name(onvif_encoding: str) -> str:
    """``H265`` / ``H.265`` / ``HEVC`` -> ``hevc``; ``H264`` -> ``h264``; others lower-cased."""
    key = re.sub(r"[^a-z0-9]", "", onvif_encoding.lower())
    return _CODECS.get(key, key)


def version_tuple(text: str) -> tuple[int, ...]:
    """``V5.7.3 build 220112`` -> (5, 7, 3): the first dotted run of numbers."""
    m = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(x) for x in m.group(0).split(".")) if m else ()


def onvif_version(services: Sequence[tuple[str, str]]) -> str:
    """The device's ONVIF version: its device service's version (the highest service's if the
    device service is not listed)."""
    device = [v for ns, v in services if ns.endswith("/device/wsdl")]
    candidates = device or [v for _, v in services]
    return max(candidates, key=version_tuple, default="")


def min_firmware_for(policy: SecurityPolicy, vendor: str, model: str) -> str:
    """The configured minimum firmware of this model ("" when none is configured)."""
    return policy.min_firmware.get(f"{vendor}/{model}") or policy.min_firmware.get(model, "")


def security_findings(
    probe: DeviceProbe, evidence: SecurityEvidence, policy: SecurityPolicy
) -> list[Finding]:
    """The security checks (R16, Art. 18.2) of one probe."""
    out: list[Finding] = []
    if evidence.onvif_open:
        out.append(
            Finding(
                "onvif_no_auth", Severity.FAIL, "thiết bị trả lời lệnh ONVIF không cần xác thực"
            )
        )
    status = evidence.rtsp_status_without_auth
    if status is not None and 200 <= status < 300:
        out.append(Finding("rtsp_no_auth", Severity.FAIL, "luồng RTSP xem được không cần xác thực"))
    elif status is None:
        out.append(Finding("rtsp_unchecked", Severity.WARN, "không kiểm tra được luồng RTSP"))
    if evidence.default_credentials:
        out.append(
            Finding(
                "default_credentials",
                Severity.FAIL,
                f"thiết bị chấp nhận tài khoản mặc định của hãng ({evidence.default_credentials})",
            )
        )
    if not evidence.https:
        out.append(
            Finding(
                "plain_http",
                Severity.FAIL if policy.plain_http_fails else Severity.WARN,
                "quản trị thiết bị qua HTTP không mã hóa",
            )
        )
    drift = probe.clock_drift_s
    if drift is None:
        out.append(Finding("clock_unknown", Severity.WARN, "không đọc được đồng hồ thiết bị"))
    elif abs(drift) > policy.max_clock_drift_s:
        out.append(
            Finding(
                "clock_drift",
                Severity.FAIL,
                f"đồng hồ thiết bị lệch {drift:+.1f} giây (tối đa {policy.max_clock_drift_s:g})",
            )
        )
    minimum = min_firmware_for(policy, probe.vendor, probe.model)
    if minimum and version_tuple(probe.firmware) < version_tuple(minimum):
        out.append(
            Finding(
                "firmware_outdated",
                Severity.FAIL,
                f"firmware {probe.firmware} cũ hơn mức tối thiểu {minimum} của {probe.model}",
            )
        )
    return out


def measured_compliance(probe: DeviceProbe) -> list[str]:
    """Device requirement findings (R16) from what the device reports: H.265 on the main
    profile (every profile without H.265 is named), ONVIF >= 2.0."""
    issues: list[str] = []
    main = probe.main
    if main is None or main.encoder is None or main.encoder.codec != "hevc":
        issues.append("codec_not_h265")
    if not version_tuple(probe.onvif_version) or version_tuple(probe.onvif_version) < (2, 0):
        issues.append("onvif_below_2_0")
    return issues


def assessment_after_probe(current: Assessment, findings: Sequence[Finding]) -> Assessment:
    """A failure fails the camera (a police acceptance too: the device changed); no failure
    passes it, and an acceptance stays."""
    if any(f.severity is Severity.FAIL for f in findings):
        return Assessment.FAILED
    return Assessment.ACCEPTED if current is Assessment.ACCEPTED else Assessment.PASSED


def may_activate(assessment: Assessment) -> bool:
    """Whether a camera with this assessment may be commissioned when the gate is on."""
    return assessment in (Assessment.PASSED, Assessment.ACCEPTED)


# -- the stored document ----------------------------------------------------------------


def probe_document(probe: DeviceProbe) -> dict[str, Any]:
    """The probe as stored (JSON)."""
    doc = asdict(probe)
    doc["device_time"] = probe.device_time.isoformat() if probe.device_time else None
    return doc


def probe_from_document(doc: Mapping[str, Any]) -> DeviceProbe:
    """The stored JSON back as a :class:`DeviceProbe`."""
    profiles = tuple(
        Profile(
            token=p["token"],
            name=p.get("name", ""),
            encoder=Encoder(**p["encoder"]) if p.get("encoder") else None,
            stream_uri=p.get("stream_uri", ""),
        )
        for p in doc.get("profiles", ())
    )
    when = doc.get("device_time")
    return DeviceProbe(
        vendor=doc.get("vendor", ""),
        model=doc.get("model", ""),
        firmware=doc.get("firmware", ""),
        serial=doc.get("serial", ""),
        hardware_id=doc.get("hardware_id", ""),
        onvif_version=doc.get("onvif_version", ""),
        services=tuple((ns, v) for ns, v in doc.get("services", ())),
        profiles=profiles,
        device_time=dt.datetime.fromisoformat(when) if when else None,
        clock_drift_s=doc.get("clock_drift_s"),
        hostname=doc.get("hostname", ""),
        addresses=tuple(doc.get("addresses", ())),
        dhcp=bool(doc.get("dhcp", False)),
        ntp_servers=tuple(doc.get("ntp_servers", ())),
        ptz=bool(doc.get("ptz", False)),
    )


def findings_document(findings: Sequence[Finding]) -> list[dict[str, str]]:
    """Findings as stored (JSON)."""
    return [{"code": f.code, "severity": f.severity.value, "detail": f.detail} for f in findings]


def changes(before: DeviceProbe | None, after: DeviceProbe) -> list[str]:
    """What changed between two probes that the registry must be updated for: firmware,
    encoder settings, stream URIs (a first probe is no change)."""
    if before is None:
        return []
    out = []
    if before.firmware != after.firmware:
        out.append(f"firmware {before.firmware} → {after.firmware}")
    old = {p.token: p for p in before.profiles}
    for p in after.profiles:
        q = old.get(p.token)
        if q is None:
            out.append(f"profile {p.token} mới")
        elif q.encoder != p.encoder:
            out.append(f"cấu hình mã hóa của {p.token} đã đổi")
        elif q.stream_uri != p.stream_uri:
            out.append(f"địa chỉ luồng của {p.token} đã đổi")
    return out


def read_default_credentials(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The vendors' default accounts (JSON: lower-case vendor -> [[user, password], ...])."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        vendor.lower(): [(str(u), str(p)) for u, p in pairs]
        for vendor, pairs in data.items()
        if not vendor.startswith("_")
    }
