import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.live.v1 import live_pb2 as _live_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodecPath(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEC_PATH_UNSPECIFIED: _ClassVar[CodecPath]
    CODEC_PATH_PASSTHROUGH_H265: _ClassVar[CodecPath]
    CODEC_PATH_PASSTHROUGH_H264: _ClassVar[CodecPath]
    CODEC_PATH_TRANSCODE_H264: _ClassVar[CodecPath]

class LiveTransport(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIVE_TRANSPORT_UNSPECIFIED: _ClassVar[LiveTransport]
    LIVE_TRANSPORT_WEBRTC: _ClassVar[LiveTransport]
    LIVE_TRANSPORT_MSE: _ClassVar[LiveTransport]
CODEC_PATH_UNSPECIFIED: CodecPath
CODEC_PATH_PASSTHROUGH_H265: CodecPath
CODEC_PATH_PASSTHROUGH_H264: CodecPath
CODEC_PATH_TRANSCODE_H264: CodecPath
LIVE_TRANSPORT_UNSPECIFIED: LiveTransport
LIVE_TRANSPORT_WEBRTC: LiveTransport
LIVE_TRANSPORT_MSE: LiveTransport

class OpenLiveSessionRequest(_message.Message):
    __slots__ = ("session_id", "camera_id", "stream", "offer_sdp", "expires_at", "account_id", "transport", "mse_codecs")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    OFFER_SDP_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    MSE_CODECS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    camera_id: str
    stream: _live_pb2.LiveStream
    offer_sdp: str
    expires_at: _timestamp_pb2.Timestamp
    account_id: str
    transport: LiveTransport
    mse_codecs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., camera_id: _Optional[str] = ..., stream: _Optional[_Union[_live_pb2.LiveStream, str]] = ..., offer_sdp: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ..., transport: _Optional[_Union[LiveTransport, str]] = ..., mse_codecs: _Optional[_Iterable[str]] = ...) -> None: ...

class OpenLiveSessionReply(_message.Message):
    __slots__ = ("answer_sdp", "replica_id", "codec_path", "mime_type")
    ANSWER_SDP_FIELD_NUMBER: _ClassVar[int]
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    CODEC_PATH_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    answer_sdp: str
    replica_id: str
    codec_path: CodecPath
    mime_type: str
    def __init__(self, answer_sdp: _Optional[str] = ..., replica_id: _Optional[str] = ..., codec_path: _Optional[_Union[CodecPath, str]] = ..., mime_type: _Optional[str] = ...) -> None: ...

class LiveSessionControl(_message.Message):
    __slots__ = ("session_id", "trickle_sdpfrag", "close_reason", "keepalive")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRICKLE_SDPFRAG_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    KEEPALIVE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    trickle_sdpfrag: str
    close_reason: str
    keepalive: bool
    def __init__(self, session_id: _Optional[str] = ..., trickle_sdpfrag: _Optional[str] = ..., close_reason: _Optional[str] = ..., keepalive: _Optional[bool] = ...) -> None: ...

class LiveSessionControlReply(_message.Message):
    __slots__ = ("found",)
    FOUND_FIELD_NUMBER: _ClassVar[int]
    found: bool
    def __init__(self, found: _Optional[bool] = ...) -> None: ...

class LiveMediaSegment(_message.Message):
    __slots__ = ("session_id", "kind", "sequence", "data", "keyframe", "capture_time_unix_ns", "mime_type", "end_reason")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[LiveMediaSegment.Kind]
        KIND_INIT: _ClassVar[LiveMediaSegment.Kind]
        KIND_FRAGMENT: _ClassVar[LiveMediaSegment.Kind]
        KIND_END: _ClassVar[LiveMediaSegment.Kind]
    KIND_UNSPECIFIED: LiveMediaSegment.Kind
    KIND_INIT: LiveMediaSegment.Kind
    KIND_FRAGMENT: LiveMediaSegment.Kind
    KIND_END: LiveMediaSegment.Kind
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    KEYFRAME_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    kind: LiveMediaSegment.Kind
    sequence: int
    data: bytes
    keyframe: bool
    capture_time_unix_ns: int
    mime_type: str
    end_reason: str
    def __init__(self, session_id: _Optional[str] = ..., kind: _Optional[_Union[LiveMediaSegment.Kind, str]] = ..., sequence: _Optional[int] = ..., data: _Optional[bytes] = ..., keyframe: _Optional[bool] = ..., capture_time_unix_ns: _Optional[int] = ..., mime_type: _Optional[str] = ..., end_reason: _Optional[str] = ...) -> None: ...
