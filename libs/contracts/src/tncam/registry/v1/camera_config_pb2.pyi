import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIG_CHANGE_UNSPECIFIED: _ClassVar[ConfigChange]
    CONFIG_CHANGE_UPSERTED: _ClassVar[ConfigChange]
    CONFIG_CHANGE_REMOVED: _ClassVar[ConfigChange]
CONFIG_CHANGE_UNSPECIFIED: ConfigChange
CONFIG_CHANGE_UPSERTED: ConfigChange
CONFIG_CHANGE_REMOVED: ConfigChange

class CameraIngestConfig(_message.Message):
    __slots__ = ("camera_id", "revision", "active", "rtsp_url", "credentials_ref", "expected_codec", "onvif_url", "rtsp_sub_url", "expected_resolution", "min_fps", "retention_days", "commune_code", "owner_unit_id", "sector_code", "site_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    RTSP_URL_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_REF_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CODEC_FIELD_NUMBER: _ClassVar[int]
    ONVIF_URL_FIELD_NUMBER: _ClassVar[int]
    RTSP_SUB_URL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MIN_FPS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SECTOR_CODE_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    revision: int
    active: bool
    rtsp_url: str
    credentials_ref: str
    expected_codec: str
    onvif_url: str
    rtsp_sub_url: str
    expected_resolution: str
    min_fps: float
    retention_days: int
    commune_code: str
    owner_unit_id: str
    sector_code: str
    site_id: str
    def __init__(self, camera_id: _Optional[str] = ..., revision: _Optional[int] = ..., active: _Optional[bool] = ..., rtsp_url: _Optional[str] = ..., credentials_ref: _Optional[str] = ..., expected_codec: _Optional[str] = ..., onvif_url: _Optional[str] = ..., rtsp_sub_url: _Optional[str] = ..., expected_resolution: _Optional[str] = ..., min_fps: _Optional[float] = ..., retention_days: _Optional[int] = ..., commune_code: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., sector_code: _Optional[str] = ..., site_id: _Optional[str] = ...) -> None: ...

class CameraConfigChanged(_message.Message):
    __slots__ = ("camera_id", "revision", "change", "config", "changed_at")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    revision: int
    change: ConfigChange
    config: CameraIngestConfig
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[str] = ..., revision: _Optional[int] = ..., change: _Optional[_Union[ConfigChange, str]] = ..., config: _Optional[_Union[CameraIngestConfig, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
