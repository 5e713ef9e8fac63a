import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CameraState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMERA_STATE_UNSPECIFIED: _ClassVar[CameraState]
    CAMERA_STATE_NEVER: _ClassVar[CameraState]
    CAMERA_STATE_CONNECTED: _ClassVar[CameraState]
    CAMERA_STATE_LOST: _ClassVar[CameraState]
    CAMERA_STATE_UNSTABLE: _ClassVar[CameraState]
CAMERA_STATE_UNSPECIFIED: CameraState
CAMERA_STATE_NEVER: CameraState
CAMERA_STATE_CONNECTED: CameraState
CAMERA_STATE_LOST: CameraState
CAMERA_STATE_UNSTABLE: CameraState

class CameraStateChanged(_message.Message):
    __slots__ = ("camera_id", "previous_state", "state", "changed_at", "reason", "detail", "transition_id", "commune_code", "site_kind", "owner_unit_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    SITE_KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    previous_state: CameraState
    state: CameraState
    changed_at: _timestamp_pb2.Timestamp
    reason: str
    detail: str
    transition_id: int
    commune_code: str
    site_kind: str
    owner_unit_id: str
    def __init__(self, camera_id: _Optional[str] = ..., previous_state: _Optional[_Union[CameraState, str]] = ..., state: _Optional[_Union[CameraState, str]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., transition_id: _Optional[int] = ..., commune_code: _Optional[str] = ..., site_kind: _Optional[str] = ..., owner_unit_id: _Optional[str] = ...) -> None: ...
