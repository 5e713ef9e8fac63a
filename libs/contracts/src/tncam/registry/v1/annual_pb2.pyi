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

class AnnualReportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANNUAL_REPORT_FORMAT_UNSPECIFIED: _ClassVar[AnnualReportFormat]
    ANNUAL_REPORT_FORMAT_JSON: _ClassVar[AnnualReportFormat]
    ANNUAL_REPORT_FORMAT_XLSX: _ClassVar[AnnualReportFormat]
    ANNUAL_REPORT_FORMAT_PDF: _ClassVar[AnnualReportFormat]
ANNUAL_REPORT_FORMAT_UNSPECIFIED: AnnualReportFormat
ANNUAL_REPORT_FORMAT_JSON: AnnualReportFormat
ANNUAL_REPORT_FORMAT_XLSX: AnnualReportFormat
ANNUAL_REPORT_FORMAT_PDF: AnnualReportFormat

class UnitOutsideFacts(_message.Message):
    __slots__ = ("unit_id", "extractions", "quick_extractions", "break_glass_uses", "breaches", "breaches_notified_in_time")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    EXTRACTIONS_FIELD_NUMBER: _ClassVar[int]
    QUICK_EXTRACTIONS_FIELD_NUMBER: _ClassVar[int]
    BREAK_GLASS_USES_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    BREACHES_NOTIFIED_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    extractions: int
    quick_extractions: int
    break_glass_uses: int
    breaches: int
    breaches_notified_in_time: int
    def __init__(self, unit_id: _Optional[str] = ..., extractions: _Optional[int] = ..., quick_extractions: _Optional[int] = ..., break_glass_uses: _Optional[int] = ..., breaches: _Optional[int] = ..., breaches_notified_in_time: _Optional[int] = ...) -> None: ...

class GetAnnualReportRequest(_message.Message):
    __slots__ = ("actor", "year", "format", "unit_id", "outside", "outside_included", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_INCLUDED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _actor_pb2.Actor
    year: int
    format: AnnualReportFormat
    unit_id: str
    outside: _containers.RepeatedCompositeFieldContainer[UnitOutsideFacts]
    outside_included: bool
    request_id: str
    def __init__(self, actor: _Optional[_Union[_actor_pb2.Actor, _Mapping]] = ..., year: _Optional[int] = ..., format: _Optional[_Union[AnnualReportFormat, str]] = ..., unit_id: _Optional[str] = ..., outside: _Optional[_Iterable[_Union[UnitOutsideFacts, _Mapping]]] = ..., outside_included: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class ScorePart(_message.Message):
    __slots__ = ("code", "points", "max_points")
    CODE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    code: str
    points: float
    max_points: float
    def __init__(self, code: _Optional[str] = ..., points: _Optional[float] = ..., max_points: _Optional[float] = ...) -> None: ...

class AnnualUnitRow(_message.Message):
    __slots__ = ("number", "unit_id", "unit_name", "unit_kind", "commune_code", "cameras", "connected", "never", "uptime", "incidents", "fixed_in_time", "maintained", "registry_updates", "registry_updates_in_time", "needs", "extractions", "quick_extractions", "break_glass_uses", "breaches", "breaches_notified_in_time", "score", "grade", "parts")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_KIND_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    NEVER_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    FIXED_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    MAINTAINED_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_UPDATES_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_UPDATES_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    NEEDS_FIELD_NUMBER: _ClassVar[int]
    EXTRACTIONS_FIELD_NUMBER: _ClassVar[int]
    QUICK_EXTRACTIONS_FIELD_NUMBER: _ClassVar[int]
    BREAK_GLASS_USES_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    BREACHES_NOTIFIED_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    number: int
    unit_id: str
    unit_name: str
    unit_kind: str
    commune_code: str
    cameras: int
    connected: int
    never: int
    uptime: float
    incidents: int
    fixed_in_time: int
    maintained: int
    registry_updates: int
    registry_updates_in_time: int
    needs: str
    extractions: int
    quick_extractions: int
    break_glass_uses: int
    breaches: int
    breaches_notified_in_time: int
    score: float
    grade: str
    parts: _containers.RepeatedCompositeFieldContainer[ScorePart]
    def __init__(self, number: _Optional[int] = ..., unit_id: _Optional[str] = ..., unit_name: _Optional[str] = ..., unit_kind: _Optional[str] = ..., commune_code: _Optional[str] = ..., cameras: _Optional[int] = ..., connected: _Optional[int] = ..., never: _Optional[int] = ..., uptime: _Optional[float] = ..., incidents: _Optional[int] = ..., fixed_in_time: _Optional[int] = ..., maintained: _Optional[int] = ..., registry_updates: _Optional[int] = ..., registry_updates_in_time: _Optional[int] = ..., needs: _Optional[str] = ..., extractions: _Optional[int] = ..., quick_extractions: _Optional[int] = ..., break_glass_uses: _Optional[int] = ..., breaches: _Optional[int] = ..., breaches_notified_in_time: _Optional[int] = ..., score: _Optional[float] = ..., grade: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[ScorePart, _Mapping]]] = ...) -> None: ...

class AnnualReport(_message.Message):
    __slots__ = ("year", "generated_at", "period_from", "period_to", "rows", "score_rules", "outside_included")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SCORE_RULES_FIELD_NUMBER: _ClassVar[int]
    OUTSIDE_INCLUDED_FIELD_NUMBER: _ClassVar[int]
    year: int
    generated_at: _timestamp_pb2.Timestamp
    period_from: str
    period_to: str
    rows: _containers.RepeatedCompositeFieldContainer[AnnualUnitRow]
    score_rules: _containers.RepeatedScalarFieldContainer[str]
    outside_included: bool
    def __init__(self, year: _Optional[int] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[AnnualUnitRow, _Mapping]]] = ..., score_rules: _Optional[_Iterable[str]] = ..., outside_included: _Optional[bool] = ...) -> None: ...

class GetAnnualReportReply(_message.Message):
    __slots__ = ("report", "document", "content_type", "filename")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    report: AnnualReport
    document: bytes
    content_type: str
    filename: str
    def __init__(self, report: _Optional[_Union[AnnualReport, _Mapping]] = ..., document: _Optional[bytes] = ..., content_type: _Optional[str] = ..., filename: _Optional[str] = ...) -> None: ...
