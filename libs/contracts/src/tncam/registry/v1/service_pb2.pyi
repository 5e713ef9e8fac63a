import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from tncam.registry.v1 import camera_state_pb2 as _camera_state_pb2
from tncam.registry.v1 import changes_pb2 as _changes_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_FORMAT_UNSPECIFIED: _ClassVar[ImportFormat]
    IMPORT_FORMAT_CSV: _ClassVar[ImportFormat]
    IMPORT_FORMAT_XLSX: _ClassVar[ImportFormat]

class ReportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_FORMAT_UNSPECIFIED: _ClassVar[ReportFormat]
    REPORT_FORMAT_JSON: _ClassVar[ReportFormat]
    REPORT_FORMAT_CSV: _ClassVar[ReportFormat]
    REPORT_FORMAT_XLSX: _ClassVar[ReportFormat]
    REPORT_FORMAT_HTML: _ClassVar[ReportFormat]
    REPORT_FORMAT_PDF: _ClassVar[ReportFormat]
IMPORT_FORMAT_UNSPECIFIED: ImportFormat
IMPORT_FORMAT_CSV: ImportFormat
IMPORT_FORMAT_XLSX: ImportFormat
REPORT_FORMAT_UNSPECIFIED: ReportFormat
REPORT_FORMAT_JSON: ReportFormat
REPORT_FORMAT_CSV: ReportFormat
REPORT_FORMAT_XLSX: ReportFormat
REPORT_FORMAT_HTML: ReportFormat
REPORT_FORMAT_PDF: ReportFormat

class Camera(_message.Message):
    __slots__ = ("id", "name", "active", "revision", "site_id", "site_kind", "commune_code", "commune_name", "owner_unit_id", "sectors", "rtsp_url", "rtsp_sub_url", "onvif_url", "has_credentials", "vendor", "model", "firmware", "declared_codec", "resolution", "qcvn135_cert", "qcvn135_valid_until", "onvif_version", "installed_on", "retention_days", "latitude", "longitude", "location", "last_maintained_on", "compliance_issues", "state", "state_changed_at", "last_disconnect_reason", "measured_codec", "measured_resolution", "measured_fps", "measured_bitrate_bps", "quality", "min_fps", "created_at", "updated_at", "site_name", "site_notice_required", "site_notice_present", "site_notice_checked_on", "pending_change_id", "pending_change_kind")
    class PictureQuality(_message.Message):
        __slots__ = ("verdict", "flags", "fps", "bitrate_bps", "resolution", "codec", "last_good_at", "checked_at", "poor_since", "summary", "history")
        VERDICT_FIELD_NUMBER: _ClassVar[int]
        FLAGS_FIELD_NUMBER: _ClassVar[int]
        FPS_FIELD_NUMBER: _ClassVar[int]
        BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
        RESOLUTION_FIELD_NUMBER: _ClassVar[int]
        CODEC_FIELD_NUMBER: _ClassVar[int]
        LAST_GOOD_AT_FIELD_NUMBER: _ClassVar[int]
        CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
        POOR_SINCE_FIELD_NUMBER: _ClassVar[int]
        SUMMARY_FIELD_NUMBER: _ClassVar[int]
        HISTORY_FIELD_NUMBER: _ClassVar[int]
        verdict: str
        flags: _containers.RepeatedScalarFieldContainer[str]
        fps: float
        bitrate_bps: int
        resolution: str
        codec: str
        last_good_at: _timestamp_pb2.Timestamp
        checked_at: _timestamp_pb2.Timestamp
        poor_since: _timestamp_pb2.Timestamp
        summary: str
        history: _containers.RepeatedCompositeFieldContainer[CameraQualityCheck]
        def __init__(self, verdict: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., fps: _Optional[float] = ..., bitrate_bps: _Optional[int] = ..., resolution: _Optional[str] = ..., codec: _Optional[str] = ..., last_good_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., poor_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[str] = ..., history: _Optional[_Iterable[_Union[CameraQualityCheck, _Mapping]]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTORS_FIELD_NUMBER: _ClassVar[int]
    RTSP_URL_FIELD_NUMBER: _ClassVar[int]
    RTSP_SUB_URL_FIELD_NUMBER: _ClassVar[int]
    ONVIF_URL_FIELD_NUMBER: _ClassVar[int]
    HAS_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_FIELD_NUMBER: _ClassVar[int]
    DECLARED_CODEC_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    QCVN135_CERT_FIELD_NUMBER: _ClassVar[int]
    QCVN135_VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ONVIF_VERSION_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_ON_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    LAST_MAINTAINED_ON_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_ISSUES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_DISCONNECT_REASON_FIELD_NUMBER: _ClassVar[int]
    MEASURED_CODEC_FIELD_NUMBER: _ClassVar[int]
    MEASURED_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MEASURED_FPS_FIELD_NUMBER: _ClassVar[int]
    MEASURED_BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    MIN_FPS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SITE_NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_NOTICE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    SITE_NOTICE_PRESENT_FIELD_NUMBER: _ClassVar[int]
    SITE_NOTICE_CHECKED_ON_FIELD_NUMBER: _ClassVar[int]
    PENDING_CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    PENDING_CHANGE_KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    active: bool
    revision: int
    site_id: str
    site_kind: str
    commune_code: str
    commune_name: str
    owner_unit_id: str
    sectors: _containers.RepeatedScalarFieldContainer[str]
    rtsp_url: str
    rtsp_sub_url: str
    onvif_url: str
    has_credentials: bool
    vendor: str
    model: str
    firmware: str
    declared_codec: str
    resolution: str
    qcvn135_cert: str
    qcvn135_valid_until: str
    onvif_version: str
    installed_on: str
    retention_days: int
    latitude: float
    longitude: float
    location: str
    last_maintained_on: str
    compliance_issues: _containers.RepeatedScalarFieldContainer[str]
    state: _camera_state_pb2.CameraState
    state_changed_at: _timestamp_pb2.Timestamp
    last_disconnect_reason: str
    measured_codec: str
    measured_resolution: str
    measured_fps: float
    measured_bitrate_bps: int
    quality: Camera.PictureQuality
    min_fps: float
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    site_name: str
    site_notice_required: bool
    site_notice_present: bool
    site_notice_checked_on: str
    pending_change_id: str
    pending_change_kind: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., revision: _Optional[int] = ..., site_id: _Optional[str] = ..., site_kind: _Optional[str] = ..., commune_code: _Optional[str] = ..., commune_name: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., sectors: _Optional[_Iterable[str]] = ..., rtsp_url: _Optional[str] = ..., rtsp_sub_url: _Optional[str] = ..., onvif_url: _Optional[str] = ..., has_credentials: _Optional[bool] = ..., vendor: _Optional[str] = ..., model: _Optional[str] = ..., firmware: _Optional[str] = ..., declared_codec: _Optional[str] = ..., resolution: _Optional[str] = ..., qcvn135_cert: _Optional[str] = ..., qcvn135_valid_until: _Optional[str] = ..., onvif_version: _Optional[str] = ..., installed_on: _Optional[str] = ..., retention_days: _Optional[int] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., location: _Optional[str] = ..., last_maintained_on: _Optional[str] = ..., compliance_issues: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[_camera_state_pb2.CameraState, str]] = ..., state_changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_disconnect_reason: _Optional[str] = ..., measured_codec: _Optional[str] = ..., measured_resolution: _Optional[str] = ..., measured_fps: _Optional[float] = ..., measured_bitrate_bps: _Optional[int] = ..., quality: _Optional[_Union[Camera.PictureQuality, _Mapping]] = ..., min_fps: _Optional[float] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., site_name: _Optional[str] = ..., site_notice_required: _Optional[bool] = ..., site_notice_present: _Optional[bool] = ..., site_notice_checked_on: _Optional[str] = ..., pending_change_id: _Optional[str] = ..., pending_change_kind: _Optional[str] = ...) -> None: ...

class CameraQualityCheck(_message.Message):
    __slots__ = ("at", "flags", "fps", "bitrate_bps", "resolution", "codec")
    AT_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    flags: _containers.RepeatedScalarFieldContainer[str]
    fps: float
    bitrate_bps: int
    resolution: str
    codec: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., flags: _Optional[_Iterable[str]] = ..., fps: _Optional[float] = ..., bitrate_bps: _Optional[int] = ..., resolution: _Optional[str] = ..., codec: _Optional[str] = ...) -> None: ...

class CameraFields(_message.Message):
    __slots__ = ("name", "commune_code", "site_kind", "site_id", "owner_unit_id", "sectors", "rtsp_url", "rtsp_sub_url", "onvif_url", "vendor", "model", "firmware", "declared_codec", "resolution", "qcvn135_cert", "qcvn135_valid_until", "onvif_version", "installed_on", "retention_days", "latitude", "longitude", "location", "min_fps")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTORS_FIELD_NUMBER: _ClassVar[int]
    RTSP_URL_FIELD_NUMBER: _ClassVar[int]
    RTSP_SUB_URL_FIELD_NUMBER: _ClassVar[int]
    ONVIF_URL_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_FIELD_NUMBER: _ClassVar[int]
    DECLARED_CODEC_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    QCVN135_CERT_FIELD_NUMBER: _ClassVar[int]
    QCVN135_VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ONVIF_VERSION_FIELD_NUMBER: _ClassVar[int]
    INSTALLED_ON_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MIN_FPS_FIELD_NUMBER: _ClassVar[int]
    name: str
    commune_code: str
    site_kind: str
    site_id: str
    owner_unit_id: str
    sectors: _containers.RepeatedScalarFieldContainer[str]
    rtsp_url: str
    rtsp_sub_url: str
    onvif_url: str
    vendor: str
    model: str
    firmware: str
    declared_codec: str
    resolution: str
    qcvn135_cert: str
    qcvn135_valid_until: str
    onvif_version: str
    installed_on: str
    retention_days: int
    latitude: float
    longitude: float
    location: str
    min_fps: float
    def __init__(self, name: _Optional[str] = ..., commune_code: _Optional[str] = ..., site_kind: _Optional[str] = ..., site_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., sectors: _Optional[_Iterable[str]] = ..., rtsp_url: _Optional[str] = ..., rtsp_sub_url: _Optional[str] = ..., onvif_url: _Optional[str] = ..., vendor: _Optional[str] = ..., model: _Optional[str] = ..., firmware: _Optional[str] = ..., declared_codec: _Optional[str] = ..., resolution: _Optional[str] = ..., qcvn135_cert: _Optional[str] = ..., qcvn135_valid_until: _Optional[str] = ..., onvif_version: _Optional[str] = ..., installed_on: _Optional[str] = ..., retention_days: _Optional[int] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., location: _Optional[str] = ..., min_fps: _Optional[float] = ...) -> None: ...

class CameraCredentials(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class CreateCameraRequest(_message.Message):
    __slots__ = ("actor", "id", "fields", "credentials", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    fields: CameraFields
    credentials: CameraCredentials
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., fields: _Optional[_Union[CameraFields, _Mapping]] = ..., credentials: _Optional[_Union[CameraCredentials, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCameraReply(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class UpdateCameraRequest(_message.Message):
    __slots__ = ("actor", "id", "fields", "update_mask", "set_credentials", "credentials", "expected_revision", "changed_on", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    SET_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    fields: CameraFields
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    set_credentials: bool
    credentials: CameraCredentials
    expected_revision: int
    changed_on: str
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., fields: _Optional[_Union[CameraFields, _Mapping]] = ..., update_mask: _Optional[_Iterable[str]] = ..., set_credentials: _Optional[bool] = ..., credentials: _Optional[_Union[CameraCredentials, _Mapping]] = ..., expected_revision: _Optional[int] = ..., changed_on: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateCameraReply(_message.Message):
    __slots__ = ("camera", "change_request")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    change_request: _changes_pb2.CameraChangeRequest
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ..., change_request: _Optional[_Union[_changes_pb2.CameraChangeRequest, _Mapping]] = ...) -> None: ...

class DeactivateCameraRequest(_message.Message):
    __slots__ = ("actor", "id", "reason", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    reason: str
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeactivateCameraReply(_message.Message):
    __slots__ = ("camera", "change_request")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    change_request: _changes_pb2.CameraChangeRequest
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ..., change_request: _Optional[_Union[_changes_pb2.CameraChangeRequest, _Mapping]] = ...) -> None: ...

class GetCameraRequest(_message.Message):
    __slots__ = ("actor", "id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class GetCameraReply(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class ListCamerasRequest(_message.Message):
    __slots__ = ("actor", "commune_codes", "owner_unit_id", "sector", "site_kinds", "states", "include_inactive", "text", "page_size", "page_token", "qualities", "quality_flags")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODES_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    SITE_KINDS_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUALITIES_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FLAGS_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    commune_codes: _containers.RepeatedScalarFieldContainer[str]
    owner_unit_id: str
    sector: str
    site_kinds: _containers.RepeatedScalarFieldContainer[str]
    states: _containers.RepeatedScalarFieldContainer[_camera_state_pb2.CameraState]
    include_inactive: bool
    text: str
    page_size: int
    page_token: str
    qualities: _containers.RepeatedScalarFieldContainer[str]
    quality_flags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., commune_codes: _Optional[_Iterable[str]] = ..., owner_unit_id: _Optional[str] = ..., sector: _Optional[str] = ..., site_kinds: _Optional[_Iterable[str]] = ..., states: _Optional[_Iterable[_Union[_camera_state_pb2.CameraState, str]]] = ..., include_inactive: _Optional[bool] = ..., text: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., qualities: _Optional[_Iterable[str]] = ..., quality_flags: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCamerasReply(_message.Message):
    __slots__ = ("cameras", "next_page_token", "total_size")
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    cameras: _containers.RepeatedCompositeFieldContainer[Camera]
    next_page_token: str
    total_size: int
    def __init__(self, cameras: _Optional[_Iterable[_Union[Camera, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ImportCamerasRequest(_message.Message):
    __slots__ = ("actor", "filename", "content", "format", "dry_run", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    filename: str
    content: bytes
    format: ImportFormat
    dry_run: bool
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., filename: _Optional[str] = ..., content: _Optional[bytes] = ..., format: _Optional[_Union[ImportFormat, str]] = ..., dry_run: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class ImportError(_message.Message):
    __slots__ = ("row", "column", "code", "message")
    ROW_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    row: int
    column: str
    code: str
    message: str
    def __init__(self, row: _Optional[int] = ..., column: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ImportCamerasReply(_message.Message):
    __slots__ = ("accepted", "rows", "created", "updated", "unchanged", "errors")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: _containers.RepeatedCompositeFieldContainer[ImportError]
    def __init__(self, accepted: _Optional[bool] = ..., rows: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., unchanged: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[ImportError, _Mapping]]] = ...) -> None: ...

class GetConnectionReportRequest(_message.Message):
    __slots__ = ("actor", "format", "request_id", "as_of", "unit_id", "sector")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    format: ReportFormat
    request_id: str
    as_of: _timestamp_pb2.Timestamp
    unit_id: str
    sector: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., format: _Optional[_Union[ReportFormat, str]] = ..., request_id: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unit_id: _Optional[str] = ..., sector: _Optional[str] = ...) -> None: ...

class ReportCell(_message.Message):
    __slots__ = ("text", "cameras", "connected", "lost", "never", "unstable", "parts")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    NEVER_FIELD_NUMBER: _ClassVar[int]
    UNSTABLE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    text: str
    cameras: int
    connected: int
    lost: int
    never: int
    unstable: int
    parts: _containers.RepeatedCompositeFieldContainer[ReportCellPart]
    def __init__(self, text: _Optional[str] = ..., cameras: _Optional[int] = ..., connected: _Optional[int] = ..., lost: _Optional[int] = ..., never: _Optional[int] = ..., unstable: _Optional[int] = ..., parts: _Optional[_Iterable[_Union[ReportCellPart, _Mapping]]] = ...) -> None: ...

class ReportCellPart(_message.Message):
    __slots__ = ("site_kind", "text", "cameras", "connected", "lost", "never", "unstable")
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    NEVER_FIELD_NUMBER: _ClassVar[int]
    UNSTABLE_FIELD_NUMBER: _ClassVar[int]
    site_kind: str
    text: str
    cameras: int
    connected: int
    lost: int
    never: int
    unstable: int
    def __init__(self, site_kind: _Optional[str] = ..., text: _Optional[str] = ..., cameras: _Optional[int] = ..., connected: _Optional[int] = ..., lost: _Optional[int] = ..., never: _Optional[int] = ..., unstable: _Optional[int] = ...) -> None: ...

class ReportUnitRow(_message.Message):
    __slots__ = ("number", "unit_id", "unit_name", "unit_kind", "cameras", "note")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_KIND_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    number: int
    unit_id: str
    unit_name: str
    unit_kind: str
    cameras: ReportCell
    note: str
    def __init__(self, number: _Optional[int] = ..., unit_id: _Optional[str] = ..., unit_name: _Optional[str] = ..., unit_kind: _Optional[str] = ..., cameras: _Optional[_Union[ReportCell, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class ReportRow(_message.Message):
    __slots__ = ("number", "commune_code", "commune_name", "service_center", "committee_hq", "square", "note", "generated_note", "note_by", "note_at")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CENTER_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_HQ_FIELD_NUMBER: _ClassVar[int]
    SQUARE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    GENERATED_NOTE_FIELD_NUMBER: _ClassVar[int]
    NOTE_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_AT_FIELD_NUMBER: _ClassVar[int]
    number: int
    commune_code: str
    commune_name: str
    service_center: ReportCell
    committee_hq: ReportCell
    square: ReportCell
    note: str
    generated_note: str
    note_by: str
    note_at: _timestamp_pb2.Timestamp
    def __init__(self, number: _Optional[int] = ..., commune_code: _Optional[str] = ..., commune_name: _Optional[str] = ..., service_center: _Optional[_Union[ReportCell, _Mapping]] = ..., committee_hq: _Optional[_Union[ReportCell, _Mapping]] = ..., square: _Optional[_Union[ReportCell, _Mapping]] = ..., note: _Optional[str] = ..., generated_note: _Optional[str] = ..., note_by: _Optional[str] = ..., note_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConnectionReport(_message.Message):
    __slots__ = ("generated_at", "rows", "totals", "completed", "not_completed", "unstable", "service_centers", "departments", "as_of", "scope", "quality")
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    NOT_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    UNSTABLE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CENTERS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENTS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    generated_at: _timestamp_pb2.Timestamp
    rows: _containers.RepeatedCompositeFieldContainer[ReportRow]
    totals: _containers.RepeatedScalarFieldContainer[str]
    completed: _containers.RepeatedScalarFieldContainer[str]
    not_completed: _containers.RepeatedScalarFieldContainer[str]
    unstable: _containers.RepeatedScalarFieldContainer[str]
    service_centers: _containers.RepeatedCompositeFieldContainer[ReportUnitRow]
    departments: _containers.RepeatedCompositeFieldContainer[ReportUnitRow]
    as_of: _timestamp_pb2.Timestamp
    scope: str
    quality: _containers.RepeatedCompositeFieldContainer[ReportQualityEntry]
    def __init__(self, generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[ReportRow, _Mapping]]] = ..., totals: _Optional[_Iterable[str]] = ..., completed: _Optional[_Iterable[str]] = ..., not_completed: _Optional[_Iterable[str]] = ..., unstable: _Optional[_Iterable[str]] = ..., service_centers: _Optional[_Iterable[_Union[ReportUnitRow, _Mapping]]] = ..., departments: _Optional[_Iterable[_Union[ReportUnitRow, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scope: _Optional[str] = ..., quality: _Optional[_Iterable[_Union[ReportQualityEntry, _Mapping]]] = ...) -> None: ...

class ReportQualityEntry(_message.Message):
    __slots__ = ("commune_code", "commune_name", "camera_id", "camera_name", "site_kind", "flags", "text", "poor_since")
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_NAME_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    POOR_SINCE_FIELD_NUMBER: _ClassVar[int]
    commune_code: str
    commune_name: str
    camera_id: str
    camera_name: str
    site_kind: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    text: str
    poor_since: _timestamp_pb2.Timestamp
    def __init__(self, commune_code: _Optional[str] = ..., commune_name: _Optional[str] = ..., camera_id: _Optional[str] = ..., camera_name: _Optional[str] = ..., site_kind: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ..., poor_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetReportNoteRequest(_message.Message):
    __slots__ = ("actor", "commune_code", "text", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    commune_code: str
    text: str
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., commune_code: _Optional[str] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetReportNoteReply(_message.Message):
    __slots__ = ("commune_code", "text", "updated_by", "updated_at")
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    commune_code: str
    text: str
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, commune_code: _Optional[str] = ..., text: _Optional[str] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetConnectionReportReply(_message.Message):
    __slots__ = ("report", "document", "content_type", "filename")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    report: ConnectionReport
    document: bytes
    content_type: str
    filename: str
    def __init__(self, report: _Optional[_Union[ConnectionReport, _Mapping]] = ..., document: _Optional[bytes] = ..., content_type: _Optional[str] = ..., filename: _Optional[str] = ...) -> None: ...

class ListOverdueDeadlinesRequest(_message.Message):
    __slots__ = ("actor", "as_of", "kinds", "upcoming_days", "owner_unit_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_DAYS_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    as_of: str
    kinds: _containers.RepeatedScalarFieldContainer[str]
    upcoming_days: int
    owner_unit_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., as_of: _Optional[str] = ..., kinds: _Optional[_Iterable[str]] = ..., upcoming_days: _Optional[int] = ..., owner_unit_id: _Optional[str] = ...) -> None: ...

class Deadline(_message.Message):
    __slots__ = ("kind", "camera_id", "owner_unit_id", "commune_code", "due_on", "days_overdue", "ticket_id", "detail", "upcoming", "days_until")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_FIELD_NUMBER: _ClassVar[int]
    DAYS_UNTIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    camera_id: str
    owner_unit_id: str
    commune_code: str
    due_on: str
    days_overdue: int
    ticket_id: str
    detail: str
    upcoming: bool
    days_until: int
    def __init__(self, kind: _Optional[str] = ..., camera_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., commune_code: _Optional[str] = ..., due_on: _Optional[str] = ..., days_overdue: _Optional[int] = ..., ticket_id: _Optional[str] = ..., detail: _Optional[str] = ..., upcoming: _Optional[bool] = ..., days_until: _Optional[int] = ...) -> None: ...

class ListOverdueDeadlinesReply(_message.Message):
    __slots__ = ("deadlines",)
    DEADLINES_FIELD_NUMBER: _ClassVar[int]
    deadlines: _containers.RepeatedCompositeFieldContainer[Deadline]
    def __init__(self, deadlines: _Optional[_Iterable[_Union[Deadline, _Mapping]]] = ...) -> None: ...

class RecordMaintenanceRequest(_message.Message):
    __slots__ = ("actor", "camera_id", "done_on", "request_id", "note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    DONE_ON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    camera_id: str
    done_on: str
    request_id: str
    note: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., camera_id: _Optional[str] = ..., done_on: _Optional[str] = ..., request_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordMaintenanceReply(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class RecordConnectionNeedsRequest(_message.Message):
    __slots__ = ("actor", "unit_id", "year", "needs", "request_id", "cameras", "sites", "budget_note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    unit_id: str
    year: int
    needs: str
    request_id: str
    cameras: _containers.RepeatedCompositeFieldContainer[NeededCamera]
    sites: _containers.RepeatedCompositeFieldContainer[NeededSite]
    budget_note: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., unit_id: _Optional[str] = ..., year: _Optional[int] = ..., needs: _Optional[str] = ..., request_id: _Optional[str] = ..., cameras: _Optional[_Iterable[_Union[NeededCamera, _Mapping]]] = ..., sites: _Optional[_Iterable[_Union[NeededSite, _Mapping]]] = ..., budget_note: _Optional[str] = ...) -> None: ...

class NeededCamera(_message.Message):
    __slots__ = ("commune_code", "site_kind", "site_id", "count", "note")
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    commune_code: str
    site_kind: str
    site_id: str
    count: int
    note: str
    def __init__(self, commune_code: _Optional[str] = ..., site_kind: _Optional[str] = ..., site_id: _Optional[str] = ..., count: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class NeededSite(_message.Message):
    __slots__ = ("name", "commune_code", "site_kind", "address")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    name: str
    commune_code: str
    site_kind: str
    address: str
    def __init__(self, name: _Optional[str] = ..., commune_code: _Optional[str] = ..., site_kind: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class ConnectionNeedsRecord(_message.Message):
    __slots__ = ("unit_id", "unit_name", "year", "cameras", "sites", "budget_note", "needs", "recorded_at", "recorded_by", "on_time")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    SITES_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NOTE_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    unit_name: str
    year: int
    cameras: _containers.RepeatedCompositeFieldContainer[NeededCamera]
    sites: _containers.RepeatedCompositeFieldContainer[NeededSite]
    budget_note: str
    needs: str
    recorded_at: _timestamp_pb2.Timestamp
    recorded_by: str
    on_time: bool
    def __init__(self, unit_id: _Optional[str] = ..., unit_name: _Optional[str] = ..., year: _Optional[int] = ..., cameras: _Optional[_Iterable[_Union[NeededCamera, _Mapping]]] = ..., sites: _Optional[_Iterable[_Union[NeededSite, _Mapping]]] = ..., budget_note: _Optional[str] = ..., needs: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ..., on_time: _Optional[bool] = ...) -> None: ...

class ListConnectionNeedsRequest(_message.Message):
    __slots__ = ("actor", "year", "unit_id", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    year: int
    unit_id: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., year: _Optional[int] = ..., unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectionNeedsReply(_message.Message):
    __slots__ = ("needs", "next_page_token", "total_size", "missing_unit_ids")
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    MISSING_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    needs: _containers.RepeatedCompositeFieldContainer[ConnectionNeedsRecord]
    next_page_token: str
    total_size: int
    missing_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, needs: _Optional[_Iterable[_Union[ConnectionNeedsRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., missing_unit_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MaintenanceRecord(_message.Message):
    __slots__ = ("id", "camera_id", "owner_unit_id", "done_on", "note", "recorded_at", "recorded_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    DONE_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    camera_id: str
    owner_unit_id: str
    done_on: str
    note: str
    recorded_at: _timestamp_pb2.Timestamp
    recorded_by: str
    def __init__(self, id: _Optional[str] = ..., camera_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., done_on: _Optional[str] = ..., note: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class ListMaintenanceRecordsRequest(_message.Message):
    __slots__ = ("actor", "camera_id", "owner_unit_id", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    camera_id: str
    owner_unit_id: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., camera_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMaintenanceRecordsReply(_message.Message):
    __slots__ = ("records", "next_page_token", "total_size")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[MaintenanceRecord]
    next_page_token: str
    total_size: int
    def __init__(self, records: _Optional[_Iterable[_Union[MaintenanceRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class RecordConnectionNeedsReply(_message.Message):
    __slots__ = ("unit_id", "year", "recorded_at", "on_time")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    year: int
    recorded_at: _timestamp_pb2.Timestamp
    on_time: bool
    def __init__(self, unit_id: _Optional[str] = ..., year: _Optional[int] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., on_time: _Optional[bool] = ...) -> None: ...

class GetCameraHistoryRequest(_message.Message):
    __slots__ = ("actor", "camera_id", "days")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    camera_id: str
    days: int
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., camera_id: _Optional[str] = ..., days: _Optional[int] = ...) -> None: ...

class StateTransition(_message.Message):
    __slots__ = ("id", "at", "previous_state", "state", "reason", "detail")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    id: int
    at: _timestamp_pb2.Timestamp
    previous_state: _camera_state_pb2.CameraState
    state: _camera_state_pb2.CameraState
    reason: str
    detail: str
    def __init__(self, id: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_state: _Optional[_Union[_camera_state_pb2.CameraState, str]] = ..., state: _Optional[_Union[_camera_state_pb2.CameraState, str]] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class DailyUptime(_message.Message):
    __slots__ = ("day", "uptime", "observed_s", "disconnects")
    DAY_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_S_FIELD_NUMBER: _ClassVar[int]
    DISCONNECTS_FIELD_NUMBER: _ClassVar[int]
    day: str
    uptime: float
    observed_s: float
    disconnects: int
    def __init__(self, day: _Optional[str] = ..., uptime: _Optional[float] = ..., observed_s: _Optional[float] = ..., disconnects: _Optional[int] = ...) -> None: ...

class FaultTicket(_message.Message):
    __slots__ = ("id", "camera_id", "detected_at", "opened_at", "due_on", "closed_at", "close_reason", "acknowledged_at", "acknowledged_by", "cause", "closed_by", "notes", "owner_unit_id", "commune_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    id: str
    camera_id: str
    detected_at: _timestamp_pb2.Timestamp
    opened_at: _timestamp_pb2.Timestamp
    due_on: str
    closed_at: _timestamp_pb2.Timestamp
    close_reason: str
    acknowledged_at: _timestamp_pb2.Timestamp
    acknowledged_by: str
    cause: str
    closed_by: str
    notes: _containers.RepeatedCompositeFieldContainer[FaultTicketNote]
    owner_unit_id: str
    commune_code: str
    def __init__(self, id: _Optional[str] = ..., camera_id: _Optional[str] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_on: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_reason: _Optional[str] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledged_by: _Optional[str] = ..., cause: _Optional[str] = ..., closed_by: _Optional[str] = ..., notes: _Optional[_Iterable[_Union[FaultTicketNote, _Mapping]]] = ..., owner_unit_id: _Optional[str] = ..., commune_code: _Optional[str] = ...) -> None: ...

class FaultTicketNote(_message.Message):
    __slots__ = ("at", "author", "text")
    AT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    author: str
    text: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., author: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ListFaultTicketsRequest(_message.Message):
    __slots__ = ("actor", "camera_id", "owner_unit_id", "open_only", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    camera_id: str
    owner_unit_id: str
    open_only: bool
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., camera_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., open_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFaultTicketsReply(_message.Message):
    __slots__ = ("tickets", "next_page_token", "total_size")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[FaultTicket]
    next_page_token: str
    total_size: int
    def __init__(self, tickets: _Optional[_Iterable[_Union[FaultTicket, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class FaultTicketActionRequest(_message.Message):
    __slots__ = ("actor", "ticket_id", "note", "cause", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    ticket_id: str
    note: str
    cause: str
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., ticket_id: _Optional[str] = ..., note: _Optional[str] = ..., cause: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class FaultTicketReply(_message.Message):
    __slots__ = ("ticket",)
    TICKET_FIELD_NUMBER: _ClassVar[int]
    ticket: FaultTicket
    def __init__(self, ticket: _Optional[_Union[FaultTicket, _Mapping]] = ...) -> None: ...

class GetCameraHistoryReply(_message.Message):
    __slots__ = ("transitions", "uptime", "tickets")
    TRANSITIONS_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    transitions: _containers.RepeatedCompositeFieldContainer[StateTransition]
    uptime: _containers.RepeatedCompositeFieldContainer[DailyUptime]
    tickets: _containers.RepeatedCompositeFieldContainer[FaultTicket]
    def __init__(self, transitions: _Optional[_Iterable[_Union[StateTransition, _Mapping]]] = ..., uptime: _Optional[_Iterable[_Union[DailyUptime, _Mapping]]] = ..., tickets: _Optional[_Iterable[_Union[FaultTicket, _Mapping]]] = ...) -> None: ...

class ListUnitsRequest(_message.Message):
    __slots__ = ("actor",)
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class Unit(_message.Message):
    __slots__ = ("id", "name", "kind", "commune_code", "sector_code", "leader", "it_focal", "active", "revision")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    SECTOR_CODE_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    IT_FOCAL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: str
    commune_code: str
    sector_code: str
    leader: UnitContact
    it_focal: UnitContact
    active: bool
    revision: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., commune_code: _Optional[str] = ..., sector_code: _Optional[str] = ..., leader: _Optional[_Union[UnitContact, _Mapping]] = ..., it_focal: _Optional[_Union[UnitContact, _Mapping]] = ..., active: _Optional[bool] = ..., revision: _Optional[int] = ...) -> None: ...

class UnitContact(_message.Message):
    __slots__ = ("name", "position", "phone", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: str
    phone: str
    email: str
    def __init__(self, name: _Optional[str] = ..., position: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class CreateUnitRequest(_message.Message):
    __slots__ = ("actor", "unit", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    unit: Unit
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., unit: _Optional[_Union[Unit, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateUnitRequest(_message.Message):
    __slots__ = ("actor", "id", "unit", "update_mask", "expected_revision", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    unit: Unit
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    expected_revision: int
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., unit: _Optional[_Union[Unit, _Mapping]] = ..., update_mask: _Optional[_Iterable[str]] = ..., expected_revision: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class UnitReply(_message.Message):
    __slots__ = ("unit",)
    UNIT_FIELD_NUMBER: _ClassVar[int]
    unit: Unit
    def __init__(self, unit: _Optional[_Union[Unit, _Mapping]] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("id", "name", "kind", "commune_code", "commune_name", "unit_id", "address", "notice_required", "notice_present", "notice_checked_on", "cameras")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    NOTICE_PRESENT_FIELD_NUMBER: _ClassVar[int]
    NOTICE_CHECKED_ON_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: str
    commune_code: str
    commune_name: str
    unit_id: str
    address: str
    notice_required: bool
    notice_present: bool
    notice_checked_on: str
    cameras: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., commune_code: _Optional[str] = ..., commune_name: _Optional[str] = ..., unit_id: _Optional[str] = ..., address: _Optional[str] = ..., notice_required: _Optional[bool] = ..., notice_present: _Optional[bool] = ..., notice_checked_on: _Optional[str] = ..., cameras: _Optional[int] = ...) -> None: ...

class ListSitesRequest(_message.Message):
    __slots__ = ("actor", "commune_code", "unit_id", "notice_missing", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_MISSING_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    commune_code: str
    unit_id: str
    notice_missing: bool
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., commune_code: _Optional[str] = ..., unit_id: _Optional[str] = ..., notice_missing: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSitesReply(_message.Message):
    __slots__ = ("sites", "next_page_token", "total_size")
    SITES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    sites: _containers.RepeatedCompositeFieldContainer[Site]
    next_page_token: str
    total_size: int
    def __init__(self, sites: _Optional[_Iterable[_Union[Site, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class CreateSiteRequest(_message.Message):
    __slots__ = ("actor", "site", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    site: Site
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateSiteRequest(_message.Message):
    __slots__ = ("actor", "id", "site", "update_mask", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    site: Site
    update_mask: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., update_mask: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SiteReply(_message.Message):
    __slots__ = ("site",)
    SITE_FIELD_NUMBER: _ClassVar[int]
    site: Site
    def __init__(self, site: _Optional[_Union[Site, _Mapping]] = ...) -> None: ...

class Sector(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListUnitsReply(_message.Message):
    __slots__ = ("units", "sectors")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    SECTORS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    sectors: _containers.RepeatedCompositeFieldContainer[Sector]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ..., sectors: _Optional[_Iterable[_Union[Sector, _Mapping]]] = ...) -> None: ...
