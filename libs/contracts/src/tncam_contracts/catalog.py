"""The subject and stream catalog: every NATS subject and JetStream stream tncam uses.

Subjects follow ``tncam.<domain>.v1.<event>[.<camera_id>]`` (events past tense, requests
imperative). A *namespace* prefixes every subject and stream name so that tests (and
side-by-side deployments) are isolated on one server; production uses the empty namespace.

The catalog is independent of the NATS client: ``tncam_mesh`` turns these specs into client
calls. Durability note: ``sync_interval: always`` is a *server* setting (``jetstream {}``
block of nats-server.conf), not a stream one; every stream here uses file storage.
"""

# long module: the one table of every stream, event, request and bucket, in one place
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType, ModuleType
from typing import Generic, TypeVar

from google.protobuf.message import Message

from tncam.audit.v1 import (
    audit_event_pb2,
    breach_pb2,
    checkpoint_pb2,
    log_entry_pb2,
    query_pb2,
    verify_pb2,
)
from tncam.camera.v1 import lease_pb2, snapshot_pb2, stats_pb2, status_pb2
from tncam.common.v1 import actor_pb2, object_ref_pb2
from tncam.deadletter.v1 import dead_letter_pb2
from tncam.gateway.v1 import grant_pb2
from tncam.live.v1 import live_pb2, session_pb2
from tncam.recording.v1 import recording_api_pb2, segment_pb2
from tncam.registry.v1 import (
    annual_pb2,
    camera_config_pb2,
    camera_state_pb2,
    changes_pb2,
    credentials_pb2,
    notify_pb2,
    service_pb2,
)

_NS_RE = re.compile(r"^[a-z0-9_]*$")
# One subject token filled in at publish time (a camera id, a service name, a stream name);
# also a valid NATS KV key. No '.', '*', '>' or whitespace.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_TEMPLATE_RE = re.compile(r"^tncam\.[a-z]+\.v[0-9]+\.[a-z][a-z0-9_]*\.\{([a-z][a-z0-9_]*)\}$")
_REQUEST_RE = re.compile(r"^tncam\.[a-z]+\.v[0-9]+\.[a-z][a-z0-9_]*$")

KIB = 1024
MIB = 1024 * KIB
DAY_S = 24 * 3600.0

#: Header carrying the protobuf full name of the payload, e.g. ``tncam.camera.v1.StreamStats``.
HEADER_TYPE = "Tncam-Type"
#: JetStream de-duplication header; every publish sets it (the idempotency key).
HEADER_MSG_ID = "Nats-Msg-Id"

#: Largest message body the mesh publishes (a serialized protobuf message).
MAX_MESSAGE_BODY_BYTES = 8 * MIB
#: Room for NATS headers on top of the body.
HEADER_HEADROOM_BYTES = 64 * KIB
#: The ``max_payload`` every nats-server of tncam needs (deploy config, testkit).
NATS_MAX_PAYLOAD = MAX_MESSAGE_BODY_BYTES + HEADER_HEADROOM_BYTES
#: A serialized ``SegmentClosed`` (media + init + fields) must not exceed this.
MAX_SEGMENT_MESSAGE_BYTES = MAX_MESSAGE_BODY_BYTES
#: Largest inline JPEG thumbnail in a ``SnapshotTaken``.
MAX_INLINE_SNAPSHOT_BYTES = 64 * KIB

M = TypeVar("M", bound=Message, covariant=True)  # EventSpec[X] is an EventSpec[Message]


class Retention(StrEnum):
    """JetStream retention policy."""

    LIMITS = "limits"
    WORK_QUEUE = "workqueue"
    INTEREST = "interest"


class Discard(StrEnum):
    """What a full stream does with a new message."""

    OLD = "old"
    NEW = "new"  # producers see back-pressure instead of history being dropped


class Storage(StrEnum):
    """JetStream storage backend."""

    FILE = "file"
    MEMORY = "memory"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """Declarative JetStream stream configuration, independent of the NATS client."""

    name: str
    subjects: tuple[str, ...]
    description: str
    retention: Retention = Retention.LIMITS
    discard: Discard = Discard.OLD
    max_age_s: float = 0.0  # 0 = unlimited
    max_bytes: int = -1
    max_msg_size: int = -1
    duplicate_window_s: float = 120.0
    deny_delete: bool = False
    deny_purge: bool = False
    replicas: int = 1
    allow_direct: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    storage: Storage = Storage.FILE
    max_msgs: int = -1
    max_msgs_per_subject: int = -1

    def scoped(self, namespace: str) -> StreamSpec:
        """This stream under ``namespace`` (name prefixed, subjects prefixed)."""
        if not check_namespace(namespace):
            return self
        return replace(
            self,
            name=f"{namespace.upper()}_{self.name}",
            subjects=tuple(f"{namespace}.{s}" for s in self.subjects),
        )


def check_namespace(namespace: str) -> str:
    """Validate a namespace: lower-case letters, digits and underscores only."""
    if not _NS_RE.match(namespace):
        raise ValueError(
            f"namespace {namespace!r} may only contain lower-case letters, digits and '_'"
        )
    return namespace


def check_token(value: str, what: str = "subject token") -> str:
    """Validate one subject token / KV key (a camera id, a service name): ``[A-Za-z0-9_-]``."""
    if not _TOKEN_RE.match(value):
        raise ValueError(
            f"{what} {value!r} must be 1-128 characters of letters, digits, '-' and '_'"
        )
    return value


def subject(namespace: str, base: str) -> str:
    """A catalog subject under ``namespace``."""
    return f"{check_namespace(namespace)}.{base}" if namespace else base


def subject_matches(pattern: str, concrete: str) -> bool:
    """Whether the NATS subject filter ``pattern`` (``*``, ``>``) matches subject ``concrete``."""
    p_tokens = pattern.split(".")
    s_tokens = concrete.split(".")
    for i, tok in enumerate(p_tokens):
        if tok == ">":
            return len(s_tokens) > i
        if i >= len(s_tokens) or (tok != "*" and tok != s_tokens[i]):
            return False
    return len(p_tokens) == len(s_tokens)


# --------------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class EventSpec(Generic[M]):
    """One event: its subject template, its protobuf message and the stream storing it.

    ``template`` is ``tncam.<domain>.v1.<event>.{<key>}``; ``<key>`` names the last token
    (``camera_id``, ``source_service``, ``stream``).
    """

    template: str
    message: type[M]
    stream: StreamSpec
    description: str

    def __post_init__(self) -> None:
        if not _TEMPLATE_RE.match(self.template):
            raise ValueError(f"bad subject template {self.template!r}")

    @property
    def base(self) -> str:
        """The subject without its key token, e.g. ``tncam.camera.v1.status_changed``."""
        return self.template.rsplit(".", 1)[0]

    @property
    def key(self) -> str:
        """Name of the key placeholder, e.g. ``camera_id``."""
        return self.template.rsplit(".", 1)[1].strip("{}")

    @property
    def event(self) -> str:
        """The past-tense event name, e.g. ``status_changed``."""
        return self.base.rsplit(".", 1)[1]

    @property
    def domain(self) -> str:
        """The domain, e.g. ``camera``."""
        return self.template.split(".")[1]

    @property
    def type_name(self) -> str:
        """Protobuf full name of the message (the ``Tncam-Type`` header value)."""
        return type_name(self.message)

    def subject(self, key: str, namespace: str = "") -> str:
        """The concrete subject for ``key`` (a camera id, ...) under ``namespace``."""
        return subject(namespace, f"{self.base}.{check_token(key, self.key)}")

    def filter(self, namespace: str = "") -> str:
        """The consumer filter matching this event for every key under ``namespace``."""
        return subject(namespace, f"{self.base}.*")

    def key_of(self, concrete: str, namespace: str = "") -> str:
        """The key token of a concrete subject of this event (inverse of :meth:`subject`)."""
        prefix = subject(namespace, self.base) + "."
        key = concrete[len(prefix) :] if concrete.startswith(prefix) else ""
        if not key or not _TOKEN_RE.match(key):
            raise ValueError(f"subject {concrete!r} is not a {self.event} subject")
        return key

    def scoped_stream(self, namespace: str = "") -> StreamSpec:
        """The stream storing this event, under ``namespace``."""
        return self.stream.scoped(namespace)

    def decode(self, data: bytes) -> M:
        """Parse a payload of this event."""
        return self.message.FromString(data)


_T_STATUS_CHANGED = "tncam.camera.v1.status_changed.{camera_id}"
_T_STATS_REPORTED = "tncam.camera.v1.stats_reported.{camera_id}"
_T_SNAPSHOT_TAKEN = "tncam.camera.v1.snapshot_taken.{camera_id}"
_T_CONFIG_CHANGED = "tncam.registry.v1.camera_config_changed.{camera_id}"
_T_STATE_CHANGED = "tncam.registry.v1.camera_state_changed.{camera_id}"
_T_SEGMENT_CLOSED = "tncam.recording.v1.segment_closed.{camera_id}"
_T_SEGMENT_STORED = "tncam.recording.v1.segment_stored.{camera_id}"
_T_AUDIT_RECORDED = "tncam.audit.v1.event_recorded.{source_service}"
_T_DEAD_LETTERED = "tncam.deadletter.v1.message_dead_lettered.{stream}"
_T_GRANT_ISSUED = "tncam.gateway.v1.grant_issued.{unit_id}"
_T_GRANT_REVOKED = "tncam.gateway.v1.grant_revoked.{unit_id}"


def _wild(template: str) -> str:
    return template.rsplit(".", 1)[0] + ".*"


# -------------------------------------------------------------------------------- streams

CAMERA_STREAM = StreamSpec(
    name="CAMERA",
    subjects=(_wild(_T_STATUS_CHANGED), _wild(_T_STATS_REPORTED), _wild(_T_SNAPSHOT_TAKEN)),
    description="Camera status, stream statistics and snapshots from ingest (7 days).",
    max_age_s=7 * DAY_S,
    max_msg_size=256 * KIB,
)
REGISTRY_STREAM = StreamSpec(
    name="REGISTRY",
    subjects=(_wild(_T_CONFIG_CHANGED), _wild(_T_STATE_CHANGED)),
    description="Camera configuration and connection-state changes from the registry (30 days).",
    max_age_s=30 * DAY_S,
    max_msg_size=MIB,
)
RECORDING_HANDOFF_STREAM = StreamSpec(
    name="RECORDING_HANDOFF",
    subjects=(_wild(_T_SEGMENT_CLOSED),),
    description=(
        "Closed media segments from ingest, taken once by a recorder (work queue). Full: "
        "ingest gets back-pressure (discard new) rather than losing queued footage."
    ),
    retention=Retention.WORK_QUEUE,
    discard=Discard.NEW,
    max_age_s=1 * DAY_S,
    max_msg_size=NATS_MAX_PAYLOAD,
)
RECORDING_STREAM = StreamSpec(
    name="RECORDING",
    subjects=(_wild(_T_SEGMENT_STORED),),
    description="Segments stored and indexed by the recorder (7 days).",
    max_age_s=7 * DAY_S,
    max_msg_size=256 * KIB,
)
AUDIT_STREAM = StreamSpec(
    name="AUDIT",
    subjects=(_wild(_T_AUDIT_RECORDED),),
    description=(
        "Audit events of every service; append-only (no delete, no purge), kept forever, "
        "full stream refuses new events rather than dropping old ones."
    ),
    discard=Discard.NEW,
    max_age_s=0.0,
    max_msg_size=MIB,
    duplicate_window_s=600.0,
    deny_delete=True,
    deny_purge=True,
)
GATEWAY_STREAM = StreamSpec(
    name="GATEWAY",
    subjects=(_wild(_T_GRANT_ISSUED), _wild(_T_GRANT_REVOKED)),
    description="Grants issued/revoked by the gateway, per owning unit notified (365 days).",
    max_age_s=365 * DAY_S,
    max_msg_size=256 * KIB,
)
DEADLETTER_STREAM = StreamSpec(
    name="DEADLETTER",
    subjects=("tncam.deadletter.v1.>",),
    description="Messages consumers gave up on (terminated or max_deliver reached), 30 days.",
    max_age_s=30 * DAY_S,
    max_msg_size=NATS_MAX_PAYLOAD,
)

#: Every stream, in declaration order.
STREAMS: tuple[StreamSpec, ...] = (
    CAMERA_STREAM,
    REGISTRY_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    AUDIT_STREAM,
    GATEWAY_STREAM,
    DEADLETTER_STREAM,
)

# --------------------------------------------------------------------------------- events

CAMERA_STATUS_CHANGED = EventSpec(
    _T_STATUS_CHANGED,
    status_pb2.CameraStatusChanged,
    CAMERA_STREAM,
    "A camera's RTSP session came up or went down (ingest).",
)
CAMERA_STATS_REPORTED = EventSpec(
    _T_STATS_REPORTED,
    stats_pb2.StreamStats,
    CAMERA_STREAM,
    "Stream statistics of one measurement window (ingest).",
)
CAMERA_SNAPSHOT_TAKEN = EventSpec(
    _T_SNAPSHOT_TAKEN,
    snapshot_pb2.SnapshotTaken,
    CAMERA_STREAM,
    "A snapshot with picture-quality checks (ingest, about once a minute).",
)
CAMERA_CONFIG_CHANGED = EventSpec(
    _T_CONFIG_CHANGED,
    camera_config_pb2.CameraConfigChanged,
    REGISTRY_STREAM,
    "A camera's configuration was upserted or removed (registry).",
)
CAMERA_STATE_CHANGED = EventSpec(
    _T_STATE_CHANGED,
    camera_state_pb2.CameraStateChanged,
    REGISTRY_STREAM,
    "A camera's connection state (never/connected/lost/unstable) changed (registry).",
)
SEGMENT_CLOSED = EventSpec(
    _T_SEGMENT_CLOSED,
    segment_pb2.SegmentClosed,
    RECORDING_HANDOFF_STREAM,
    "A media segment was cut and handed to the recorders (ingest).",
)
SEGMENT_STORED = EventSpec(
    _T_SEGMENT_STORED,
    segment_pb2.SegmentStored,
    RECORDING_STREAM,
    "A segment was durably stored and indexed (recorder).",
)
AUDIT_EVENT_RECORDED = EventSpec(
    _T_AUDIT_RECORDED,
    audit_event_pb2.AuditEvent,
    AUDIT_STREAM,
    "An audited action (every service; key = source service).",
)
GRANT_ISSUED = EventSpec(
    _T_GRANT_ISSUED,
    grant_pb2.GrantIssued,
    GATEWAY_STREAM,
    "A break-glass grant or committee approval covers a unit's cameras (gateway; key = unit).",
)
GRANT_REVOKED = EventSpec(
    _T_GRANT_REVOKED,
    grant_pb2.GrantRevoked,
    GATEWAY_STREAM,
    "A grant was revoked before its expiry (gateway; key = unit).",
)
MESSAGE_DEAD_LETTERED = EventSpec(
    _T_DEAD_LETTERED,
    dead_letter_pb2.DeadLetter,
    DEADLETTER_STREAM,
    "A consumer gave up on a message (key = unscoped source stream name, lower case).",
)

#: Every event, grouped by stream.
EVENTS: tuple[EventSpec[Message], ...] = (
    CAMERA_STATUS_CHANGED,
    CAMERA_STATS_REPORTED,
    CAMERA_SNAPSHOT_TAKEN,
    CAMERA_CONFIG_CHANGED,
    CAMERA_STATE_CHANGED,
    SEGMENT_CLOSED,
    SEGMENT_STORED,
    AUDIT_EVENT_RECORDED,
    GRANT_ISSUED,
    GRANT_REVOKED,
    MESSAGE_DEAD_LETTERED,
)


def events_of(stream: StreamSpec) -> tuple[EventSpec[Message], ...]:
    """The events stored in the (unscoped) ``stream``."""
    return tuple(e for e in EVENTS if e.stream.name == stream.name)


def dead_letter_subject(stream: StreamSpec, namespace: str = "") -> str:
    """Where consumers of the (unscoped) ``stream`` publish their dead letters."""
    return MESSAGE_DEAD_LETTERED.subject(stream.name.lower(), namespace)


def segment_idempotency_key(camera_id: str, segment_start: datetime) -> str:
    """``<camera_id>:<segment_start>`` with the start as RFC 3339 UTC with milliseconds.

    E.g. ``cam-001:2026-03-01T08:00:00.000Z``; used as ``Nats-Msg-Id`` of ``SegmentClosed``.
    """
    if segment_start.tzinfo is None:
        raise ValueError("segment_start must be timezone-aware")
    start = segment_start.astimezone(UTC)
    stamp = f"{start:%Y-%m-%dT%H:%M:%S}.{start.microsecond // 1000:03d}Z"
    return f"{check_token(camera_id, 'camera_id')}:{stamp}"


# ------------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request/reply subject served by a NATS micro-service (imperative verb)."""

    base: str
    description: str

    def __post_init__(self) -> None:
        if not _REQUEST_RE.match(self.base):
            raise ValueError(f"bad request subject {self.base!r}")

    def subject(self, namespace: str = "") -> str:
        """The subject under ``namespace``."""
        return subject(namespace, self.base)


REGISTRY_LIST_CAMERAS = RequestSpec(
    "tncam.registry.v1.list_cameras", "Cameras visible to a scope, with state."
)
REGISTRY_GET_CAMERA = RequestSpec("tncam.registry.v1.get_camera", "One camera's record.")
REGISTRY_RESOLVE_CREDENTIALS = RequestSpec(
    "tncam.registry.v1.resolve_credentials",
    "Camera credentials behind a credentials_ref (ingest only).",
)
REGISTRY_CREATE_CAMERA = RequestSpec("tncam.registry.v1.create_camera", "Register a camera.")
REGISTRY_UPDATE_CAMERA = RequestSpec(
    "tncam.registry.v1.update_camera", "Change a camera's fields or credentials."
)
REGISTRY_DEACTIVATE_CAMERA = RequestSpec(
    "tncam.registry.v1.deactivate_camera", "Deactivate a camera (ingest drops it)."
)
REGISTRY_IMPORT_CAMERAS = RequestSpec(
    "tncam.registry.v1.import_cameras", "Import cameras from a CSV/XLSX file, all or nothing."
)
REGISTRY_GET_CONNECTION_REPORT = RequestSpec(
    "tncam.registry.v1.get_connection_report",
    "The official connection report per commune (JSON, CSV, XLSX, HTML, PDF), now or as of a "
    "past instant, scoped to the reader.",
)
REGISTRY_SET_REPORT_NOTE = RequestSpec(
    "tncam.registry.v1.set_report_note",
    "Write or remove the note of a commune's row in the connection report (audited).",
)
REGISTRY_LIST_OVERDUE_DEADLINES = RequestSpec(
    "tncam.registry.v1.list_overdue_deadlines", "Deadlines past due (working-day calendar)."
)
REGISTRY_RECORD_MAINTENANCE = RequestSpec(
    "tncam.registry.v1.record_maintenance", "Record a camera's periodic maintenance."
)
REGISTRY_RECORD_CONNECTION_NEEDS = RequestSpec(
    "tncam.registry.v1.record_connection_needs",
    "A unit's annual registration of next year's connection needs.",
)
REGISTRY_GET_CAMERA_HISTORY = RequestSpec(
    "tncam.registry.v1.get_camera_history",
    "A camera's state transitions, daily uptime and fault tickets.",
)
REGISTRY_LIST_UNITS = RequestSpec(
    "tncam.registry.v1.list_units", "The owning units and sectors the registry knows."
)
REGISTRY_CREATE_UNIT = RequestSpec(
    "tncam.registry.v1.create_unit", "Add an owning unit with its leader and IT contacts."
)
REGISTRY_UPDATE_UNIT = RequestSpec(
    "tncam.registry.v1.update_unit", "Change an owning unit's name, contacts or state."
)
REGISTRY_LIST_SITES = RequestSpec(
    "tncam.registry.v1.list_sites", "Sites with their notice sign (R17), by commune or unit."
)
REGISTRY_CREATE_SITE = RequestSpec("tncam.registry.v1.create_site", "Add a site.")
REGISTRY_UPDATE_SITE = RequestSpec(
    "tncam.registry.v1.update_site", "Change a site (its notice sign and check date)."
)
REGISTRY_LIST_FAULT_TICKETS = RequestSpec(
    "tncam.registry.v1.list_fault_tickets", "Fault tickets, open or all, by camera or unit."
)
REGISTRY_ACKNOWLEDGE_FAULT_TICKET = RequestSpec(
    "tncam.registry.v1.acknowledge_fault_ticket", "The owning unit acknowledges a fault ticket."
)
REGISTRY_ADD_FAULT_TICKET_NOTE = RequestSpec(
    "tncam.registry.v1.add_fault_ticket_note", "Add a note to a fault ticket."
)
REGISTRY_CLOSE_FAULT_TICKET = RequestSpec(
    "tncam.registry.v1.close_fault_ticket", "Close a fault ticket with its cause."
)
REGISTRY_LIST_MAINTENANCE_RECORDS = RequestSpec(
    "tncam.registry.v1.list_maintenance_records", "Maintenance visits (Art. 14), newest first."
)
REGISTRY_LIST_CONNECTION_NEEDS = RequestSpec(
    "tncam.registry.v1.list_connection_needs", "The units' annual needs registrations (Art. 22)."
)
REGISTRY_GET_NOTIFICATION_TARGETS = RequestSpec(
    "tncam.registry.v1.get_notification_targets",
    "A unit's notification targets (e-mail, webhooks; no secret).",
)
REGISTRY_SET_NOTIFICATION_TARGETS = RequestSpec(
    "tncam.registry.v1.set_notification_targets", "Replace a unit's notification targets."
)
REGISTRY_LIST_NOTICES = RequestSpec(
    "tncam.registry.v1.list_notices", "Notices sent (or being sent) to the units, newest first."
)
REGISTRY_LIST_CHANGE_REQUESTS = RequestSpec(
    "tncam.registry.v1.list_change_requests",
    "Change requests that would hide a camera (pending approval, decided).",
)
REGISTRY_DECIDE_CHANGE_REQUEST = RequestSpec(
    "tncam.registry.v1.decide_change_request",
    "A province admin approves (applies) or rejects a camera change request.",
)
REGISTRY_GET_ANNUAL_REPORT = RequestSpec(
    "tncam.registry.v1.get_annual_report",
    "The annual report per unit with its score (JSON, XLSX, PDF).",
)
RECORDING_LIST_SEGMENTS = RequestSpec(
    "tncam.recording.v1.list_segments", "Stored segments of a camera in a time range."
)
RECORDING_GET_TIMELINE = RequestSpec(
    "tncam.recording.v1.get_timeline", "Recorded ranges and gaps of a camera."
)
RECORDING_GET_GAP_REPORT = RequestSpec(
    "tncam.recording.v1.get_gap_report", "Gaps of cameras on one day (UTC+7)."
)
RECORDING_GET_PLAYLIST = RequestSpec(
    "tncam.recording.v1.get_playlist", "HLS VOD playlist (fMP4) of a camera and range."
)
RECORDING_GET_LIVE_PLAYLIST = RequestSpec(
    "tncam.recording.v1.get_live_playlist", "Near-live HLS playlist of a camera's newest segments."
)
RECORDING_GET_OBJECT = RequestSpec(
    "tncam.recording.v1.get_object", "Bytes of a segment, init segment or export (gateway)."
)
RECORDING_GET_SNAPSHOT = RequestSpec(
    "tncam.recording.v1.get_snapshot",
    "A camera's newest snapshot JPEG from the object store (gateway; checked, capped).",
)
RECORDING_PLACE_LEGAL_HOLD = RequestSpec(
    "tncam.recording.v1.place_legal_hold", "Hold a camera set and range for a case."
)
RECORDING_RELEASE_LEGAL_HOLD = RequestSpec(
    "tncam.recording.v1.release_legal_hold", "Release a legal hold when its case is closed."
)
RECORDING_CREATE_EXPORT = RequestSpec(
    "tncam.recording.v1.create_export", "One MP4 of a camera and range with a signed manifest."
)
RECORDING_DECOMMISSION = RequestSpec(
    "tncam.recording.v1.delete_recordings",
    "Decommission: wipe a camera's or the bucket's footage; signed certificate.",
)
AUDIT_VERIFY = RequestSpec("tncam.audit.v1.verify", "Verify the audit hash chain.")
AUDIT_QUERY_LOG = RequestSpec(
    "tncam.audit.v1.query_log", "Processing / extraction log entries for a filter."
)
AUDIT_EXPORT_LOG_CSV = RequestSpec(
    "tncam.audit.v1.export_log_csv", "One page of a log view as CSV with Vietnamese headers."
)
AUDIT_GET_CHECKPOINT = RequestSpec(
    "tncam.audit.v1.get_checkpoint", "The newest (or a given) signed checkpoint and its key."
)
AUDIT_GET_INCLUSION_PROOF = RequestSpec(
    "tncam.audit.v1.get_inclusion_proof", "RFC 6962 proof that an entry is in the log."
)
AUDIT_GET_CONSISTENCY_PROOF = RequestSpec(
    "tncam.audit.v1.get_consistency_proof", "RFC 6962 proof that an older tree is a prefix."
)
AUDIT_RECORD_BREACH = RequestSpec(
    "tncam.audit.v1.record_breach", "Record a detected personal-data breach (72 h deadline)."
)
AUDIT_RECORD_BREACH_NOTICE = RequestSpec(
    "tncam.audit.v1.record_breach_notice", "Record a written notice sent about a breach."
)
AUDIT_LIST_BREACHES = RequestSpec(
    "tncam.audit.v1.list_breaches", "The breach register with deadlines and notices."
)
LIVE_OPEN_SESSION = RequestSpec(
    "tncam.live.v1.open_session",
    "Open an authorized viewer's WebRTC (SDP offer -> answer) or MSE session on any live replica.",
)

#: Every request subject.
REQUESTS: tuple[RequestSpec, ...] = (
    REGISTRY_LIST_CAMERAS,
    REGISTRY_GET_CAMERA,
    REGISTRY_RESOLVE_CREDENTIALS,
    REGISTRY_CREATE_CAMERA,
    REGISTRY_UPDATE_CAMERA,
    REGISTRY_DEACTIVATE_CAMERA,
    REGISTRY_IMPORT_CAMERAS,
    REGISTRY_GET_CONNECTION_REPORT,
    REGISTRY_LIST_OVERDUE_DEADLINES,
    REGISTRY_RECORD_MAINTENANCE,
    REGISTRY_RECORD_CONNECTION_NEEDS,
    REGISTRY_GET_CAMERA_HISTORY,
    REGISTRY_LIST_UNITS,
    REGISTRY_SET_REPORT_NOTE,
    REGISTRY_GET_NOTIFICATION_TARGETS,
    REGISTRY_SET_NOTIFICATION_TARGETS,
    REGISTRY_LIST_NOTICES,
    REGISTRY_LIST_CHANGE_REQUESTS,
    REGISTRY_DECIDE_CHANGE_REQUEST,
    REGISTRY_GET_ANNUAL_REPORT,
    RECORDING_LIST_SEGMENTS,
    RECORDING_GET_TIMELINE,
    RECORDING_GET_GAP_REPORT,
    RECORDING_GET_PLAYLIST,
    RECORDING_GET_LIVE_PLAYLIST,
    RECORDING_GET_OBJECT,
    RECORDING_GET_SNAPSHOT,
    RECORDING_PLACE_LEGAL_HOLD,
    RECORDING_RELEASE_LEGAL_HOLD,
    RECORDING_CREATE_EXPORT,
    RECORDING_DECOMMISSION,
    AUDIT_VERIFY,
    AUDIT_QUERY_LOG,
    AUDIT_EXPORT_LOG_CSV,
    AUDIT_GET_CHECKPOINT,
    AUDIT_GET_INCLUSION_PROOF,
    AUDIT_GET_CONSISTENCY_PROOF,
    AUDIT_RECORD_BREACH,
    AUDIT_RECORD_BREACH_NOTICE,
    AUDIT_LIST_BREACHES,
    LIVE_OPEN_SESSION,
    REGISTRY_CREATE_UNIT,
    REGISTRY_UPDATE_UNIT,
    REGISTRY_LIST_SITES,
    REGISTRY_CREATE_SITE,
    REGISTRY_UPDATE_SITE,
    REGISTRY_LIST_FAULT_TICKETS,
    REGISTRY_ACKNOWLEDGE_FAULT_TICKET,
    REGISTRY_ADD_FAULT_TICKET_NOTE,
    REGISTRY_CLOSE_FAULT_TICKET,
    REGISTRY_LIST_MAINTENANCE_RECORDS,
    REGISTRY_LIST_CONNECTION_NEEDS,
)

# ----------------------------------------------------------------------- live (core NATS)

#: The subject token of each live stream (``LiveStream`` enum value -> token).
LIVE_STREAM_TOKENS: Mapping[int, str] = MappingProxyType(
    {live_pb2.LIVE_STREAM_MAIN: "main", live_pb2.LIVE_STREAM_SUB: "sub"}
)


@dataclass(frozen=True, slots=True)
class LiveSubjectSpec(Generic[M]):
    """A core-NATS subject family of live view (ADR 0020): published without JetStream, so
    no stream may capture it. ``keys`` name the tokens after ``base``."""

    base: str
    keys: tuple[str, ...]
    message: type[M]
    description: str

    def __post_init__(self) -> None:
        if not _REQUEST_RE.match(self.base):
            raise ValueError(f"bad live subject {self.base!r}")

    def subject(self, *tokens: str, namespace: str = "") -> str:
        """The concrete subject for ``tokens`` (camera id, then stream) under ``namespace``."""
        if len(tokens) != len(self.keys):
            raise ValueError(f"{self.base} takes {len(self.keys)} tokens: {self.keys}")
        checked = (check_token(t, k) for t, k in zip(tokens, self.keys, strict=True))
        return subject(namespace, ".".join((self.base, *checked)))

    def filter(self, namespace: str = "") -> str:
        """The subscription filter matching every subject of this family under ``namespace``."""
        return subject(namespace, ".".join((self.base, *("*" for _ in self.keys))))

    def tokens_of(self, concrete: str, namespace: str = "") -> tuple[str, ...]:
        """The tokens of a concrete subject of this family (inverse of :meth:`subject`)."""
        prefix = subject(namespace, self.base) + "."
        tokens = tuple(concrete[len(prefix) :].split(".")) if concrete.startswith(prefix) else ()
        if len(tokens) != len(self.keys) or not all(_TOKEN_RE.match(t) for t in tokens):
            raise ValueError(f"subject {concrete!r} is not a {self.base} subject")
        return tokens

    @property
    def type_name(self) -> str:
        """Protobuf full name of the message (the ``Tncam-Type`` header value)."""
        return type_name(self.message)


LIVE_DEMAND = LiveSubjectSpec(
    "tncam.live.v1.demand",
    ("camera_id",),
    live_pb2.LiveDemand,
    "A viewer-side service watches a camera's stream (about every second while it has viewers).",
)
LIVE_ACCESS_UNITS = LiveSubjectSpec(
    "tncam.live.v1.au",
    ("camera_id", "stream"),
    live_pb2.LiveAccessUnit,
    "A watched camera's access units, Annex-B, parameter sets before each keyframe (ingest).",
)

LIVE_SESSION_CONTROL = LiveSubjectSpec(
    "tncam.live.v1.control",
    ("replica_id",),
    session_pb2.LiveSessionControl,
    "Trickle ICE, close or keepalive for a session, to the live replica that holds it "
    "(request/reply).",
)
LIVE_MEDIA = LiveSubjectSpec(
    "tncam.live.v1.media",
    ("session_id",),
    session_pb2.LiveMediaSegment,
    "An MSE session's fragmented MP4 (init, then one fragment per access unit), from the "
    "replica that holds it to the gateway relaying it (ADR 0023).",
)

#: Every live subject family.
LIVE_SUBJECTS: tuple[LiveSubjectSpec[Message], ...] = (
    LIVE_DEMAND,
    LIVE_ACCESS_UNITS,
    LIVE_SESSION_CONTROL,
    LIVE_MEDIA,
)


def live_access_unit_subject(camera_id: str, stream: int, namespace: str = "") -> str:
    """``tncam.live.v1.au.<camera_id>.<main|sub>`` for a ``LiveStream`` value."""
    token = LIVE_STREAM_TOKENS.get(stream)
    if token is None:
        raise ValueError(f"no live stream {stream!r}")
    return LIVE_ACCESS_UNITS.subject(camera_id, token, namespace=namespace)


# ------------------------------------------------------------------------------------- KV


@dataclass(frozen=True, slots=True)
class KVSpec:
    """Declarative JetStream key-value bucket configuration (keys are camera ids)."""

    bucket: str
    description: str
    value_type: type[Message] | None = None
    ttl_s: float = 0.0  # 0 = entries never expire
    history: int = 1
    max_value_size: int = -1
    storage: Storage = Storage.FILE
    replicas: int = 1

    def scoped(self, namespace: str) -> KVSpec:
        """This bucket under ``namespace`` (``<namespace>_<bucket>``)."""
        if not check_namespace(namespace):
            return self
        return replace(self, bucket=f"{namespace}_{self.bucket}")

    @property
    def stream_name(self) -> str:
        """The stream backing the bucket on the server."""
        return f"KV_{self.bucket}"


CAMERA_CONFIG_KV = KVSpec(
    bucket="camera_config",
    description="Current ingest configuration per camera (registry writes, ingest watches).",
    value_type=camera_config_pb2.CameraIngestConfig,
    history=5,
    max_value_size=64 * KIB,
)
INGEST_LEASES_KV = KVSpec(
    bucket="ingest_leases",
    description="Which ingest worker holds each camera; renewed by compare-and-set.",
    value_type=lease_pb2.IngestLease,
    ttl_s=10.0,
    max_value_size=4 * KIB,
)
INGEST_WORKERS_KV = KVSpec(
    bucket="ingest_workers",
    description="Ingest workers alive (key = worker id), for an even spread of leases.",
    value_type=lease_pb2.IngestWorker,
    ttl_s=10.0,
    max_value_size=4 * KIB,
)

#: Every KV bucket.
KV_BUCKETS: tuple[KVSpec, ...] = (CAMERA_CONFIG_KV, INGEST_LEASES_KV, INGEST_WORKERS_KV)

# ------------------------------------------------------------------------- message types

#: Every generated module; a new ``.proto`` file must be added here (a test checks it).
MESSAGE_MODULES: tuple[ModuleType, ...] = (
    actor_pb2,
    object_ref_pb2,
    status_pb2,
    stats_pb2,
    snapshot_pb2,
    lease_pb2,
    camera_config_pb2,
    credentials_pb2,
    camera_state_pb2,
    notify_pb2,
    changes_pb2,
    service_pb2,
    annual_pb2,
    segment_pb2,
    recording_api_pb2,
    audit_event_pb2,
    log_entry_pb2,
    checkpoint_pb2,
    verify_pb2,
    query_pb2,
    breach_pb2,
    grant_pb2,
    dead_letter_pb2,
    live_pb2,
    session_pb2,
)


def _collect(modules: tuple[ModuleType, ...]) -> Mapping[str, type[Message]]:
    found: dict[str, type[Message]] = {}
    for module in modules:
        for name, descriptor in module.DESCRIPTOR.message_types_by_name.items():
            cls = getattr(module, name)
            if not (isinstance(cls, type) and issubclass(cls, Message)):
                raise TypeError(f"{module.__name__}.{name} is not a message class")
            found[descriptor.full_name] = cls
    return MappingProxyType(dict(sorted(found.items())))


#: Protobuf full name -> message class, for every top-level tncam message.
MESSAGE_TYPES: Mapping[str, type[Message]] = _collect(MESSAGE_MODULES)


class UnknownMessageTypeError(LookupError):
    """A ``Tncam-Type`` header names no known message."""


def type_name(message: Message | type[Message]) -> str:
    """Protobuf full name of a message or message class (the ``Tncam-Type`` value)."""
    return str(message.DESCRIPTOR.full_name)


def message_for_type(name: str) -> type[Message]:
    """The message class for a protobuf full name, e.g. ``tncam.audit.v1.AuditEvent``."""
    try:
        return MESSAGE_TYPES[name]
    except KeyError:
        raise UnknownMessageTypeError(f"unknown message type {name!r}") from None


def decode(name: str, data: bytes) -> Message:
    """Parse ``data`` as the message named by a ``Tncam-Type`` header value."""
    return message_for_type(name).FromString(data)
