import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.audit.v1 import audit_event_pb2 as _audit_event_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogEntry(_message.Message):
    __slots__ = ("sequence", "appended_at", "event")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPENDED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    appended_at: _timestamp_pb2.Timestamp
    event: _audit_event_pb2.AuditEvent
    def __init__(self, sequence: _Optional[int] = ..., appended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event: _Optional[_Union[_audit_event_pb2.AuditEvent, _Mapping]] = ...) -> None: ...
