"""SQL of notifications: the units' targets and the notices (a durable outbox, one row per
event x recipient, claimed with a lease by the dispatcher of any replica)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import cameras, fault_tickets, notices, notification_targets
from tncam_registry.domain import notify as nt


async def targets_of(session: AsyncSession, unit_ids: Sequence[str]) -> list[sa.RowMapping]:
    """The targets of these units, in the order they were given."""
    rows = await session.execute(
        sa.select(notification_targets)
        .where(notification_targets.c.unit_id.in_(list(unit_ids)))
        .order_by(notification_targets.c.unit_id, notification_targets.c.created_at)
    )
    return list(rows.mappings().all())


async def replace_targets(
    session: AsyncSession, unit_id: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Replace every target of ``unit_id`` by ``rows`` (channel, address, secret_sealed, ...)."""
    await session.execute(
        sa.delete(notification_targets).where(notification_targets.c.unit_id == unit_id)
    )
    if rows:
        await session.execute(
            sa.insert(notification_targets),
            [{"id": str(uuid.uuid4()), "unit_id": unit_id, **r} for r in rows],
        )


async def lock_unit_targets(session: AsyncSession, unit_id: str) -> None:
    """Serialize changes of one unit's targets (transaction-scoped advisory lock)."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"notify-targets:{unit_id}")))
    )


async def enqueue(
    session: AsyncSession,
    message: nt.Message,
    targets: Sequence[sa.RowMapping],
    now: dt.datetime,
) -> int:
    """One notice per target for ``message``; an event already noticed to a recipient is not
    noticed again (the unique key). Returns how many rows were new."""
    if not targets:
        return 0
    values = [
        {
            "id": str(uuid.uuid4()),
            "event_key": message.event_key,
            "kind": message.kind,
            "unit_id": message.unit_id,
            "camera_id": message.camera_id,
            "ticket_id": message.ticket_id,
            "channel": t["channel"],
            "recipient": t["address"],
            "secret_sealed": t["secret_sealed"],
            "subject": message.subject,
            "body": message.body,
            "payload": message.payload(),
            "status": nt.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for t in targets
    ]
    result = await session.execute(
        pg_insert(notices)
        .values(values)
        .on_conflict_do_nothing(index_elements=["event_key", "channel", "recipient"])
        .returning(notices.c.id)
    )
    return len(result.all())


async def claim_due(
    session: AsyncSession, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[sa.RowMapping]:
    """Take up to ``limit`` notices due at ``now``: their next try moves ``lease`` ahead, so
    another replica does not take them while this one sends (a crash retries after it)."""
    due = (
        sa.select(notices.c.id)
        .where(notices.c.status.in_((nt.PENDING, nt.RETRYING)), notices.c.next_attempt_at <= now)
        .order_by(notices.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.update(notices)
        .where(notices.c.id.in_(due))
        .values(next_attempt_at=now + lease)
        .returning(notices)
    )
    return list(rows.mappings().all())


async def record_attempt(
    session: AsyncSession,
    notice_id: str,
    *,
    status: str,
    attempts: int,
    at: dt.datetime,
    next_at: dt.datetime,
    error: str,
) -> None:
    """Store the outcome of one try."""
    await session.execute(
        sa.update(notices)
        .where(notices.c.id == notice_id)
        .values(
            status=status,
            attempts=attempts,
            last_attempt_at=at,
            next_attempt_at=next_at,
            last_error=error[:500],
            sent_at=at if status == nt.SENT else None,
        )
    )


async def ticket_notified(
    session: AsyncSession, ticket_id: str, at: dt.datetime, due_on: dt.date
) -> bool:
    """Record the first time the ticket's unit was told; the due date runs from it. True if
    this was the first time."""
    done = await session.scalar(
        sa.update(fault_tickets)
        .where(fault_tickets.c.id == ticket_id, fault_tickets.c.notified_at.is_(None))
        .values(notified_at=at, due_on=sa.func.greatest(fault_tickets.c.due_on, due_on))
        .returning(fault_tickets.c.id)
    )
    return done is not None


async def page(
    session: AsyncSession,
    *,
    unit_id: str,
    status: str,
    limit: int,
    after: tuple[dt.datetime, str] | None,
) -> list[sa.RowMapping]:
    """Notices newest first, optionally of one unit and status, after a (created_at, id)."""
    q = sa.select(notices).order_by(notices.c.created_at.desc(), notices.c.id.desc()).limit(limit)
    if unit_id:
        q = q.where(notices.c.unit_id == unit_id)
    if status:
        q = q.where(notices.c.status == status)
    if after is not None:
        cursor = sa.tuple_(
            sa.literal(after[0], sa.DateTime(timezone=True)),
            sa.literal(after[1], UUID(as_uuid=False)),
        )
        q = q.where(sa.tuple_(notices.c.created_at, notices.c.id) < cursor)
    rows = await session.execute(q)
    return list(rows.mappings().all())


async def count_dead(session: AsyncSession) -> int:
    """How many notices were given up on."""
    n = await session.scalar(
        sa.select(sa.func.count()).select_from(notices).where(notices.c.status == nt.DEAD)
    )
    return int(n or 0)


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    """Notices per status (for the gauge)."""
    rows = await session.execute(
        sa.select(notices.c.status, sa.func.count()).group_by(notices.c.status)
    )
    return {str(s): int(n) for s, n in rows.all()}


async def camera_owners(
    session: AsyncSession, camera_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """camera id -> (owning unit, name) of the cameras the registry knows."""
    rows = await session.execute(
        sa.select(cameras.c.id, cameras.c.owner_unit_id, cameras.c.name).where(
            cameras.c.id.in_(list(camera_ids))
        )
    )
    return {r.id: (r.owner_unit_id, r.name) for r in rows.all()}
