import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Checkpoint(_message.Message):
    __slots__ = ("tree_size", "root_hash", "signed_at", "signed_note", "object_key", "object_version_id")
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_NOTE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_KEY_FIELD_NUMBER: _ClassVar[int]
    OBJECT_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    root_hash: bytes
    signed_at: _timestamp_pb2.Timestamp
    signed_note: str
    object_key: str
    object_version_id: str
    def __init__(self, tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signed_note: _Optional[str] = ..., object_key: _Optional[str] = ..., object_version_id: _Optional[str] = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ("tree_size",)
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    def __init__(self, tree_size: _Optional[int] = ...) -> None: ...

class GetCheckpointReply(_message.Message):
    __slots__ = ("checkpoint", "verifier_key")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    verifier_key: str
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., verifier_key: _Optional[str] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("sequence", "tree_size")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    tree_size: int
    def __init__(self, sequence: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetInclusionProofReply(_message.Message):
    __slots__ = ("leaf_index", "tree_size", "leaf_hash", "path", "root_hash")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: _containers.RepeatedScalarFieldContainer[bytes]
    root_hash: bytes
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., leaf_hash: _Optional[bytes] = ..., path: _Optional[_Iterable[bytes]] = ..., root_hash: _Optional[bytes] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("first", "second")
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    first: int
    second: int
    def __init__(self, first: _Optional[int] = ..., second: _Optional[int] = ...) -> None: ...

class GetConsistencyProofReply(_message.Message):
    __slots__ = ("first", "second", "proof", "first_root_hash", "second_root_hash")
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    FIRST_ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    SECOND_ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    first: int
    second: int
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    first_root_hash: bytes
    second_root_hash: bytes
    def __init__(self, first: _Optional[int] = ..., second: _Optional[int] = ..., proof: _Optional[_Iterable[bytes]] = ..., first_root_hash: _Optional[bytes] = ..., second_root_hash: _Optional[bytes] = ...) -> None: ...
