from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_PROVINCE_ADMIN: _ClassVar[Role]
    ROLE_UNIT_OPERATOR: _ClassVar[Role]
    ROLE_UNIT_VIEWER: _ClassVar[Role]
    ROLE_SECTOR_OPERATOR: _ClassVar[Role]
    ROLE_AUDITOR: _ClassVar[Role]
    ROLE_APP_CLIENT: _ClassVar[Role]
    ROLE_SERVICE: _ClassVar[Role]
    ROLE_ANONYMOUS: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_PROVINCE_ADMIN: Role
ROLE_UNIT_OPERATOR: Role
ROLE_UNIT_VIEWER: Role
ROLE_SECTOR_OPERATOR: Role
ROLE_AUDITOR: Role
ROLE_APP_CLIENT: Role
ROLE_SERVICE: Role
ROLE_ANONYMOUS: Role

class Actor(_message.Message):
    __slots__ = ("id", "display_name", "unit_id", "role")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    unit_id: str
    role: Role
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., unit_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ...) -> None: ...
