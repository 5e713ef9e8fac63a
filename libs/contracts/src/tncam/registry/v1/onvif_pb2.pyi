import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OnvifEncoder(_message.Message):
    __slots__ = ("codec", "width", "height", "fps", "bitrate_kbps", "gop")
    CODEC_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    BITRATE_KBPS_FIELD_NUMBER: _ClassVar[int]
    GOP_FIELD_NUMBER: _ClassVar[int]
    codec: str
    width: int
    height: int
    fps: float
    bitrate_kbps: int
    gop: int
    def __init__(self, codec: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[float] = ..., bitrate_kbps: _Optional[int] = ..., gop: _Optional[int] = ...) -> None: ...

class OnvifProfile(_message.Message):
    __slots__ = ("token", "name", "encoder", "stream_uri")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENCODER_FIELD_NUMBER: _ClassVar[int]
    STREAM_URI_FIELD_NUMBER: _ClassVar[int]
    token: str
    name: str
    encoder: OnvifEncoder
    stream_uri: str
    def __init__(self, token: _Optional[str] = ..., name: _Optional[str] = ..., encoder: _Optional[_Union[OnvifEncoder, _Mapping]] = ..., stream_uri: _Optional[str] = ...) -> None: ...

class OnvifServiceVersion(_message.Message):
    __slots__ = ("namespace", "version")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    version: str
    def __init__(self, namespace: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class SecurityFinding(_message.Message):
    __slots__ = ("code", "severity", "detail")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    code: str
    severity: str
    detail: str
    def __init__(self, code: _Optional[str] = ..., severity: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class OnvifProbe(_message.Message):
    __slots__ = ("probed_at", "vendor", "model", "firmware", "serial", "hardware_id", "onvif_version", "services", "profiles", "device_time", "clock_drift_s", "clock_known", "hostname", "addresses", "dhcp", "ntp_servers", "ptz_supported", "findings", "measured_codec", "measured_resolution", "compliance_issues", "changes")
    PROBED_AT_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_ID_FIELD_NUMBER: _ClassVar[int]
    ONVIF_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOCK_DRIFT_S_FIELD_NUMBER: _ClassVar[int]
    CLOCK_KNOWN_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    DHCP_FIELD_NUMBER: _ClassVar[int]
    NTP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    PTZ_SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    MEASURED_CODEC_FIELD_NUMBER: _ClassVar[int]
    MEASURED_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_ISSUES_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    probed_at: _timestamp_pb2.Timestamp
    vendor: str
    model: str
    firmware: str
    serial: str
    hardware_id: str
    onvif_version: str
    services: _containers.RepeatedCompositeFieldContainer[OnvifServiceVersion]
    profiles: _containers.RepeatedCompositeFieldContainer[OnvifProfile]
    device_time: _timestamp_pb2.Timestamp
    clock_drift_s: float
    clock_known: bool
    hostname: str
    addresses: _containers.RepeatedScalarFieldContainer[str]
    dhcp: bool
    ntp_servers: _containers.RepeatedScalarFieldContainer[str]
    ptz_supported: bool
    findings: _containers.RepeatedCompositeFieldContainer[SecurityFinding]
    measured_codec: str
    measured_resolution: str
    compliance_issues: _containers.RepeatedScalarFieldContainer[str]
    changes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, probed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., vendor: _Optional[str] = ..., model: _Optional[str] = ..., firmware: _Optional[str] = ..., serial: _Optional[str] = ..., hardware_id: _Optional[str] = ..., onvif_version: _Optional[str] = ..., services: _Optional[_Iterable[_Union[OnvifServiceVersion, _Mapping]]] = ..., profiles: _Optional[_Iterable[_Union[OnvifProfile, _Mapping]]] = ..., device_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock_drift_s: _Optional[float] = ..., clock_known: _Optional[bool] = ..., hostname: _Optional[str] = ..., addresses: _Optional[_Iterable[str]] = ..., dhcp: _Optional[bool] = ..., ntp_servers: _Optional[_Iterable[str]] = ..., ptz_supported: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[SecurityFinding, _Mapping]]] = ..., measured_codec: _Optional[str] = ..., measured_resolution: _Optional[str] = ..., compliance_issues: _Optional[_Iterable[str]] = ..., changes: _Optional[_Iterable[str]] = ...) -> None: ...

class SecurityAssessment(_message.Message):
    __slots__ = ("status", "reasons", "document_number", "document_date", "assessed_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_AT_FIELD_NUMBER: _ClassVar[int]
    status: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    document_number: str
    document_date: str
    assessed_at: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., document_number: _Optional[str] = ..., document_date: _Optional[str] = ..., assessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PtzPreset(_message.Message):
    __slots__ = ("token", "name")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    token: str
    name: str
    def __init__(self, token: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DiscoveredDevice(_message.Message):
    __slots__ = ("xaddrs", "scopes", "endpoint")
    XADDRS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    xaddrs: _containers.RepeatedScalarFieldContainer[str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    endpoint: str
    def __init__(self, xaddrs: _Optional[_Iterable[str]] = ..., scopes: _Optional[_Iterable[str]] = ..., endpoint: _Optional[str] = ...) -> None: ...
