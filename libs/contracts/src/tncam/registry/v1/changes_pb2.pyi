import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_DEACTIVATE: _ClassVar[ChangeKind]
    CHANGE_KIND_UPDATE: _ClassVar[ChangeKind]

class ChangeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_STATUS_UNSPECIFIED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_PENDING: _ClassVar[ChangeStatus]
    CHANGE_STATUS_APPROVED: _ClassVar[ChangeStatus]
    CHANGE_STATUS_REJECTED: _ClassVar[ChangeStatus]
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_DEACTIVATE: ChangeKind
CHANGE_KIND_UPDATE: ChangeKind
CHANGE_STATUS_UNSPECIFIED: ChangeStatus
CHANGE_STATUS_PENDING: ChangeStatus
CHANGE_STATUS_APPROVED: ChangeStatus
CHANGE_STATUS_REJECTED: ChangeStatus

class CameraChangeRequest(_message.Message):
    __slots__ = ("id", "camera_id", "owner_unit_id", "kind", "status", "requested_by", "requested_by_name", "requested_at", "reason", "summary", "decided_by", "decided_at", "decision_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    camera_id: str
    owner_unit_id: str
    kind: ChangeKind
    status: ChangeStatus
    requested_by: str
    requested_by_name: str
    requested_at: _timestamp_pb2.Timestamp
    reason: str
    summary: _containers.RepeatedScalarFieldContainer[str]
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    decision_reason: str
    def __init__(self, id: _Optional[str] = ..., camera_id: _Optional[str] = ..., owner_unit_id: _Optional[str] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., status: _Optional[_Union[ChangeStatus, str]] = ..., requested_by: _Optional[str] = ..., requested_by_name: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., summary: _Optional[_Iterable[str]] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decision_reason: _Optional[str] = ...) -> None: ...

class ListCameraChangeRequestsRequest(_message.Message):
    __slots__ = ("actor", "status", "owner_unit_id", "camera_id", "limit")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OWNER_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    status: ChangeStatus
    owner_unit_id: str
    camera_id: str
    limit: int
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., status: _Optional[_Union[ChangeStatus, str]] = ..., owner_unit_id: _Optional[str] = ..., camera_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCameraChangeRequestsReply(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CameraChangeRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CameraChangeRequest, _Mapping]]] = ...) -> None: ...

class DecideCameraChangeRequest(_message.Message):
    __slots__ = ("actor", "id", "approve", "reason", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    id: str
    approve: bool
    reason: str
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., id: _Optional[str] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DecideCameraChangeReply(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: CameraChangeRequest
    def __init__(self, request: _Optional[_Union[CameraChangeRequest, _Mapping]] = ...) -> None: ...
