import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATE_UNSPECIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_CONNECTED: _ClassVar[ConnectionState]
    CONNECTION_STATE_DISCONNECTED: _ClassVar[ConnectionState]

class DisconnectReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISCONNECT_REASON_UNSPECIFIED: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_NONE: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_TIMEOUT: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_REFUSED: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_UNAUTHORIZED: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_NOT_FOUND: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_CODEC_MISMATCH: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_DECODE_ERROR: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_STREAM_ENDED: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_LEASE_RELEASED: _ClassVar[DisconnectReason]
    DISCONNECT_REASON_OTHER: _ClassVar[DisconnectReason]
CONNECTION_STATE_UNSPECIFIED: ConnectionState
CONNECTION_STATE_CONNECTED: ConnectionState
CONNECTION_STATE_DISCONNECTED: ConnectionState
DISCONNECT_REASON_UNSPECIFIED: DisconnectReason
DISCONNECT_REASON_NONE: DisconnectReason
DISCONNECT_REASON_TIMEOUT: DisconnectReason
DISCONNECT_REASON_REFUSED: DisconnectReason
DISCONNECT_REASON_UNAUTHORIZED: DisconnectReason
DISCONNECT_REASON_NOT_FOUND: DisconnectReason
DISCONNECT_REASON_CODEC_MISMATCH: DisconnectReason
DISCONNECT_REASON_DECODE_ERROR: DisconnectReason
DISCONNECT_REASON_STREAM_ENDED: DisconnectReason
DISCONNECT_REASON_LEASE_RELEASED: DisconnectReason
DISCONNECT_REASON_OTHER: DisconnectReason

class CameraStatusChanged(_message.Message):
    __slots__ = ("camera_id", "state", "reason", "detail", "worker_id", "observed_at", "session_id", "consecutive_failures", "last_packet_at")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    LAST_PACKET_AT_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    state: ConnectionState
    reason: DisconnectReason
    detail: str
    worker_id: str
    observed_at: _timestamp_pb2.Timestamp
    session_id: str
    consecutive_failures: int
    last_packet_at: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[str] = ..., state: _Optional[_Union[ConnectionState, str]] = ..., reason: _Optional[_Union[DisconnectReason, str]] = ..., detail: _Optional[str] = ..., worker_id: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., consecutive_failures: _Optional[int] = ..., last_packet_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
