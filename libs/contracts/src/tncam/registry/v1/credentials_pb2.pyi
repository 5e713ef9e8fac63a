from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ResolveCredentialsRequest(_message.Message):
    __slots__ = ("credentials_ref", "worker_id")
    CREDENTIALS_REF_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    credentials_ref: str
    worker_id: str
    def __init__(self, credentials_ref: _Optional[str] = ..., worker_id: _Optional[str] = ...) -> None: ...

class ResolveCredentialsReply(_message.Message):
    __slots__ = ("username", "password", "revision")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    revision: int
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...
