"""The breach register: record breaches and notices, find overdue ones (R14, Art. 10.4).

Every change is itself audited (fail closed: a change whose audit event is not accepted is
rolled back), and a breach found past its 72-hour deadline without both notices raises the
``tncam_audit_breaches_overdue`` gauge and, once per breach, a ``breach.notice.overdue``
audit event that alerting can follow.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import breach_pb2
from tncam_audit.db import breaches as repo
from tncam_audit.db.pg import Connection, pooled
from tncam_audit.domain.breach import Recipient, Status, status
from tncam_audit.service.context import AuditContext
from tncam_mesh.audit import new_event, service_actor
from tncam_mesh.errors import InvalidInputError, NotFoundError

log = logging.getLogger("tncam.audit.breaches")

SERVICE_ACTOR = service_actor("audit")
_RECIPIENTS = {
    breach_pb2.NOTICE_RECIPIENT_PROVINCIAL_POLICE: Recipient.PROVINCIAL_POLICE,
    breach_pb2.NOTICE_RECIPIENT_DOST: Recipient.DOST,
}
_STATUS = {
    Status.OPEN: breach_pb2.BREACH_STATUS_OPEN,
    Status.OVERDUE: breach_pb2.BREACH_STATUS_OVERDUE,
    Status.NOTIFIED: breach_pb2.BREACH_STATUS_NOTIFIED,
}


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as e:
        raise InvalidInputError(f"audit.breach.bad_{what}", f"{what} must be a UUID") from e


def _time(stamp: object, what: str) -> dt.datetime:
    if not stamp.seconds and not stamp.nanos:  # type: ignore[attr-defined]
        raise InvalidInputError(f"audit.breach.no_{what}", f"{what} is required")
    t = stamp.ToDatetime(tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert isinstance(t, dt.datetime)
    return t


def to_proto(b: repo.BreachRow, now: dt.datetime) -> breach_pb2.Breach:
    """The protobuf form of a breach, with its status at ``now``."""
    msg = breach_pb2.Breach(
        breach_id=str(b.breach_id),
        title=b.title,
        description=b.description,
        scope=b.scope,
        unit_ids=b.unit_ids,
        camera_ids=b.camera_ids,
        recorded_by=b.recorded_by,
        status=_STATUS[status(b.detected_at, (n.recipient for n in b.notices), now)],
    )
    msg.detected_at.FromDatetime(b.detected_at)
    msg.notice_deadline.FromDatetime(b.notice_deadline)
    msg.recorded_at.FromDatetime(b.recorded_at)
    for n in b.notices:
        notice = msg.notices.add(
            notice_id=str(n.notice_id),
            recipient=next(k for k, v in _RECIPIENTS.items() if v == n.recipient),
            document_number=n.document_number,
            channel=n.channel,
            recorded_by=n.recorded_by,
        )
        notice.sent_at.FromDatetime(n.sent_at)
    return msg


async def record_breach(
    ctx: AuditContext, req: breach_pb2.RecordBreachRequest
) -> breach_pb2.BreachReply:
    """Record a detected breach (idempotent by breach_id)."""
    breach_id = _uuid(req.breach_id, "breach_id")
    detected = _time(req.detected_at, "detected_at")
    if not req.title.strip() or not req.scope.strip():
        raise InvalidInputError("audit.breach.incomplete", "title and scope are required")
    if not req.recorded_by.id:
        raise InvalidInputError("audit.breach.no_actor", "recorded_by is required")
    async with pooled(ctx.engine) as conn:
        async with conn.transaction():
            created = await repo.insert_breach(
                conn,
                breach_id=breach_id,
                title=req.title.strip(),
                description=req.description,
                detected_at=detected,
                scope=req.scope.strip(),
                unit_ids=list(req.unit_ids),
                camera_ids=list(req.camera_ids),
                recorded_by=req.recorded_by,
            )
            if created:
                event = new_event(
                    action="breach.register.recorded",
                    actor=req.recorded_by,
                    source_service="audit",
                    cameras=list(req.camera_ids),
                    data_categories=[pb.DATA_CATEGORY_AUDIT_LOG],
                    purpose_code=pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                    after={"breach_id": str(breach_id), "title": req.title, "scope": req.scope},
                    # The units told of it (the registry's notices, docs/adr/0025).
                    target_unit_ids=list(req.unit_ids),
                )
                event.target.other.kind = "breach"
                event.target.other.id = str(breach_id)
                await ctx.audit.record(event)  # fails closed: the insert rolls back
        return breach_pb2.BreachReply(breach=await _get(ctx, conn, breach_id))


async def record_notice(
    ctx: AuditContext, req: breach_pb2.RecordBreachNoticeRequest
) -> breach_pb2.BreachReply:
    """Record a written notice (idempotent by notice_id)."""
    breach_id = _uuid(req.breach_id, "breach_id")
    recipient = _RECIPIENTS.get(req.recipient)
    if recipient is None:
        raise InvalidInputError("audit.breach.bad_recipient", "recipient is required")
    if not req.document_number.strip():
        raise InvalidInputError("audit.breach.no_document", "document_number is required")
    if not req.recorded_by.id:
        raise InvalidInputError("audit.breach.no_actor", "recorded_by is required")
    notice = repo.NoticeRow(
        notice_id=_uuid(req.notice_id, "notice_id"),
        recipient=recipient,
        sent_at=_time(req.sent_at, "sent_at"),
        document_number=req.document_number.strip(),
        channel=req.channel,
        recorded_by=req.recorded_by,
    )
    async with pooled(ctx.engine) as conn:
        async with conn.transaction():
            if not await repo.get_breaches(conn, breach_id):
                raise NotFoundError("audit.breach.not_found", f"no breach {breach_id}")
            if await repo.insert_notice(conn, breach_id, notice):
                event = new_event(
                    action="breach.notice.recorded",
                    actor=req.recorded_by,
                    source_service="audit",
                    data_categories=[pb.DATA_CATEGORY_AUDIT_LOG],
                    purpose_code=pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                    after={
                        "breach_id": str(breach_id),
                        "recipient": recipient.value,
                        "document_number": notice.document_number,
                    },
                )
                event.target.other.kind = "breach"
                event.target.other.id = str(breach_id)
                await ctx.audit.record(event)
        return breach_pb2.BreachReply(breach=await _get(ctx, conn, breach_id))


async def _get(ctx: AuditContext, conn: Connection, breach_id: uuid.UUID) -> breach_pb2.Breach:
    found = await repo.get_breaches(conn, breach_id)
    if not found:
        raise NotFoundError("audit.breach.not_found", f"no breach {breach_id}")
    return to_proto(found[0], ctx.clock())


async def list_breaches(
    ctx: AuditContext, req: breach_pb2.ListBreachesRequest
) -> breach_pb2.ListBreachesReply:
    """The register, optionally of one status."""
    now = ctx.clock()
    async with pooled(ctx.engine) as conn:
        out = [to_proto(b, now) for b in await repo.get_breaches(conn)]
    return breach_pb2.ListBreachesReply(
        breaches=[b for b in out if not req.status or b.status == req.status]
    )


async def check_overdue(ctx: AuditContext) -> int:
    """Update the overdue gauge; send the overdue event once per breach. Returns the count."""
    now = ctx.clock()
    async with pooled(ctx.engine) as conn:
        overdue = [
            b
            for b in await repo.get_breaches(conn)
            if status(b.detected_at, (n.recipient for n in b.notices), now) == Status.OVERDUE
        ]
        ctx.metrics.breaches_overdue.set(len(overdue))
        for b in overdue:
            if b.overdue_reported_at is None:
                await _report_overdue(ctx, conn, b, now)
    return len(overdue)


async def _report_overdue(
    ctx: AuditContext, conn: Connection, b: repo.BreachRow, now: dt.datetime
) -> None:
    """Once per breach: the ``breach.notice.overdue`` event, with the overdue mark."""
    async with conn.transaction():
        if not await repo.mark_overdue_reported(conn, b.breach_id):
            return
        missing = sorted(r.value for r in set(Recipient) - {n.recipient for n in b.notices})
        event = new_event(
            action="breach.notice.overdue",
            actor=SERVICE_ACTOR,
            source_service="audit",
            outcome=pb.OUTCOME_FAILED,
            cameras=b.camera_ids,
            data_categories=[pb.DATA_CATEGORY_AUDIT_LOG],
            purpose_code=pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
            after={
                "breach_id": str(b.breach_id),
                "deadline": b.notice_deadline.isoformat(),
                "missing_notices": missing,
            },
            now=now,
        )
        event.error_code = "audit.breach.overdue"
        event.target.other.kind = "breach"
        event.target.other.id = str(b.breach_id)
        await ctx.audit.record(event)
    log.error(
        "breach notice overdue",
        extra={"breach_id": str(b.breach_id), "missing": missing},
    )
