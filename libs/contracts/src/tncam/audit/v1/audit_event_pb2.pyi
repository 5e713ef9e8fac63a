import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tncam.common.v1 import actor_pb2 as _actor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PurposeCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURPOSE_CODE_UNSPECIFIED: _ClassVar[PurposeCode]
    PURPOSE_CODE_NOT_APPLICABLE: _ClassVar[PurposeCode]
    PURPOSE_CODE_PUBLIC_ORDER: _ClassVar[PurposeCode]
    PURPOSE_CODE_TRAFFIC_SAFETY: _ClassVar[PurposeCode]
    PURPOSE_CODE_CASE_INVESTIGATION: _ClassVar[PurposeCode]
    PURPOSE_CODE_EMERGENCY_COMMAND: _ClassVar[PurposeCode]
    PURPOSE_CODE_TECHNICAL_MAINTENANCE: _ClassVar[PurposeCode]
    PURPOSE_CODE_URBAN_ORDER: _ClassVar[PurposeCode]
    PURPOSE_CODE_ENVIRONMENT: _ClassVar[PurposeCode]
    PURPOSE_CODE_NEIGHBOURHOOD_SECURITY: _ClassVar[PurposeCode]
    PURPOSE_CODE_SECTOR_OPERATION: _ClassVar[PurposeCode]
    PURPOSE_CODE_SYSTEM_ADMINISTRATION: _ClassVar[PurposeCode]
    PURPOSE_CODE_AUDIT_REVIEW: _ClassVar[PurposeCode]
    PURPOSE_CODE_OTHER: _ClassVar[PurposeCode]

class LegalBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEGAL_BASIS_UNSPECIFIED: _ClassVar[LegalBasis]
    LEGAL_BASIS_NONE: _ClassVar[LegalBasis]
    LEGAL_BASIS_EMERGENCY_COMMAND: _ClassVar[LegalBasis]
    LEGAL_BASIS_INCIDENT_FIX: _ClassVar[LegalBasis]
    LEGAL_BASIS_WRITTEN_REQUEST: _ClassVar[LegalBasis]
    LEGAL_BASIS_COMMITTEE_APPROVAL: _ClassVar[LegalBasis]
    LEGAL_BASIS_QUICK_EXTRACTION: _ClassVar[LegalBasis]

class DataCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_CATEGORY_UNSPECIFIED: _ClassVar[DataCategory]
    DATA_CATEGORY_IMAGE: _ClassVar[DataCategory]
    DATA_CATEGORY_PLATE: _ClassVar[DataCategory]
    DATA_CATEGORY_BIOMETRIC: _ClassVar[DataCategory]
    DATA_CATEGORY_ACCOUNT: _ClassVar[DataCategory]
    DATA_CATEGORY_CONFIGURATION: _ClassVar[DataCategory]
    DATA_CATEGORY_CREDENTIAL: _ClassVar[DataCategory]
    DATA_CATEGORY_AUDIT_LOG: _ClassVar[DataCategory]
    DATA_CATEGORY_METADATA: _ClassVar[DataCategory]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_SUCCESS: _ClassVar[Outcome]
    OUTCOME_DENIED: _ClassVar[Outcome]
    OUTCOME_FAILED: _ClassVar[Outcome]
PURPOSE_CODE_UNSPECIFIED: PurposeCode
PURPOSE_CODE_NOT_APPLICABLE: PurposeCode
PURPOSE_CODE_PUBLIC_ORDER: PurposeCode
PURPOSE_CODE_TRAFFIC_SAFETY: PurposeCode
PURPOSE_CODE_CASE_INVESTIGATION: PurposeCode
PURPOSE_CODE_EMERGENCY_COMMAND: PurposeCode
PURPOSE_CODE_TECHNICAL_MAINTENANCE: PurposeCode
PURPOSE_CODE_URBAN_ORDER: PurposeCode
PURPOSE_CODE_ENVIRONMENT: PurposeCode
PURPOSE_CODE_NEIGHBOURHOOD_SECURITY: PurposeCode
PURPOSE_CODE_SECTOR_OPERATION: PurposeCode
PURPOSE_CODE_SYSTEM_ADMINISTRATION: PurposeCode
PURPOSE_CODE_AUDIT_REVIEW: PurposeCode
PURPOSE_CODE_OTHER: PurposeCode
LEGAL_BASIS_UNSPECIFIED: LegalBasis
LEGAL_BASIS_NONE: LegalBasis
LEGAL_BASIS_EMERGENCY_COMMAND: LegalBasis
LEGAL_BASIS_INCIDENT_FIX: LegalBasis
LEGAL_BASIS_WRITTEN_REQUEST: LegalBasis
LEGAL_BASIS_COMMITTEE_APPROVAL: LegalBasis
LEGAL_BASIS_QUICK_EXTRACTION: LegalBasis
DATA_CATEGORY_UNSPECIFIED: DataCategory
DATA_CATEGORY_IMAGE: DataCategory
DATA_CATEGORY_PLATE: DataCategory
DATA_CATEGORY_BIOMETRIC: DataCategory
DATA_CATEGORY_ACCOUNT: DataCategory
DATA_CATEGORY_CONFIGURATION: DataCategory
DATA_CATEGORY_CREDENTIAL: DataCategory
DATA_CATEGORY_AUDIT_LOG: DataCategory
DATA_CATEGORY_METADATA: DataCategory
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_SUCCESS: Outcome
OUTCOME_DENIED: Outcome
OUTCOME_FAILED: Outcome

class CameraSet(_message.Message):
    __slots__ = ("camera_ids",)
    CAMERA_IDS_FIELD_NUMBER: _ClassVar[int]
    camera_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, camera_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SegmentRange(_message.Message):
    __slots__ = ("camera_id", "start", "end")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    camera_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OtherTarget(_message.Message):
    __slots__ = ("kind", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class AuditTarget(_message.Message):
    __slots__ = ("cameras", "segments", "account_id", "other")
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    cameras: CameraSet
    segments: SegmentRange
    account_id: str
    other: OtherTarget
    def __init__(self, cameras: _Optional[_Union[CameraSet, _Mapping]] = ..., segments: _Optional[_Union[SegmentRange, _Mapping]] = ..., account_id: _Optional[str] = ..., other: _Optional[_Union[OtherTarget, _Mapping]] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("event_id", "occurred_at", "actor", "action", "target", "purpose_code", "purpose_text", "legal_basis", "grant_id", "document_number", "document_issuer", "document_date", "ticket_id", "data_categories", "target_unit_ids", "outcome", "error_code", "request_id", "source_service", "trace_id", "client_address", "user_agent", "before_json", "after_json")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_TEXT_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ISSUER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    TARGET_UNIT_IDS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SERVICE_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_JSON_FIELD_NUMBER: _ClassVar[int]
    AFTER_JSON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    actor: _actor_pb2.Actor
    action: str
    target: AuditTarget
    purpose_code: PurposeCode
    purpose_text: str
    legal_basis: LegalBasis
    grant_id: str
    document_number: str
    document_issuer: str
    document_date: str
    ticket_id: str
    data_categories: _containers.RepeatedScalarFieldContainer[DataCategory]
    target_unit_ids: _containers.RepeatedScalarFieldContainer[str]
    outcome: Outcome
    error_code: str
    request_id: str
    source_service: str
    trace_id: str
    client_address: str
    user_agent: str
    before_json: str
    after_json: str
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., action: _Optional[str] = ..., target: _Optional[_Union[AuditTarget, _Mapping]] = ..., purpose_code: _Optional[_Union[PurposeCode, str]] = ..., purpose_text: _Optional[str] = ..., legal_basis: _Optional[_Union[LegalBasis, str]] = ..., grant_id: _Optional[str] = ..., document_number: _Optional[str] = ..., document_issuer: _Optional[str] = ..., document_date: _Optional[str] = ..., ticket_id: _Optional[str] = ..., data_categories: _Optional[_Iterable[_Union[DataCategory, str]]] = ..., target_unit_ids: _Optional[_Iterable[str]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., error_code: _Optional[str] = ..., request_id: _Optional[str] = ..., source_service: _Optional[str] = ..., trace_id: _Optional[str] = ..., client_address: _Optional[str] = ..., user_agent: _Optional[str] = ..., before_json: _Optional[str] = ..., after_json: _Optional[str] = ...) -> None: ...
