import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import object_ref_pb2 as _object_ref_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SegmentClosed(_message.Message):
    __slots__ = ("camera_id", "segment_start", "segment_end", "duration", "camera_clock_drift_ms", "sequence", "session_id", "worker_id", "idempotency_key", "init_sha256", "init_included", "init_segment", "media_bytes", "media_object", "size_bytes", "sha256", "codec", "codec_string", "width", "height", "keyframe_at_start", "frames")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_START_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_END_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    CAMERA_CLOCK_DRIFT_MS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    INIT_SHA256_FIELD_NUMBER: _ClassVar[int]
    INIT_INCLUDED_FIELD_NUMBER: _ClassVar[int]
    INIT_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEDIA_OBJECT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    CODEC_STRING_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    KEYFRAME_AT_START_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    segment_start: _timestamp_pb2.Timestamp
    segment_end: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    camera_clock_drift_ms: int
    sequence: int
    session_id: str
    worker_id: str
    idempotency_key: str
    init_sha256: str
    init_included: bool
    init_segment: bytes
    media_bytes: bytes
    media_object: _object_ref_pb2.ObjectRef
    size_bytes: int
    sha256: str
    codec: str
    codec_string: str
    width: int
    height: int
    keyframe_at_start: bool
    frames: int
    def __init__(self, camera_id: _Optional[str] = ..., segment_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., segment_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., camera_clock_drift_ms: _Optional[int] = ..., sequence: _Optional[int] = ..., session_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., init_sha256: _Optional[str] = ..., init_included: _Optional[bool] = ..., init_segment: _Optional[bytes] = ..., media_bytes: _Optional[bytes] = ..., media_object: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., codec: _Optional[str] = ..., codec_string: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., keyframe_at_start: _Optional[bool] = ..., frames: _Optional[int] = ...) -> None: ...

class SegmentStored(_message.Message):
    __slots__ = ("camera_id", "segment_start", "segment_end", "idempotency_key", "session_id", "sequence", "bucket", "object_key", "version_id", "bytes", "sha256", "init_object", "stored_at", "retain_until", "recorder_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_START_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_END_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    OBJECT_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    INIT_OBJECT_FIELD_NUMBER: _ClassVar[int]
    STORED_AT_FIELD_NUMBER: _ClassVar[int]
    RETAIN_UNTIL_FIELD_NUMBER: _ClassVar[int]
    RECORDER_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    segment_start: _timestamp_pb2.Timestamp
    segment_end: _timestamp_pb2.Timestamp
    idempotency_key: str
    session_id: str
    sequence: int
    bucket: str
    object_key: str
    version_id: str
    bytes: int
    sha256: str
    init_object: _object_ref_pb2.ObjectRef
    stored_at: _timestamp_pb2.Timestamp
    retain_until: _timestamp_pb2.Timestamp
    recorder_id: str
    def __init__(self, camera_id: _Optional[str] = ..., segment_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., segment_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., session_id: _Optional[str] = ..., sequence: _Optional[int] = ..., bucket: _Optional[str] = ..., object_key: _Optional[str] = ..., version_id: _Optional[str] = ..., bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., init_object: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ..., stored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retain_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorder_id: _Optional[str] = ...) -> None: ...
