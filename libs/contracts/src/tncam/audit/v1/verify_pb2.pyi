import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProblemKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROBLEM_KIND_UNSPECIFIED: _ClassVar[ProblemKind]
    PROBLEM_KIND_GAP: _ClassVar[ProblemKind]
    PROBLEM_KIND_LEAF_HASH: _ClassVar[ProblemKind]
    PROBLEM_KIND_ENTRY: _ClassVar[ProblemKind]
    PROBLEM_KIND_CHAIN: _ClassVar[ProblemKind]
    PROBLEM_KIND_COLUMN: _ClassVar[ProblemKind]
    PROBLEM_KIND_ROOT_MISMATCH: _ClassVar[ProblemKind]
    PROBLEM_KIND_TRUNCATED: _ClassVar[ProblemKind]
    PROBLEM_KIND_BAD_SIGNATURE: _ClassVar[ProblemKind]
    PROBLEM_KIND_BAD_CHECKPOINT: _ClassVar[ProblemKind]
    PROBLEM_KIND_ANCHOR: _ClassVar[ProblemKind]
PROBLEM_KIND_UNSPECIFIED: ProblemKind
PROBLEM_KIND_GAP: ProblemKind
PROBLEM_KIND_LEAF_HASH: ProblemKind
PROBLEM_KIND_ENTRY: ProblemKind
PROBLEM_KIND_CHAIN: ProblemKind
PROBLEM_KIND_COLUMN: ProblemKind
PROBLEM_KIND_ROOT_MISMATCH: ProblemKind
PROBLEM_KIND_TRUNCATED: ProblemKind
PROBLEM_KIND_BAD_SIGNATURE: ProblemKind
PROBLEM_KIND_BAD_CHECKPOINT: ProblemKind
PROBLEM_KIND_ANCHOR: ProblemKind

class VerifyRequest(_message.Message):
    __slots__ = ("include_object_store",)
    INCLUDE_OBJECT_STORE_FIELD_NUMBER: _ClassVar[int]
    include_object_store: bool
    def __init__(self, include_object_store: _Optional[bool] = ...) -> None: ...

class VerifyProblem(_message.Message):
    __slots__ = ("sequence", "kind", "detail")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: ProblemKind
    detail: str
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[ProblemKind, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class VerifyReply(_message.Message):
    __slots__ = ("ok", "tree_size", "root_hash", "first_bad_sequence", "problems", "checkpoints_checked", "latest_checkpoint_size", "started_at", "duration_s")
    OK_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    LATEST_CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    tree_size: int
    root_hash: bytes
    first_bad_sequence: int
    problems: _containers.RepeatedCompositeFieldContainer[VerifyProblem]
    checkpoints_checked: int
    latest_checkpoint_size: int
    started_at: _timestamp_pb2.Timestamp
    duration_s: float
    def __init__(self, ok: _Optional[bool] = ..., tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., first_bad_sequence: _Optional[int] = ..., problems: _Optional[_Iterable[_Union[VerifyProblem, _Mapping]]] = ..., checkpoints_checked: _Optional[int] = ..., latest_checkpoint_size: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_s: _Optional[float] = ...) -> None: ...
