import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.audit.v1 import audit_event_pb2 as _audit_event_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GrantIssued(_message.Message):
    __slots__ = ("grant_id", "unit_id", "issued_by", "grantee_id", "grantee_name", "legal_basis", "ticket_id", "document_number", "document_issuer", "document_date", "reason", "camera_ids", "footage_from", "footage_to", "scopes", "expires_at", "issued_at")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ISSUER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    FOOTAGE_FROM_FIELD_NUMBER: _ClassVar[int]
    FOOTAGE_TO_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    unit_id: str
    issued_by: _actor_pb2.Actor
    grantee_id: str
    grantee_name: str
    legal_basis: _audit_event_pb2.LegalBasis
    ticket_id: str
    document_number: str
    document_issuer: str
    document_date: str
    reason: str
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    footage_from: _timestamp_pb2.Timestamp
    footage_to: _timestamp_pb2.Timestamp
    scopes: _containers.RepeatedScalarFieldContainer[str]
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    def __init__(self, grant_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., issued_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., grantee_id: _Optional[str] = ..., grantee_name: _Optional[str] = ..., legal_basis: _Optional[_Union[_audit_event_pb2.LegalBasis, str]] = ..., ticket_id: _Optional[str] = ..., document_number: _Optional[str] = ..., document_issuer: _Optional[str] = ..., document_date: _Optional[str] = ..., reason: _Optional[str] = ..., camera_ids: _Optional[_Iterable[str]] = ..., footage_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., footage_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scopes: _Optional[_Iterable[str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GrantRevoked(_message.Message):
    __slots__ = ("grant_id", "unit_id", "revoked_by", "revoked_at")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    unit_id: str
    revoked_by: _actor_pb2.Actor
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, grant_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., revoked_by: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
