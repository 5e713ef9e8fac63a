"""The rules behind an ONVIF probe: codecs, versions, security findings, assessment, changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tncam_registry.app import DEFAULT_CREDENTIALS
from tncam_registry.clients.wsdiscovery import parse_match
from tncam_registry.domain import onvif as r

MAIN = r.Profile(
    "main", encoder=r.Encoder("hevc", 1920, 1080, 25, 4096, 50), stream_uri="rtsp://h/1"
)
SUB = r.Profile("sub", encoder=r.Encoder("h264", 640, 360, 15, 512), stream_uri="rtsp://h/2")
PROBE = r.DeviceProbe(
    vendor="Hikvision",
    model="DS-2CD2143G2-I",
    firmware="V5.7.3 build 220112",
    onvif_version="2.6",
    profiles=(SUB, MAIN),
    clock_drift_s=1.0,
)
SAFE = r.SecurityEvidence(https=True, onvif_open=False, rtsp_status_without_auth=401)


def codes(findings: list[r.Finding]) -> dict[str, str]:
    return {f.code: f.severity.value for f in findings}


def test_codec_names_versions_and_streams() -> None:
    assert [r.codec_name(x) for x in ("H265", "H.265", "HEVC", "H264", "JPEG")] == [
        "hevc",
        "hevc",
        "hevc",
        "h264",
        "mjpeg",
    ]
    assert r.version_tuple("V5.7.3 build 220112") == (5, 7, 3)
    assert r.version_tuple("") == ()
    services = [("http://www.onvif.org/ver10/device/wsdl", "2.6"), ("x/media/wsdl", "17.12")]
    assert r.onvif_version(services) == "2.6"
    assert PROBE.main is MAIN
    assert PROBE.sub is SUB


def test_a_secure_device_passes_and_each_weakness_is_flagged() -> None:
    policy = r.SecurityPolicy(min_firmware={"DS-2CD2143G2-I": "5.7.0"})
    assert r.security_findings(PROBE, SAFE, policy) == []
    bad = r.SecurityEvidence(
        onvif_open=True, rtsp_status_without_auth=200, default_credentials="admin"
    )
    drifted = r.DeviceProbe(model="DS-2CD2143G2-I", firmware="V5.5.0", clock_drift_s=-7.5)
    assert codes(r.security_findings(drifted, bad, policy)) == {
        "onvif_no_auth": "fail",
        "rtsp_no_auth": "fail",
        "default_credentials": "fail",
        "plain_http": "warn",
        "clock_drift": "fail",
        "firmware_outdated": "fail",
    }
    unknown = r.SecurityEvidence(https=False, onvif_open=False, rtsp_status_without_auth=None)
    strict = r.SecurityPolicy(plain_http_fails=True)
    assert codes(r.security_findings(r.DeviceProbe(), unknown, strict)) == {
        "rtsp_unchecked": "warn",
        "plain_http": "fail",
        "clock_unknown": "warn",
    }


def test_assessment_after_a_probe() -> None:
    fail = [r.Finding("clock_drift", r.Severity.FAIL, "")]
    warn = [r.Finding("plain_http", r.Severity.WARN, "")]
    assert r.assessment_after_probe(r.Assessment.NOT_ASSESSED, warn) is r.Assessment.PASSED
    assert r.assessment_after_probe(r.Assessment.ACCEPTED, warn) is r.Assessment.ACCEPTED
    assert r.assessment_after_probe(r.Assessment.ACCEPTED, fail) is r.Assessment.FAILED
    assert r.may_activate(r.Assessment.PASSED)
    assert not r.may_activate(r.Assessment.NOT_ASSESSED)


def test_measured_compliance_and_changes_and_the_stored_document() -> None:
    assert r.measured_compliance(PROBE) == []
    h264 = r.DeviceProbe(onvif_version="1.02", profiles=(SUB,))
    assert r.measured_compliance(h264) == ["codec_not_h265", "onvif_below_2_0"]
    later = r.DeviceProbe(
        firmware="V5.8.0",
        profiles=(
            SUB,
            r.Profile("main", encoder=r.Encoder("h264", 1920, 1080), stream_uri="rtsp://h/1"),
        ),
    )
    assert r.changes(None, PROBE) == []
    assert r.changes(PROBE, later) == [
        "firmware V5.7.3 build 220112 → V5.8.0",
        "cấu hình mã hóa của main đã đổi",
    ]
    timed = r.DeviceProbe(profiles=(MAIN,), device_time=dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    assert r.probe_from_document(r.probe_document(timed)) == timed


def test_shipped_default_accounts_and_a_discovery_answer() -> None:
    defaults = r.read_default_credentials(Path(DEFAULT_CREDENTIALS))
    assert ("admin", "12345") in defaults["hikvision"]
    assert "_comment" not in defaults
    answer = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        b'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:ProbeMatches>'
        b"<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:1</a:Address>"
        b"</a:EndpointReference><d:Scopes>onvif://www.onvif.org/name/X</d:Scopes>"
        b"<d:XAddrs>http://10.0.0.5/onvif/device_service</d:XAddrs></d:ProbeMatch>"
        b"</d:ProbeMatches></s:Body></s:Envelope>"
    )
    (found,) = parse_match(answer)
    assert found.endpoint == "urn:uuid:1"
    assert found.xaddrs == ("http://10.0.0.5/onvif/device_service",)
    assert parse_match(b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>") == []
    assert parse_match(b"not xml") == []
