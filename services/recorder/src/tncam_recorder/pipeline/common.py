"""Helpers shared by holds, sweep, decommission and export: actors, audit events, validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_contracts.catalog import check_token
from tncam_mesh.audit import new_event
from tncam_mesh.errors import InvalidInputError


def actor_dict(actor: actor_pb2.Actor) -> dict[str, Any]:
    """An actor as JSON (stored with holds, written into manifests and certificates)."""
    return {
        "id": actor.id,
        "display_name": actor.display_name,
        "unit_id": actor.unit_id,
        "role": actor_pb2.Role.Name(actor.role),
    }


def actor_from(d: Mapping[str, Any] | None) -> actor_pb2.Actor:
    if not d:
        return actor_pb2.Actor()
    role = str(d.get("role", "ROLE_UNSPECIFIED"))
    return actor_pb2.Actor(
        id=str(d.get("id", "")),
        display_name=str(d.get("display_name", "")),
        unit_id=str(d.get("unit_id", "")),
        role=role if role in actor_pb2.Role.keys() else "ROLE_UNSPECIFIED",  # noqa: SIM118
    )


def require_actor(actor: actor_pb2.Actor, op: str) -> None:
    if not actor.id or actor.role == actor_pb2.ROLE_UNSPECIFIED:
        raise InvalidInputError(
            f"recording.{op}.no_actor", "the acting user (id, role) is required"
        )


def require_text(value: str, name: str, op: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInputError(f"recording.{op}.missing_{name}", f"{name} is required")
    return value


def camera(camera_id: str, op: str) -> str:
    try:
        return check_token(camera_id, "camera_id")
    except ValueError as e:
        raise InvalidInputError(f"recording.{op}.bad_camera", str(e)) from e


def time_range(
    start: Timestamp, end: Timestamp, op: str, *, has_start: bool, has_end: bool
) -> tuple[dt.datetime, dt.datetime]:
    if not (has_start and has_end):
        raise InvalidInputError(f"recording.{op}.no_range", "start and end are required")
    s, e = start.ToDatetime(dt.UTC), end.ToDatetime(dt.UTC)
    if e <= s:
        raise InvalidInputError(f"recording.{op}.bad_range", "end must be after start")
    return s, e


def iso(t: dt.datetime | None) -> str:
    """RFC 3339 UTC with milliseconds ('' for None)."""
    if t is None:
        return ""
    t = t.astimezone(dt.UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def footage_event(
    *,
    action: str,
    actor: actor_pb2.Actor,
    camera_id: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    purpose_code: audit_pb.PurposeCode,
    purpose_text: str = "",
    after: Mapping[str, Any] | None = None,
    outcome: audit_pb.Outcome = audit_pb.OUTCOME_SUCCESS,
    now: dt.datetime | None = None,
) -> audit_pb.AuditEvent:
    """An audit event about recorded footage of one camera in a range."""
    event = new_event(
        action=action,
        actor=actor,
        source_service="recorder",
        outcome=outcome,
        data_categories=[audit_pb.DATA_CATEGORY_IMAGE],
        purpose_code=purpose_code,
        purpose_text=purpose_text,
        after=after,
        now=now,
    )
    event.target.segments.camera_id = camera_id
    if start is not None:
        event.target.segments.start.FromDatetime(start)
    if end is not None:
        event.target.segments.end.FromDatetime(end)
    return event


def other_event(
    *,
    action: str,
    actor: actor_pb2.Actor,
    kind: str,
    target_id: str,
    cameras: list[str],
    purpose_code: audit_pb.PurposeCode,
    purpose_text: str = "",
    after: Mapping[str, Any] | None = None,
    outcome: audit_pb.Outcome = audit_pb.OUTCOME_SUCCESS,
    now: dt.datetime | None = None,
) -> audit_pb.AuditEvent:
    """An audit event about a hold, an export or a certificate."""
    event = new_event(
        action=action,
        actor=actor,
        source_service="recorder",
        outcome=outcome,
        data_categories=[audit_pb.DATA_CATEGORY_IMAGE],
        purpose_code=purpose_code,
        purpose_text=purpose_text,
        after={**(after or {}), "cameras": cameras},
        now=now,
    )
    event.target.other.kind = kind
    event.target.other.id = target_id
    return event
