"""Sending notices (docs/adr/0025): the dispatcher takes due notices with a lease, sends each by
e-mail or signed webhook, and records every try (sent, retrying with backoff, dead after the
last one); and the time-based notices: deadlines due in 3 working days or overdue, the digest."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tncam_mesh.aead import SealedValueError
from tncam_mesh.db import unit_of_work
from tncam_registry.clients.mail import DeliveryError, Mailer
from tncam_registry.clients.webhook import WebhookSender
from tncam_registry.db import notices as db
from tncam_registry.db import reports as db_reports
from tncam_registry.db import tickets as db_tickets
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain import notify as nt
from tncam_registry.domain.calendar import local_date
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.deadlines import overdue
from tncam_registry.service.notify import SecretBox, tell

log = logging.getLogger("tncam.registry.notify")

#: Days ahead (working days) a deadline is announced.
DUE_SOON_WORKING_DAYS = 3


@dataclass
class Notifier:
    """What sending needs: the channels, the secret box and the retry policy."""

    mailer: Mailer
    webhooks: WebhookSender
    secrets: SecretBox
    max_attempts: int = 12
    backoff_base_s: float = 5.0
    backoff_max_s: float = 300.0
    lease: dt.timedelta = dt.timedelta(minutes=2)
    batch: int = 20
    digest_hour: int = 7


async def _send(n: Notifier, row: Any) -> None:
    notice_id = str(row["id"])
    if row["channel"] == nt.EMAIL:
        await n.mailer.send(notice_id, row["recipient"], row["subject"], row["body"])
        return
    secret = None
    if row["secret_sealed"] is not None:
        try:
            secret = n.secrets.open(row["unit_id"], row["recipient"], row["secret_sealed"])
        except SealedValueError as e:
            raise DeliveryError("webhook secret unreadable (credentials key changed?)") from e
    document = {
        "id": notice_id,
        "subject": row["subject"],
        "text": row["body"],
        "created_at": row["created_at"].isoformat(),
        **row["payload"],
    }
    await n.webhooks.send(notice_id, row["recipient"], secret, document)


async def _attempt(ctx: RegistryContext, n: Notifier, row: Any) -> str:
    """One try of one notice, recorded; returns its new status."""
    attempts = int(row["attempts"]) + 1
    error = ""
    try:
        await _send(n, row)
    except DeliveryError as e:
        error = str(e)
    now = ctx.clock()
    if not error:
        status, next_at = nt.SENT, now
    elif attempts >= n.max_attempts:
        status, next_at = nt.DEAD, now
    else:
        wait = nt.backoff_s(attempts, base_s=n.backoff_base_s, max_s=n.backoff_max_s)
        status, next_at = nt.RETRYING, now + dt.timedelta(seconds=wait)
    async with unit_of_work(ctx.sessions) as s:
        await db.record_attempt(
            s,
            str(row["id"]),
            status=status,
            attempts=attempts,
            at=now,
            next_at=next_at,
            error=error,
        )
        if status == nt.SENT and row["ticket_id"] is not None:
            # Art. 14.1: the 3 working days run from the unit's notice.
            due = dl.fault_fix_due(local_date(now), ctx.calendar)
            await db.ticket_notified(s, str(row["ticket_id"]), now, due)
    extra = {"camera_id": row["camera_id"], "notice_id": str(row["id"])}
    if status == nt.SENT:
        log.info("notice %s sent by %s", row["kind"], row["channel"], extra=extra)
    else:
        log.warning(
            "notice %s try %d failed (%s): %s", row["kind"], attempts, status, error, extra=extra
        )
    ctx.metrics.notices.labels(channel=row["channel"], outcome=status).inc()
    return status


async def dispatch(ctx: RegistryContext, n: Notifier) -> dict[str, int]:
    """Send every notice due now (several at once); returns the outcomes."""
    outcomes: Counter[str] = Counter()
    while True:
        async with unit_of_work(ctx.sessions) as s:
            rows = await db.claim_due(s, ctx.clock(), n.lease, n.batch)
        if not rows:
            return dict(outcomes)
        outcomes.update(await asyncio.gather(*(_attempt(ctx, n, r) for r in rows)))


async def deadline_notices(ctx: RegistryContext, n: Notifier) -> int:
    """Tell each unit of its deadlines due within 3 working days and of those past due (each
    once per deadline), and the central operator its digest of the day; returns how many new."""
    today = ctx.today()
    horizon = ctx.calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    soon = [i for i in await overdue(ctx, horizon) if i.due_on >= today]
    late = await overdue(ctx, today)
    now = ctx.clock()
    new = 0
    async with unit_of_work(ctx.sessions) as s:
        for items, is_late in ((soon, False), (late, True)):
            for i in items:
                if not i.owner_unit_id:
                    continue
                message = nt.deadline_message(
                    kind=i.kind,
                    unit_id=i.owner_unit_id,
                    due_on=i.due_on,
                    camera_id=i.camera_id,
                    ticket_id=i.ticket_id,
                    overdue=is_late,
                )
                new += await tell(s, message, now)
        day = nt.digest_due(now, n.digest_hour)
        if day is not None:
            by_state = Counter[str]()
            for state, _kind, count in await db_reports.cameras_by_state(s):
                by_state[state] += count
            facts = nt.DigestFacts(
                day=day,
                cameras_by_state=by_state,
                open_tickets=await db_tickets.count_open(s),
                overdue_by_kind=Counter(i.kind for i in late),
                notices_dead=await db.count_dead(s),
            )
            new += await tell(s, nt.digest_message(facts), now)
    return new
