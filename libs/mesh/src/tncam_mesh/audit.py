"""The audit client every service uses: publish an ``AuditEvent`` to the AUDIT stream.

Fail closed: ``record`` raises ``UnavailableError`` (``audit.publish.unavailable``) when the
event was not acknowledged by JetStream, and callers that guard an access to footage let that
error fail the access. The AUDIT stream discards new messages when full, so producers feel
back-pressure instead of history being dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from nats.js import JetStreamContext

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.common.v1 import actor_pb2
from tncam_contracts.catalog import AUDIT_EVENT_RECORDED
from tncam_mesh import tracing
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.jetstream import Published, publish

# Keys whose values never enter the audit log, whatever object they appear in.
SECRET_KEYS = frozenset(
    {"password", "secret", "token", "credentials", "credential", "rtsp_password", "api_key"}
)

Actor = actor_pb2.Actor
Role = actor_pb2.Role


def service_actor(service: str) -> actor_pb2.Actor:
    """How a service names itself when it acts on its own authority (``tncam <service>``)."""
    return actor_pb2.Actor(id=service, display_name=f"tncam {service}", role=Role.ROLE_SERVICE)


def scrub(value: Any) -> Any:
    """A copy of a JSON-like value with secret-looking keys replaced by ``"***"``."""
    if isinstance(value, Mapping):
        return {
            k: "***" if any(s in str(k).lower() for s in SECRET_KEYS) else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def to_json(value: Mapping[str, Any] | None) -> str:
    """Canonical JSON of a before/after image, secrets removed."""
    if value is None:
        return ""
    return json.dumps(scrub(value), ensure_ascii=False, sort_keys=True, default=str)


def new_event(
    *,
    action: str,
    actor: actor_pb2.Actor,
    source_service: str,
    outcome: pb.Outcome = pb.OUTCOME_SUCCESS,
    cameras: Iterable[str] = (),
    data_categories: Iterable[pb.DataCategory] = (),
    purpose_code: pb.PurposeCode = pb.PURPOSE_CODE_NOT_APPLICABLE,
    purpose_text: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request_id: str = "",
    now: dt.datetime | None = None,
    target_unit_ids: Iterable[str] = (),
    legal_basis: pb.LegalBasis = pb.LEGAL_BASIS_UNSPECIFIED,
    grant_id: str = "",
    error_code: str = "",
    client_address: str = "",
) -> pb.AuditEvent:
    """An audit event with a fresh id, the current time and trace, and scrubbed images.

    ``target_unit_ids`` are the units owning the targeted cameras (the per-unit extraction log
    is keyed by them); set the other target kinds (segment range, account) on the result.
    """
    event = pb.AuditEvent(
        event_id=str(uuid.uuid4()),
        actor=actor,
        action=action,
        outcome=outcome,
        purpose_code=purpose_code,
        purpose_text=purpose_text,
        source_service=source_service,
        request_id=request_id,
        trace_id=tracing.current().trace_id,
        before_json=to_json(before),
        after_json=to_json(after),
        legal_basis=legal_basis,
        grant_id=grant_id,
        error_code=error_code,
        client_address=client_address,
    )
    event.target_unit_ids.extend(target_unit_ids)
    event.occurred_at.FromDatetime(now or dt.datetime.now(dt.UTC))
    event.data_categories.extend(data_categories)
    ids = list(cameras)
    if ids:
        event.target.cameras.camera_ids.extend(ids)
    return event


class AuditClient:
    """Publishes audit events of one service; raises when the log did not accept them."""

    def __init__(self, js: JetStreamContext, *, service: str, namespace: str = "") -> None:
        self._js = js
        self.service = service
        self._subject = AUDIT_EVENT_RECORDED.subject(service, namespace)

    async def record(self, event: pb.AuditEvent, *, timeout: float = 5.0) -> Published:
        """Publish ``event`` (idempotent by ``event_id``); UnavailableError if not accepted."""
        if not event.event_id:
            raise ValueError("audit event without event_id")
        if not event.source_service:
            event.source_service = self.service
        try:
            return await publish(
                self._js, self._subject, event, msg_id=event.event_id, timeout=timeout
            )
        except TncamError as e:
            raise UnavailableError(
                "audit.publish.unavailable",
                f"audit log did not accept event {event.action}: {e.message}",
            ) from e
