import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.audit.v1 import audit_event_pb2 as _audit_event_pb2
from tncam.audit.v1 import log_entry_pb2 as _log_entry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_VIEW_UNSPECIFIED: _ClassVar[LogView]
    LOG_VIEW_ALL: _ClassVar[LogView]
    LOG_VIEW_PROCESSING: _ClassVar[LogView]
    LOG_VIEW_EXTRACTION: _ClassVar[LogView]
LOG_VIEW_UNSPECIFIED: LogView
LOG_VIEW_ALL: LogView
LOG_VIEW_PROCESSING: LogView
LOG_VIEW_EXTRACTION: LogView

class LogFilter(_message.Message):
    __slots__ = ("actor_id", "actor_unit_id", "unit_id", "camera_id", "action", "purpose_code", "since", "until", "outcome", "source_service", "view")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    actor_unit_id: str
    unit_id: str
    camera_id: str
    action: str
    purpose_code: _audit_event_pb2.PurposeCode
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    outcome: _audit_event_pb2.Outcome
    source_service: str
    view: LogView
    def __init__(self, actor_id: _Optional[str] = ..., actor_unit_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., camera_id: _Optional[str] = ..., action: _Optional[str] = ..., purpose_code: _Optional[_Union[_audit_event_pb2.PurposeCode, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[_audit_event_pb2.Outcome, str]] = ..., source_service: _Optional[str] = ..., view: _Optional[_Union[LogView, str]] = ...) -> None: ...

class QueryLogRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token", "newest_first")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    filter: LogFilter
    page_size: int
    page_token: str
    newest_first: bool
    def __init__(self, filter: _Optional[_Union[LogFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., newest_first: _Optional[bool] = ...) -> None: ...

class QueryLogReply(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_log_entry_pb2.LogEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_log_entry_pb2.LogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExportLogCsvRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: LogFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[LogFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ExportLogCsvReply(_message.Message):
    __slots__ = ("csv", "rows", "next_page_token")
    CSV_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    csv: bytes
    rows: int
    next_page_token: str
    def __init__(self, csv: _Optional[bytes] = ..., rows: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...
