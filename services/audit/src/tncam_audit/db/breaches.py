"""The breach register's tables: breaches (never deleted) and notices (append-only)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from tncam.common.v1 import actor_pb2
from tncam_audit.db.pg import Connection
from tncam_audit.domain.breach import Recipient, notice_deadline


@dataclass
class NoticeRow:
    """A notice sent."""

    notice_id: uuid.UUID
    recipient: Recipient
    sent_at: dt.datetime
    document_number: str
    channel: str
    recorded_by: actor_pb2.Actor


@dataclass
class BreachRow:
    """A breach and its notices."""

    breach_id: uuid.UUID
    title: str
    description: str
    detected_at: dt.datetime
    scope: str
    unit_ids: list[str]
    camera_ids: list[str]
    notice_deadline: dt.datetime
    recorded_by: actor_pb2.Actor
    recorded_at: dt.datetime
    overdue_reported_at: dt.datetime | None
    notices: list[NoticeRow] = field(default_factory=list)


def _actor(raw: bytes) -> actor_pb2.Actor:
    return actor_pb2.Actor.FromString(bytes(raw))


async def insert_breach(
    conn: Connection,
    *,
    breach_id: uuid.UUID,
    title: str,
    description: str,
    detected_at: dt.datetime,
    scope: str,
    unit_ids: list[str],
    camera_ids: list[str],
    recorded_by: actor_pb2.Actor,
) -> bool:
    """Insert a breach; False if that id exists already (an idempotent retry)."""
    status = await conn.execute(
        """
        INSERT INTO breaches (breach_id, title, description, detected_at, scope, unit_ids,
                              camera_ids, notice_deadline, recorded_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (breach_id) DO NOTHING
        """,
        breach_id,
        title,
        description,
        detected_at,
        scope,
        unit_ids,
        camera_ids,
        notice_deadline(detected_at),
        recorded_by.SerializeToString(deterministic=True),
    )
    return bool(status.endswith(" 1"))


async def insert_notice(conn: Connection, breach_id: uuid.UUID, notice: NoticeRow) -> bool:
    """Insert a notice; False if that id exists already."""
    status = await conn.execute(
        """
        INSERT INTO breach_notices (notice_id, breach_id, recipient, sent_at, document_number,
                                    channel, recorded_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (notice_id) DO NOTHING
        """,
        notice.notice_id,
        breach_id,
        notice.recipient.value,
        notice.sent_at,
        notice.document_number,
        notice.channel,
        notice.recorded_by.SerializeToString(deterministic=True),
    )
    return bool(status.endswith(" 1"))


async def get_breaches(conn: Connection, breach_id: uuid.UUID | None = None) -> list[BreachRow]:
    """Breaches (one, or all, newest detection first) with their notices."""
    where = "WHERE breach_id = $1" if breach_id is not None else ""
    args = [breach_id] if breach_id is not None else []
    rows = await conn.fetch(
        f"SELECT * FROM breaches {where} ORDER BY detected_at DESC, breach_id",  # noqa: S608
        *args,
    )
    breaches = {
        r["breach_id"]: BreachRow(
            breach_id=r["breach_id"],
            title=r["title"],
            description=r["description"],
            detected_at=r["detected_at"],
            scope=r["scope"],
            unit_ids=list(r["unit_ids"]),
            camera_ids=list(r["camera_ids"]),
            notice_deadline=r["notice_deadline"],
            recorded_by=_actor(r["recorded_by"]),
            recorded_at=r["recorded_at"],
            overdue_reported_at=r["overdue_reported_at"],
        )
        for r in rows
    }
    if not breaches:
        return []
    notices = await conn.fetch(
        "SELECT * FROM breach_notices WHERE breach_id = ANY($1::uuid[]) ORDER BY sent_at",
        list(breaches),
    )
    for n in notices:
        breaches[n["breach_id"]].notices.append(
            NoticeRow(
                notice_id=n["notice_id"],
                recipient=Recipient(n["recipient"]),
                sent_at=n["sent_at"],
                document_number=n["document_number"],
                channel=n["channel"],
                recorded_by=_actor(n["recorded_by"]),
            )
        )
    return list(breaches.values())


async def mark_overdue_reported(conn: Connection, breach_id: uuid.UUID) -> bool:
    """Mark that the overdue event was sent; False if another replica did it first."""
    status = await conn.execute(
        "UPDATE breaches SET overdue_reported_at = now() "
        "WHERE breach_id = $1 AND overdue_reported_at IS NULL",
        breach_id,
    )
    return bool(status.endswith(" 1"))
