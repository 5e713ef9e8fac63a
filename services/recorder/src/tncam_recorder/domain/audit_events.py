"""Audit events the recorder writes about footage, holds, exports and certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.audit import new_event


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
