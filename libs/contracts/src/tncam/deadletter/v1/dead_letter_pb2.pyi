import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeadLetter(_message.Message):
    __slots__ = ("original_subject", "original_type", "payload", "headers", "payload_omitted", "stream", "consumer", "stream_sequence", "deliveries", "failed_at", "error_code", "error_message", "permanent", "service", "worker_id")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ORIGINAL_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_OMITTED_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    original_subject: str
    original_type: str
    payload: bytes
    headers: _containers.ScalarMap[str, str]
    payload_omitted: bool
    stream: str
    consumer: str
    stream_sequence: int
    deliveries: int
    failed_at: _timestamp_pb2.Timestamp
    error_code: str
    error_message: str
    permanent: bool
    service: str
    worker_id: str
    def __init__(self, original_subject: _Optional[str] = ..., original_type: _Optional[str] = ..., payload: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, str]] = ..., payload_omitted: _Optional[bool] = ..., stream: _Optional[str] = ..., consumer: _Optional[str] = ..., stream_sequence: _Optional[int] = ..., deliveries: _Optional[int] = ..., failed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., permanent: _Optional[bool] = ..., service: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...
