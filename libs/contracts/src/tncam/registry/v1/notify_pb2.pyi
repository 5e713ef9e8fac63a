import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WebhookTarget(_message.Message):
    __slots__ = ("url", "secret", "has_secret")
    URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    HAS_SECRET_FIELD_NUMBER: _ClassVar[int]
    url: str
    secret: str
    has_secret: bool
    def __init__(self, url: _Optional[str] = ..., secret: _Optional[str] = ..., has_secret: _Optional[bool] = ...) -> None: ...

class NotificationTargets(_message.Message):
    __slots__ = ("unit_id", "emails", "webhooks", "updated_at")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    emails: _containers.RepeatedScalarFieldContainer[str]
    webhooks: _containers.RepeatedCompositeFieldContainer[WebhookTarget]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, unit_id: _Optional[str] = ..., emails: _Optional[_Iterable[str]] = ..., webhooks: _Optional[_Iterable[_Union[WebhookTarget, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetNotificationTargetsRequest(_message.Message):
    __slots__ = ("actor", "unit_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    unit_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., unit_id: _Optional[str] = ...) -> None: ...

class SetNotificationTargetsRequest(_message.Message):
    __slots__ = ("actor", "request_id", "targets")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    request_id: str
    targets: NotificationTargets
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., request_id: _Optional[str] = ..., targets: _Optional[_Union[NotificationTargets, _Mapping]] = ...) -> None: ...

class NotificationTargetsReply(_message.Message):
    __slots__ = ("targets",)
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    targets: NotificationTargets
    def __init__(self, targets: _Optional[_Union[NotificationTargets, _Mapping]] = ...) -> None: ...

class Notice(_message.Message):
    __slots__ = ("id", "unit_id", "kind", "event_key", "channel", "recipient", "subject", "status", "attempts", "last_error", "created_at", "last_attempt_at", "sent_at", "camera_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    unit_id: str
    kind: str
    event_key: str
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: _timestamp_pb2.Timestamp
    last_attempt_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    camera_id: str
    def __init__(self, id: _Optional[str] = ..., unit_id: _Optional[str] = ..., kind: _Optional[str] = ..., event_key: _Optional[str] = ..., channel: _Optional[str] = ..., recipient: _Optional[str] = ..., subject: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., camera_id: _Optional[str] = ...) -> None: ...

class ListNoticesRequest(_message.Message):
    __slots__ = ("actor", "unit_id", "status", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    unit_id: str
    status: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., unit_id: _Optional[str] = ..., status: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNoticesReply(_message.Message):
    __slots__ = ("notices", "next_page_token")
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[Notice]
    next_page_token: str
    def __init__(self, notices: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
