"""The catalog: naming conventions, stream coverage, namespace isolation, message round trips."""

from __future__ import annotations

import importlib
import itertools
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from tncam.camera.v1 import status_pb2
from tncam.recording.v1 import segment_pb2
from tncam_contracts import catalog
from tncam_contracts.catalog import (
    EVENTS,
    KV_BUCKETS,
    REQUESTS,
    STREAMS,
    EventSpec,
    subject_matches,
)

GENERATED_ROOT = Path(catalog.__file__).resolve().parents[1] / "tncam"
NAMESPACES = ("", "t1", "t2", "e2e_42")
# Past participles not ending in "-ed" that events may use.
IRREGULAR_PAST = frozenset({"taken", "sent", "made", "built", "held", "done", "begun", "lost"})
IMPERATIVE_VERBS = frozenset(
    {
        "list",
        "acknowledge",
        "add",
        "close",
        "open",
        "get",
        "verify",
        "query",
        "create",
        "update",
        "delete",
        "start",
        "stop",
        "set",
        "resolve",
        "import",
        "deactivate",
        "place",
        "release",
        "build",
        "record",
        "export",
        "generate",
        "decide",
    }
)


# ------------------------------------------------------------------ a tiny NATS matcher


def overlap(a: str, b: str) -> bool:
    """Whether some concrete subject matches both NATS filters ``a`` and ``b``."""
    ta, tb = a.split("."), b.split(".")
    for i in range(max(len(ta), len(tb))):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x == ">" or y == ">":
            # '>' needs at least one more token: fine unless the other side already ended.
            return x is not None and y is not None
        if x is None or y is None:
            return False
        if x != y and "*" not in (x, y):
            return False
    return True


@pytest.mark.parametrize(
    ("pattern", "concrete", "expected"),
    [
        ("a.b.c", "a.b.c", True),
        ("a.b.c", "a.b", False),
        ("a.*.c", "a.x.c", True),
        ("a.*", "a.x.c", False),
        ("a.>", "a.x.c", True),
        ("a.>", "a", False),
        ("ns.a.>", "a.b", False),
    ],
)
def test_subject_matches(pattern: str, concrete: str, expected: bool) -> None:
    assert subject_matches(pattern, concrete) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.>", "a.*.c", True),
        ("a.>", "a", False),
        ("x.a.>", "a.>", False),
        ("*.b", "a.*", True),
    ],
)
def test_overlap_helper(a: str, b: str, expected: bool) -> None:
    assert overlap(a, b) is expected
    assert overlap(b, a) is expected


# -------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event)
def test_event_subject_convention(event: EventSpec[Message]) -> None:
    match = re.fullmatch(
        r"tncam\.(?P<domain>[a-z]+)\.v1\.(?P<event>[a-z_]+)\.\{(?P<key>[a-z_]+)\}",
        event.template,
    )
    assert match, event.template
    assert event.domain == match["domain"]
    assert event.event == match["event"]
    assert event.key == match["key"]
    last_word = event.event.rsplit("_", 1)[-1]
    assert last_word.endswith("ed") or last_word in IRREGULAR_PAST, f"{event.event} not past"
    # The message lives in the event's domain package.
    assert event.type_name.startswith(f"tncam.{event.domain}.v1."), event.type_name
    assert event.message.DESCRIPTOR.full_name == event.type_name


def test_event_subjects_unique() -> None:
    templates = [e.template for e in EVENTS]
    assert len(set(templates)) == len(templates)
    types = [e.type_name for e in EVENTS]
    assert len(set(types)) == len(types), "one message type per event (Tncam-Type decoding)"


@pytest.mark.parametrize("request_spec", REQUESTS, ids=lambda r: r.base)
def test_request_subject_convention(request_spec: catalog.RequestSpec) -> None:
    assert re.fullmatch(r"tncam\.[a-z]+\.v1\.[a-z_]+", request_spec.base)
    verb = request_spec.base.rsplit(".", 1)[1].split("_", 1)[0]
    assert verb in IMPERATIVE_VERBS, f"{request_spec.base}: requests are imperative"
    assert request_spec.subject("t1") == f"t1.{request_spec.base}"
    assert request_spec.subject() == request_spec.base


def test_requests_are_not_captured_by_streams() -> None:
    # A stream capturing a request subject would answer it with a PubAck.
    for request_spec, stream, ns in itertools.product(REQUESTS, STREAMS, NAMESPACES):
        for pattern in stream.scoped(ns).subjects:
            assert not subject_matches(pattern, request_spec.subject(ns)), (
                request_spec.base,
                stream.name,
            )


def test_stream_names_unique() -> None:
    for ns in NAMESPACES:
        names = [s.scoped(ns).name for s in STREAMS]
        assert len(set(names)) == len(names)
        assert all(re.fullmatch(r"[A-Z0-9_]+", n) for n in names)
    all_names = [s.scoped(ns).name for s in STREAMS for ns in NAMESPACES]
    assert len(set(all_names)) == len(all_names)


def test_stream_subjects_never_overlap() -> None:
    # nats-server refuses two streams with overlapping subjects.
    for ns_a, ns_b in itertools.product(NAMESPACES, repeat=2):
        for a, b in itertools.product(STREAMS, repeat=2):
            if (ns_a, a.name) == (ns_b, b.name):
                continue
            for sa, sb in itertools.product(a.scoped(ns_a).subjects, b.scoped(ns_b).subjects):
                assert not overlap(sa, sb), (ns_a, sa, ns_b, sb)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event)
@pytest.mark.parametrize("ns", NAMESPACES)
def test_event_stream_covers_subject(event: EventSpec[Message], ns: str) -> None:
    concrete = event.subject("cam-001", ns)
    stream = event.scoped_stream(ns)
    assert stream == event.stream.scoped(ns)
    assert any(subject_matches(p, concrete) for p in stream.subjects)
    # The consumer filter stays inside the stream too.
    assert any(overlap(p, event.filter(ns)) for p in stream.subjects)
    assert subject_matches(event.filter(ns), concrete)
    # ... and no other stream (in any namespace) sees it.
    for other in STREAMS:
        for other_ns in NAMESPACES:
            if (other.name, other_ns) == (event.stream.name, ns):
                continue
            assert not any(subject_matches(p, concrete) for p in other.scoped(other_ns).subjects)


def test_every_stream_has_events_and_events_of() -> None:
    for stream in STREAMS:
        events = catalog.events_of(stream)
        assert events, f"stream {stream.name} stores no event"
        assert all(e.stream is stream for e in events)
    assert sum(len(catalog.events_of(s)) for s in STREAMS) == len(EVENTS)


def test_namespace_isolation() -> None:
    for stream in STREAMS:
        scoped = stream.scoped("t1")
        assert scoped.name == f"T1_{stream.name}"
        assert scoped.subjects == tuple(f"t1.{s}" for s in stream.subjects)
        assert stream.scoped("") is stream
        for other in STREAMS:
            for s, u in itertools.product(scoped.subjects, other.subjects):
                assert not overlap(s, u), (s, u)
    for event in EVENTS:
        assert event.subject("cam-1", "t1") == f"t1.{event.subject('cam-1')}"
        assert not subject_matches(event.filter(), event.subject("cam-1", "t1"))
        assert not subject_matches(event.filter("t1"), event.subject("cam-1"))
        assert not subject_matches(event.filter("t1"), event.subject("cam-1", "t2"))
    buckets = [kv.scoped(ns).bucket for kv in KV_BUCKETS for ns in NAMESPACES]
    assert len(set(buckets)) == len(buckets)
    assert all(re.fullmatch(r"[a-z0-9_]+", b) for b in buckets)


@pytest.mark.parametrize("bad", ["T1", "t-1", "t.1", "t 1", "t*", ">"])
def test_bad_namespace_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        catalog.CAMERA_STREAM.scoped(bad)
    with pytest.raises(ValueError, match="namespace"):
        catalog.CAMERA_STATUS_CHANGED.subject("cam-1", bad)
    with pytest.raises(ValueError, match="namespace"):
        catalog.INGEST_LEASES_KV.scoped(bad)


@pytest.mark.parametrize("bad", ["", "cam.1", "cam*", ">", "cam 1", "cam/1", "x" * 129])
def test_bad_key_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="camera_id"):
        catalog.CAMERA_STATUS_CHANGED.subject(bad)


def test_subject_helpers() -> None:
    spec = catalog.CAMERA_STATUS_CHANGED
    assert spec.subject("cam-001") == "tncam.camera.v1.status_changed.cam-001"
    assert spec.subject("cam-001", "t1") == "t1.tncam.camera.v1.status_changed.cam-001"
    assert spec.filter() == "tncam.camera.v1.status_changed.*"
    assert spec.filter("t1") == "t1.tncam.camera.v1.status_changed.*"
    assert spec.key_of("t1.tncam.camera.v1.status_changed.cam-001", "t1") == "cam-001"
    with pytest.raises(ValueError, match="status_changed"):
        spec.key_of("tncam.camera.v1.stats_reported.cam-001")
    assert catalog.AUDIT_EVENT_RECORDED.subject("gateway") == (
        "tncam.audit.v1.event_recorded.gateway"
    )
    assert catalog.dead_letter_subject(catalog.RECORDING_HANDOFF_STREAM, "t1") == (
        "t1.tncam.deadletter.v1.message_dead_lettered.recording_handoff"
    )
    assert catalog.subject("", "tncam.x.v1.y") == "tncam.x.v1.y"
    assert catalog.subject("ns", "tncam.x.v1.y") == "ns.tncam.x.v1.y"


def test_bad_templates_rejected() -> None:
    with pytest.raises(ValueError, match="template"):
        EventSpec(
            "tncam.camera.v1.status_changed",
            status_pb2.CameraStatusChanged,
            catalog.CAMERA_STREAM,
            "no key",
        )
    with pytest.raises(ValueError, match="request"):
        catalog.RequestSpec("tncam.registry.v1.list_cameras.*", "wildcard")


def test_stream_policies() -> None:
    audit = catalog.AUDIT_STREAM
    assert (audit.deny_delete, audit.deny_purge) == (True, True)
    assert audit.discard is catalog.Discard.NEW
    assert audit.max_age_s == 0
    assert audit.retention is catalog.Retention.LIMITS
    handoff = catalog.RECORDING_HANDOFF_STREAM
    assert handoff.retention is catalog.Retention.WORK_QUEUE
    assert handoff.discard is catalog.Discard.NEW
    assert handoff.max_msg_size > catalog.MAX_SEGMENT_MESSAGE_BYTES >= 8 * 1024 * 1024
    assert catalog.CAMERA_STREAM.max_age_s == 7 * 24 * 3600
    assert catalog.DEADLETTER_STREAM.max_age_s == 30 * 24 * 3600
    assert catalog.DEADLETTER_STREAM.subjects == ("tncam.deadletter.v1.>",)
    assert all(s.storage is catalog.Storage.FILE for s in STREAMS)
    assert all(0 < s.max_msg_size <= catalog.NATS_MAX_PAYLOAD for s in STREAMS)
    assert catalog.CAMERA_STREAM.max_msg_size > catalog.MAX_INLINE_SNAPSHOT_BYTES


def test_kv_buckets() -> None:
    leases = catalog.INGEST_LEASES_KV
    assert leases.bucket == "ingest_leases"
    assert leases.ttl_s == 10.0
    assert leases.scoped("t1").bucket == "t1_ingest_leases"
    assert leases.scoped("t1").stream_name == "KV_t1_ingest_leases"
    config = catalog.CAMERA_CONFIG_KV
    assert config.bucket == "camera_config"
    assert config.ttl_s == 0
    assert config.value_type is not None
    assert config.value_type.DESCRIPTOR.full_name == "tncam.registry.v1.CameraIngestConfig"
    workers = catalog.INGEST_WORKERS_KV
    assert workers.ttl_s == 10.0
    assert workers.value_type is not None
    assert workers.value_type.DESCRIPTOR.full_name == "tncam.camera.v1.IngestWorker"
    assert {kv.bucket for kv in KV_BUCKETS} == {"camera_config", "ingest_leases", "ingest_workers"}


def test_segment_idempotency_key() -> None:
    start = datetime(2026, 3, 1, 15, 0, 0, 123456, tzinfo=timezone(timedelta(hours=7)))
    assert catalog.segment_idempotency_key("cam-001", start) == ("cam-001:2026-03-01T08:00:00.123Z")
    with pytest.raises(ValueError, match="timezone"):
        catalog.segment_idempotency_key("cam-001", datetime(2026, 3, 1))
    with pytest.raises(ValueError, match="camera_id"):
        catalog.segment_idempotency_key("cam.1", datetime.now(UTC))


# ------------------------------------------------------------------------ message types


def _generated_modules() -> list[str]:
    src = GENERATED_ROOT.parent
    return sorted(
        ".".join(p.relative_to(src).with_suffix("").parts) for p in GENERATED_ROOT.rglob("*_pb2.py")
    )


def test_every_generated_module_is_registered() -> None:
    registered = sorted(m.__name__ for m in catalog.MESSAGE_MODULES)
    assert registered == _generated_modules()
    for name in _generated_modules():
        module = importlib.import_module(name)
        for message in module.DESCRIPTOR.message_types_by_name.values():
            assert catalog.message_for_type(message.full_name) is getattr(module, message.name)


def _all_enums() -> list[EnumDescriptor]:
    enums: list[EnumDescriptor] = []

    def walk(descriptor: Descriptor) -> None:
        enums.extend(descriptor.enum_types)
        for nested in descriptor.nested_types:
            walk(nested)

    for module in catalog.MESSAGE_MODULES:
        enums.extend(module.DESCRIPTOR.enum_types_by_name.values())
        for message in module.DESCRIPTOR.message_types_by_name.values():
            walk(message)
    return enums


def test_enum_zero_values_are_unspecified() -> None:
    enums = _all_enums()
    assert enums
    for enum in enums:
        zero = enum.values_by_number[0].name
        prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper()
        assert zero == f"{prefix}_UNSPECIFIED", (enum.full_name, zero)
        for value in enum.values:
            assert value.name.startswith(f"{prefix}_"), value.name


def test_message_for_type() -> None:
    assert catalog.message_for_type("tncam.audit.v1.AuditEvent").DESCRIPTOR.name == "AuditEvent"
    with pytest.raises(catalog.UnknownMessageTypeError, match="nope"):
        catalog.message_for_type("tncam.nope.v1.Nope")
    assert catalog.type_name(segment_pb2.SegmentClosed()) == "tncam.recording.v1.SegmentClosed"
    assert catalog.type_name(segment_pb2.SegmentClosed) == "tncam.recording.v1.SegmentClosed"


def _fill(message: Message, depth: int = 0) -> Message:
    """Set every field of ``message`` to a non-default value (the last member of a oneof)."""
    for fd in message.DESCRIPTOR.fields:
        is_map = fd.message_type is not None and fd.message_type.GetOptions().map_entry
        if is_map:
            getattr(message, fd.name)["k"] = _scalar(fd.message_type.fields_by_name["value"])
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            if depth > 3:
                continue
            if fd.is_repeated:
                _fill(getattr(message, fd.name).add(), depth + 1)
            else:
                _fill(getattr(message, fd.name), depth + 1)
        elif fd.is_repeated:
            getattr(message, fd.name).append(_scalar(fd))
        else:
            setattr(message, fd.name, _scalar(fd))
    return message


def _scalar(fd: FieldDescriptor) -> object:
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return fd.enum_type.values[-1].number
    if fd.type == FieldDescriptor.TYPE_STRING:
        return f"{fd.name}-ü"
    if fd.type == FieldDescriptor.TYPE_BYTES:
        return b"\x00\xff" + fd.name.encode()
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return True
    if fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 1.5
    return 7


@pytest.mark.parametrize("name", sorted(catalog.MESSAGE_TYPES))
def test_message_round_trip(name: str) -> None:
    cls = catalog.message_for_type(name)
    original = _fill(cls())
    data = original.SerializeToString(deterministic=True)
    assert data
    decoded = catalog.decode(name, data)
    assert decoded == original
    assert decoded.SerializeToString(deterministic=True) == data


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event)
def test_event_decode(event: EventSpec[Message]) -> None:
    original = _fill(event.message())
    assert event.decode(original.SerializeToString()) == original


def test_segment_closed_example() -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    media = bytes(range(256)) * 64
    msg = segment_pb2.SegmentClosed(
        camera_id="cam-001",
        segment_start=start,
        segment_end=start + timedelta(seconds=4),
        duration=timedelta(seconds=4),
        sequence=12,
        media_bytes=media,
        size_bytes=len(media),
        idempotency_key=catalog.segment_idempotency_key("cam-001", start),
    )
    decoded = catalog.SEGMENT_CLOSED.decode(msg.SerializeToString())
    assert decoded.WhichOneof("media") == "media_bytes"
    assert decoded.media_bytes == media
    assert decoded.segment_end.ToDatetime(UTC) - decoded.segment_start.ToDatetime(UTC) == (
        timedelta(seconds=4)
    )
    assert decoded.duration.ToTimedelta() == timedelta(seconds=4)
    assert decoded.idempotency_key == "cam-001:2026-03-01T08:00:00.000Z"
    assert len(decoded.SerializeToString()) <= catalog.MAX_SEGMENT_MESSAGE_BYTES


# ------------------------------------------------------------------------- live subjects


@pytest.mark.parametrize("ns", NAMESPACES)
def test_live_subjects(ns: str) -> None:
    prefix = f"{ns}." if ns else ""
    assert (
        catalog.LIVE_DEMAND.subject("cam-1", namespace=ns) == f"{prefix}tncam.live.v1.demand.cam-1"
    )
    assert catalog.LIVE_DEMAND.filter(ns) == f"{prefix}tncam.live.v1.demand.*"
    au = catalog.live_access_unit_subject("cam-1", catalog.live_pb2.LIVE_STREAM_SUB, ns)
    assert au == f"{prefix}tncam.live.v1.au.cam-1.sub"
    assert catalog.LIVE_ACCESS_UNITS.tokens_of(au, ns) == ("cam-1", "sub")
    assert subject_matches(catalog.LIVE_ACCESS_UNITS.filter(ns), au)
    assert catalog.LIVE_DEMAND.tokens_of(f"{prefix}tncam.live.v1.demand.c9", ns) == ("c9",)
    with pytest.raises(ValueError, match="not a"):
        catalog.LIVE_DEMAND.tokens_of(f"{prefix}tncam.live.v1.demand.a.b", ns)
    with pytest.raises(ValueError, match="camera_id"):
        catalog.LIVE_DEMAND.subject("a.b", namespace=ns)
    with pytest.raises(ValueError, match="no live stream"):
        catalog.live_access_unit_subject("cam-1", catalog.live_pb2.LIVE_STREAM_UNSPECIFIED, ns)


def test_live_subjects_are_never_stored() -> None:
    # Core NATS only: a stream capturing live packets would store every picture of every
    # watched camera (and answer each publish with an acknowledgement).
    for spec, stream, ns in itertools.product(catalog.LIVE_SUBJECTS, STREAMS, NAMESPACES):
        for pattern in stream.scoped(ns).subjects:
            assert not overlap(pattern, spec.filter(ns)), (spec.base, stream.name)
    for spec, event in itertools.product(catalog.LIVE_SUBJECTS, EVENTS):
        assert not overlap(spec.filter(), event.filter()), (spec.base, event.template)
