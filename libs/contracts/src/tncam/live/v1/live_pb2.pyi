from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LiveStream(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIVE_STREAM_UNSPECIFIED: _ClassVar[LiveStream]
    LIVE_STREAM_MAIN: _ClassVar[LiveStream]
    LIVE_STREAM_SUB: _ClassVar[LiveStream]
LIVE_STREAM_UNSPECIFIED: LiveStream
LIVE_STREAM_MAIN: LiveStream
LIVE_STREAM_SUB: LiveStream

class LiveDemand(_message.Message):
    __slots__ = ("camera_id", "stream", "holder_id", "ttl_ms")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    HOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    stream: LiveStream
    holder_id: str
    ttl_ms: int
    def __init__(self, camera_id: _Optional[str] = ..., stream: _Optional[_Union[LiveStream, str]] = ..., holder_id: _Optional[str] = ..., ttl_ms: _Optional[int] = ...) -> None: ...

class LiveAccessUnit(_message.Message):
    __slots__ = ("camera_id", "stream", "codec", "pts", "dts", "keyframe", "capture_time_unix_ns", "received_time_unix_ns", "sequence", "width", "height", "data", "session_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    PTS_FIELD_NUMBER: _ClassVar[int]
    DTS_FIELD_NUMBER: _ClassVar[int]
    KEYFRAME_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_TIME_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    stream: LiveStream
    codec: str
    pts: int
    dts: int
    keyframe: bool
    capture_time_unix_ns: int
    received_time_unix_ns: int
    sequence: int
    width: int
    height: int
    data: bytes
    session_id: str
    def __init__(self, camera_id: _Optional[str] = ..., stream: _Optional[_Union[LiveStream, str]] = ..., codec: _Optional[str] = ..., pts: _Optional[int] = ..., dts: _Optional[int] = ..., keyframe: _Optional[bool] = ..., capture_time_unix_ns: _Optional[int] = ..., received_time_unix_ns: _Optional[int] = ..., sequence: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., data: _Optional[bytes] = ..., session_id: _Optional[str] = ...) -> None: ...
