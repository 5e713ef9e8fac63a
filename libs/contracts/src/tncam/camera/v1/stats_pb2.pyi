import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamStats(_message.Message):
    __slots__ = ("camera_id", "window_start", "window_end", "fps", "bitrate_bps", "gop_length_frames", "width", "height", "codec", "compliant", "packet_gaps", "frames", "keyframes", "bytes", "quality_flags", "worker_id", "session_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    GOP_LENGTH_FRAMES_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_FIELD_NUMBER: _ClassVar[int]
    PACKET_GAPS_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    KEYFRAMES_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FLAGS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    fps: float
    bitrate_bps: int
    gop_length_frames: int
    width: int
    height: int
    codec: str
    compliant: bool
    packet_gaps: int
    frames: int
    keyframes: int
    bytes: int
    quality_flags: _containers.RepeatedScalarFieldContainer[str]
    worker_id: str
    session_id: str
    def __init__(self, camera_id: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fps: _Optional[float] = ..., bitrate_bps: _Optional[int] = ..., gop_length_frames: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., codec: _Optional[str] = ..., compliant: _Optional[bool] = ..., packet_gaps: _Optional[int] = ..., frames: _Optional[int] = ..., keyframes: _Optional[int] = ..., bytes: _Optional[int] = ..., quality_flags: _Optional[_Iterable[str]] = ..., worker_id: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...
