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

class NoticeRecipient(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTICE_RECIPIENT_UNSPECIFIED: _ClassVar[NoticeRecipient]
    NOTICE_RECIPIENT_PROVINCIAL_POLICE: _ClassVar[NoticeRecipient]
    NOTICE_RECIPIENT_DOST: _ClassVar[NoticeRecipient]

class BreachStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BREACH_STATUS_UNSPECIFIED: _ClassVar[BreachStatus]
    BREACH_STATUS_OPEN: _ClassVar[BreachStatus]
    BREACH_STATUS_OVERDUE: _ClassVar[BreachStatus]
    BREACH_STATUS_NOTIFIED: _ClassVar[BreachStatus]
NOTICE_RECIPIENT_UNSPECIFIED: NoticeRecipient
NOTICE_RECIPIENT_PROVINCIAL_POLICE: NoticeRecipient
NOTICE_RECIPIENT_DOST: NoticeRecipient
BREACH_STATUS_UNSPECIFIED: BreachStatus
BREACH_STATUS_OPEN: BreachStatus
BREACH_STATUS_OVERDUE: BreachStatus
BREACH_STATUS_NOTIFIED: BreachStatus

class BreachNotice(_message.Message):
    __slots__ = ("notice_id", "recipient", "sent_at", "document_number", "channel", "recorded_by")
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    notice_id: str
    recipient: NoticeRecipient
    sent_at: _timestamp_pb2.Timestamp
    document_number: str
    channel: str
    recorded_by: _actor_pb2.Actor
    def __init__(self, notice_id: _Optional[str] = ..., recipient: _Optional[_Union[NoticeRecipient, str]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., document_number: _Optional[str] = ..., channel: _Optional[str] = ..., recorded_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class Breach(_message.Message):
    __slots__ = ("breach_id", "title", "description", "detected_at", "scope", "unit_ids", "camera_ids", "notice_deadline", "notices", "status", "recorded_by", "recorded_at")
    BREACH_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    breach_id: str
    title: str
    description: str
    detected_at: _timestamp_pb2.Timestamp
    scope: str
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    notice_deadline: _timestamp_pb2.Timestamp
    notices: _containers.RepeatedCompositeFieldContainer[BreachNotice]
    status: BreachStatus
    recorded_by: _actor_pb2.Actor
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, breach_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scope: _Optional[str] = ..., unit_ids: _Optional[_Iterable[str]] = ..., camera_ids: _Optional[_Iterable[str]] = ..., notice_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notices: _Optional[_Iterable[_Union[BreachNotice, _Mapping]]] = ..., status: _Optional[_Union[BreachStatus, str]] = ..., recorded_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordBreachRequest(_message.Message):
    __slots__ = ("breach_id", "title", "description", "detected_at", "scope", "unit_ids", "camera_ids", "recorded_by")
    BREACH_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    breach_id: str
    title: str
    description: str
    detected_at: _timestamp_pb2.Timestamp
    scope: str
    unit_ids: _containers.RepeatedScalarFieldContainer[str]
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    recorded_by: _actor_pb2.Actor
    def __init__(self, breach_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scope: _Optional[str] = ..., unit_ids: _Optional[_Iterable[str]] = ..., camera_ids: _Optional[_Iterable[str]] = ..., recorded_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class RecordBreachNoticeRequest(_message.Message):
    __slots__ = ("breach_id", "notice_id", "recipient", "sent_at", "document_number", "channel", "recorded_by")
    BREACH_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    breach_id: str
    notice_id: str
    recipient: NoticeRecipient
    sent_at: _timestamp_pb2.Timestamp
    document_number: str
    channel: str
    recorded_by: _actor_pb2.Actor
    def __init__(self, breach_id: _Optional[str] = ..., notice_id: _Optional[str] = ..., recipient: _Optional[_Union[NoticeRecipient, str]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., document_number: _Optional[str] = ..., channel: _Optional[str] = ..., recorded_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class BreachReply(_message.Message):
    __slots__ = ("breach",)
    BREACH_FIELD_NUMBER: _ClassVar[int]
    breach: Breach
    def __init__(self, breach: _Optional[_Union[Breach, _Mapping]] = ...) -> None: ...

class ListBreachesRequest(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: BreachStatus
    def __init__(self, status: _Optional[_Union[BreachStatus, str]] = ...) -> None: ...

class ListBreachesReply(_message.Message):
    __slots__ = ("breaches",)
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    breaches: _containers.RepeatedCompositeFieldContainer[Breach]
    def __init__(self, breaches: _Optional[_Iterable[_Union[Breach, _Mapping]]] = ...) -> None: ...
