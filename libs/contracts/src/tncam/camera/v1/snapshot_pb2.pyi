import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import object_ref_pb2 as _object_ref_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PictureQuality(_message.Message):
    __slots__ = ("mean_luma", "luma_stddev", "laplacian_variance", "diff_from_previous", "frozen", "black", "blurred")
    MEAN_LUMA_FIELD_NUMBER: _ClassVar[int]
    LUMA_STDDEV_FIELD_NUMBER: _ClassVar[int]
    LAPLACIAN_VARIANCE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    BLACK_FIELD_NUMBER: _ClassVar[int]
    BLURRED_FIELD_NUMBER: _ClassVar[int]
    mean_luma: float
    luma_stddev: float
    laplacian_variance: float
    diff_from_previous: float
    frozen: bool
    black: bool
    blurred: bool
    def __init__(self, mean_luma: _Optional[float] = ..., luma_stddev: _Optional[float] = ..., laplacian_variance: _Optional[float] = ..., diff_from_previous: _Optional[float] = ..., frozen: _Optional[bool] = ..., black: _Optional[bool] = ..., blurred: _Optional[bool] = ...) -> None: ...

class QualityResult(_message.Message):
    __slots__ = ("flags", "fps", "bitrate_bps", "width", "height", "codec", "min_fps", "baseline_bitrate_bps", "frozen_snapshots", "last_good_at")
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    MIN_FPS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    FROZEN_SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    LAST_GOOD_AT_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedScalarFieldContainer[str]
    fps: float
    bitrate_bps: int
    width: int
    height: int
    codec: str
    min_fps: float
    baseline_bitrate_bps: int
    frozen_snapshots: int
    last_good_at: _timestamp_pb2.Timestamp
    def __init__(self, flags: _Optional[_Iterable[str]] = ..., fps: _Optional[float] = ..., bitrate_bps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., codec: _Optional[str] = ..., min_fps: _Optional[float] = ..., baseline_bitrate_bps: _Optional[int] = ..., frozen_snapshots: _Optional[int] = ..., last_good_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SnapshotTaken(_message.Message):
    __slots__ = ("camera_id", "taken_at", "worker_id", "session_id", "width", "height", "quality", "result", "image_object", "jpeg_thumbnail")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    TAKEN_AT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_OBJECT_FIELD_NUMBER: _ClassVar[int]
    JPEG_THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    taken_at: _timestamp_pb2.Timestamp
    worker_id: str
    session_id: str
    width: int
    height: int
    quality: PictureQuality
    result: QualityResult
    image_object: _object_ref_pb2.ObjectRef
    jpeg_thumbnail: bytes
    def __init__(self, camera_id: _Optional[str] = ..., taken_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., worker_id: _Optional[str] = ..., session_id: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., quality: _Optional[_Union[PictureQuality, _Mapping]] = ..., result: _Optional[_Union[QualityResult, _Mapping]] = ..., image_object: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ..., jpeg_thumbnail: _Optional[bytes] = ...) -> None: ...
