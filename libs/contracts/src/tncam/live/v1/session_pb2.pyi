import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.live.v1 import live_pb2 as _live_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodecPath(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEC_PATH_UNSPECIFIED: _ClassVar[CodecPath]
    CODEC_PATH_PASSTHROUGH_H265: _ClassVar[CodecPath]
    CODEC_PATH_PASSTHROUGH_H264: _ClassVar[CodecPath]
    CODEC_PATH_TRANSCODE_H264: _ClassVar[CodecPath]
CODEC_PATH_UNSPECIFIED: CodecPath
CODEC_PATH_PASSTHROUGH_H265: CodecPath
CODEC_PATH_PASSTHROUGH_H264: CodecPath
CODEC_PATH_TRANSCODE_H264: CodecPath

class OpenLiveSessionRequest(_message.Message):
    __slots__ = ("session_id", "camera_id", "stream", "offer_sdp", "expires_at", "account_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    OFFER_SDP_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    camera_id: str
    stream: _live_pb2.LiveStream
    offer_sdp: str
    expires_at: _timestamp_pb2.Timestamp
    account_id: str
    def __init__(self, session_id: _Optional[str] = ..., camera_id: _Optional[str] = ..., stream: _Optional[_Union[_live_pb2.LiveStream, str]] = ..., offer_sdp: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ...) -> None: ...

class OpenLiveSessionReply(_message.Message):
    __slots__ = ("answer_sdp", "replica_id", "codec_path")
    ANSWER_SDP_FIELD_NUMBER: _ClassVar[int]
    REPLICA_ID_FIELD_NUMBER: _ClassVar[int]
    CODEC_PATH_FIELD_NUMBER: _ClassVar[int]
    answer_sdp: str
    replica_id: str
    codec_path: CodecPath
    def __init__(self, answer_sdp: _Optional[str] = ..., replica_id: _Optional[str] = ..., codec_path: _Optional[_Union[CodecPath, str]] = ...) -> None: ...

class LiveSessionControl(_message.Message):
    __slots__ = ("session_id", "trickle_sdpfrag", "close_reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRICKLE_SDPFRAG_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    trickle_sdpfrag: str
    close_reason: str
    def __init__(self, session_id: _Optional[str] = ..., trickle_sdpfrag: _Optional[str] = ..., close_reason: _Optional[str] = ...) -> None: ...

class LiveSessionControlReply(_message.Message):
    __slots__ = ("found",)
    FOUND_FIELD_NUMBER: _ClassVar[int]
    found: bool
    def __init__(self, found: _Optional[bool] = ...) -> None: ...
