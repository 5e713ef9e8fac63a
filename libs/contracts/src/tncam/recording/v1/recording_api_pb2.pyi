import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.audit.v1 import audit_event_pb2 as _audit_event_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from tncam.common.v1 import object_ref_pb2 as _object_ref_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DecommissionScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECOMMISSION_SCOPE_UNSPECIFIED: _ClassVar[DecommissionScope]
    DECOMMISSION_SCOPE_CAMERA: _ClassVar[DecommissionScope]
    DECOMMISSION_SCOPE_BUCKET: _ClassVar[DecommissionScope]
DECOMMISSION_SCOPE_UNSPECIFIED: DecommissionScope
DECOMMISSION_SCOPE_CAMERA: DecommissionScope
DECOMMISSION_SCOPE_BUCKET: DecommissionScope

class SegmentInfo(_message.Message):
    __slots__ = ("segment_id", "camera_id", "start", "end", "duration", "object", "init_sha256", "held", "retention_class", "codec_string", "width", "height")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    INIT_SHA256_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    RETENTION_CLASS_FIELD_NUMBER: _ClassVar[int]
    CODEC_STRING_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    segment_id: str
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    object: _object_ref_pb2.ObjectRef
    init_sha256: str
    held: bool
    retention_class: str
    codec_string: str
    width: int
    height: int
    def __init__(self, segment_id: _Optional[str] = ..., camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., object: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ..., init_sha256: _Optional[str] = ..., held: _Optional[bool] = ..., retention_class: _Optional[str] = ..., codec_string: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ("camera_id", "start", "end", "limit")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListSegmentsReply(_message.Message):
    __slots__ = ("segments", "truncated")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[SegmentInfo]
    truncated: bool
    def __init__(self, segments: _Optional[_Iterable[_Union[SegmentInfo, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordedRange(_message.Message):
    __slots__ = ("start", "end", "segments")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    segments: int
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., segments: _Optional[int] = ...) -> None: ...

class GetTimelineRequest(_message.Message):
    __slots__ = ("camera_id", "start", "end")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TimelineReply(_message.Message):
    __slots__ = ("camera_id", "range", "recorded", "gaps", "recorded_seconds")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    GAPS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    range: TimeRange
    recorded: _containers.RepeatedCompositeFieldContainer[RecordedRange]
    gaps: _containers.RepeatedCompositeFieldContainer[TimeRange]
    recorded_seconds: float
    def __init__(self, camera_id: _Optional[str] = ..., range: _Optional[_Union[TimeRange, _Mapping]] = ..., recorded: _Optional[_Iterable[_Union[RecordedRange, _Mapping]]] = ..., gaps: _Optional[_Iterable[_Union[TimeRange, _Mapping]]] = ..., recorded_seconds: _Optional[float] = ...) -> None: ...

class GetGapReportRequest(_message.Message):
    __slots__ = ("camera_ids", "date")
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    date: str
    def __init__(self, camera_ids: _Optional[_Iterable[str]] = ..., date: _Optional[str] = ...) -> None: ...

class CameraDayGaps(_message.Message):
    __slots__ = ("camera_id", "date", "range", "gaps", "recorded_seconds", "gap_seconds", "coverage")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    GAPS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    GAP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    date: str
    range: TimeRange
    gaps: _containers.RepeatedCompositeFieldContainer[TimeRange]
    recorded_seconds: float
    gap_seconds: float
    coverage: float
    def __init__(self, camera_id: _Optional[str] = ..., date: _Optional[str] = ..., range: _Optional[_Union[TimeRange, _Mapping]] = ..., gaps: _Optional[_Iterable[_Union[TimeRange, _Mapping]]] = ..., recorded_seconds: _Optional[float] = ..., gap_seconds: _Optional[float] = ..., coverage: _Optional[float] = ...) -> None: ...

class GapReportReply(_message.Message):
    __slots__ = ("cameras",)
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    cameras: _containers.RepeatedCompositeFieldContainer[CameraDayGaps]
    def __init__(self, cameras: _Optional[_Iterable[_Union[CameraDayGaps, _Mapping]]] = ...) -> None: ...

class GetPlaylistRequest(_message.Message):
    __slots__ = ("camera_id", "start", "end")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLivePlaylistRequest(_message.Message):
    __slots__ = ("camera_id", "segments")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    segments: int
    def __init__(self, camera_id: _Optional[str] = ..., segments: _Optional[int] = ...) -> None: ...

class PlaylistReply(_message.Message):
    __slots__ = ("playlist", "segments", "segment_ids")
    PLAYLIST_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    playlist: str
    segments: int
    segment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, playlist: _Optional[str] = ..., segments: _Optional[int] = ..., segment_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class InitRef(_message.Message):
    __slots__ = ("camera_id", "init_sha256")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    INIT_SHA256_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    init_sha256: str
    def __init__(self, camera_id: _Optional[str] = ..., init_sha256: _Optional[str] = ...) -> None: ...

class ReadObjectRequest(_message.Message):
    __slots__ = ("segment_id", "init", "export_id", "offset", "length")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INIT_FIELD_NUMBER: _ClassVar[int]
    EXPORT_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    segment_id: str
    init: InitRef
    export_id: str
    offset: int
    length: int
    def __init__(self, segment_id: _Optional[str] = ..., init: _Optional[_Union[InitRef, _Mapping]] = ..., export_id: _Optional[str] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ...) -> None: ...

class ObjectChunk(_message.Message):
    __slots__ = ("data", "offset", "total_bytes", "sha256", "content_type", "eof")
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EOF_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    offset: int
    total_bytes: int
    sha256: str
    content_type: str
    eof: bool
    def __init__(self, data: _Optional[bytes] = ..., offset: _Optional[int] = ..., total_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., content_type: _Optional[str] = ..., eof: _Optional[bool] = ...) -> None: ...

class GetSnapshotRequest(_message.Message):
    __slots__ = ("camera_id", "image")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    image: _object_ref_pb2.ObjectRef
    def __init__(self, camera_id: _Optional[str] = ..., image: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ...) -> None: ...

class LegalHold(_message.Message):
    __slots__ = ("hold_id", "case_reference", "authority", "reason", "camera_ids", "range", "placed_by", "placed_at", "released_at", "released_by", "release_reason", "document_number")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    PLACED_BY_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_BY_FIELD_NUMBER: _ClassVar[int]
    RELEASE_REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    case_reference: str
    authority: str
    reason: str
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    range: TimeRange
    placed_by: _actor_pb2.Actor
    placed_at: _timestamp_pb2.Timestamp
    released_at: _timestamp_pb2.Timestamp
    released_by: _actor_pb2.Actor
    release_reason: str
    document_number: str
    def __init__(self, hold_id: _Optional[str] = ..., case_reference: _Optional[str] = ..., authority: _Optional[str] = ..., reason: _Optional[str] = ..., camera_ids: _Optional[_Iterable[str]] = ..., range: _Optional[_Union[TimeRange, _Mapping]] = ..., placed_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., release_reason: _Optional[str] = ..., document_number: _Optional[str] = ...) -> None: ...

class PlaceLegalHoldRequest(_message.Message):
    __slots__ = ("case_reference", "authority", "reason", "camera_ids", "start", "end", "actor", "document_number")
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    case_reference: str
    authority: str
    reason: str
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    actor: _actor_pb2.Actor
    document_number: str
    def __init__(self, case_reference: _Optional[str] = ..., authority: _Optional[str] = ..., reason: _Optional[str] = ..., camera_ids: _Optional[_Iterable[str]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., document_number: _Optional[str] = ...) -> None: ...

class ReleaseLegalHoldRequest(_message.Message):
    __slots__ = ("hold_id", "reason", "actor")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    reason: str
    actor: _actor_pb2.Actor
    def __init__(self, hold_id: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class LegalHoldReply(_message.Message):
    __slots__ = ("hold", "segments_changed")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    hold: LegalHold
    segments_changed: int
    def __init__(self, hold: _Optional[_Union[LegalHold, _Mapping]] = ..., segments_changed: _Optional[int] = ...) -> None: ...

class ListLegalHoldsRequest(_message.Message):
    __slots__ = ("active_only", "camera_id", "case_reference", "page_size", "page_token")
    ACTIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    active_only: bool
    camera_id: str
    case_reference: str
    page_size: int
    page_token: str
    def __init__(self, active_only: _Optional[bool] = ..., camera_id: _Optional[str] = ..., case_reference: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLegalHoldsReply(_message.Message):
    __slots__ = ("holds", "next_page_token", "total")
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    holds: _containers.RepeatedCompositeFieldContainer[LegalHold]
    next_page_token: str
    total: int
    def __init__(self, holds: _Optional[_Iterable[_Union[LegalHold, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class CreateExportRequest(_message.Message):
    __slots__ = ("camera_id", "start", "end", "requester", "purpose_code", "purpose_text", "grant_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_TEXT_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    requester: _actor_pb2.Actor
    purpose_code: _audit_event_pb2.PurposeCode
    purpose_text: str
    grant_id: str
    def __init__(self, camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., requester: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., purpose_code: _Optional[_Union[_audit_event_pb2.PurposeCode, str]] = ..., purpose_text: _Optional[str] = ..., grant_id: _Optional[str] = ...) -> None: ...

class ExportReply(_message.Message):
    __slots__ = ("export_id", "file", "manifest_json", "signature", "segments", "gaps")
    EXPORT_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    GAPS_FIELD_NUMBER: _ClassVar[int]
    export_id: str
    file: _object_ref_pb2.ObjectRef
    manifest_json: str
    signature: bytes
    segments: int
    gaps: int
    def __init__(self, export_id: _Optional[str] = ..., file: _Optional[_Union[_object_ref_pb2.ObjectRef, _Mapping]] = ..., manifest_json: _Optional[str] = ..., signature: _Optional[bytes] = ..., segments: _Optional[int] = ..., gaps: _Optional[int] = ...) -> None: ...

class DecommissionRequest(_message.Message):
    __slots__ = ("scope", "camera_id", "reason", "document_reference", "actor")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    scope: DecommissionScope
    camera_id: str
    reason: str
    document_reference: str
    actor: _actor_pb2.Actor
    def __init__(self, scope: _Optional[_Union[DecommissionScope, str]] = ..., camera_id: _Optional[str] = ..., reason: _Optional[str] = ..., document_reference: _Optional[str] = ..., actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class DeletionCertificateReply(_message.Message):
    __slots__ = ("certificate_id", "certificate_json", "signature", "public_key", "objects_deleted", "segments_deleted")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_DELETED_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_DELETED_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    certificate_json: str
    signature: bytes
    public_key: bytes
    objects_deleted: int
    segments_deleted: int
    def __init__(self, certificate_id: _Optional[str] = ..., certificate_json: _Optional[str] = ..., signature: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., objects_deleted: _Optional[int] = ..., segments_deleted: _Optional[int] = ...) -> None: ...

class DecommissionSignOff(_message.Message):
    __slots__ = ("signer_name", "signer_role", "signed_on", "note", "recorded_by", "recorded_at")
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNER_ROLE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    signer_name: str
    signer_role: str
    signed_on: str
    note: str
    recorded_by: _actor_pb2.Actor
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, signer_name: _Optional[str] = ..., signer_role: _Optional[str] = ..., signed_on: _Optional[str] = ..., note: _Optional[str] = ..., recorded_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DecommissionRecord(_message.Message):
    __slots__ = ("certificate_id", "scope", "camera_id", "issued_at", "certificate_json", "signature", "public_key", "sign_off")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGN_OFF_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    scope: str
    camera_id: str
    issued_at: _timestamp_pb2.Timestamp
    certificate_json: str
    signature: bytes
    public_key: bytes
    sign_off: DecommissionSignOff
    def __init__(self, certificate_id: _Optional[str] = ..., scope: _Optional[str] = ..., camera_id: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate_json: _Optional[str] = ..., signature: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., sign_off: _Optional[_Union[DecommissionSignOff, _Mapping]] = ...) -> None: ...

class SignOffDecommissionRequest(_message.Message):
    __slots__ = ("certificate_id", "signer_name", "signer_role", "signed_on", "note", "actor")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNER_ROLE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    signer_name: str
    signer_role: str
    signed_on: str
    note: str
    actor: _actor_pb2.Actor
    def __init__(self, certificate_id: _Optional[str] = ..., signer_name: _Optional[str] = ..., signer_role: _Optional[str] = ..., signed_on: _Optional[str] = ..., note: _Optional[str] = ..., actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ...) -> None: ...

class ListDecommissionsRequest(_message.Message):
    __slots__ = ("unsigned_only", "page_size", "page_token")
    UNSIGNED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unsigned_only: bool
    page_size: int
    page_token: str
    def __init__(self, unsigned_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDecommissionsReply(_message.Message):
    __slots__ = ("decommissions", "next_page_token", "total")
    DECOMMISSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    decommissions: _containers.RepeatedCompositeFieldContainer[DecommissionRecord]
    next_page_token: str
    total: int
    def __init__(self, decommissions: _Optional[_Iterable[_Union[DecommissionRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...
