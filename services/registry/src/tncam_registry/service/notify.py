"""Notifications of the owning units (docs/adr/0025): telling a unit of an event (notices
written into the caller's transaction: a durable outbox), the units' targets, the notices list.
Sending is in ``service/notify_delivery.py``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.registry.v1 import notify_pb2 as npb
from tncam_mesh.aead import AeadBox
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_registry.db import notices as db
from tncam_registry.domain import access
from tncam_registry.domain import notify as nt
from tncam_registry.domain.views import ts
from tncam_registry.service.context import RegistryContext

#: HKDF label of the key webhook secrets are sealed with (from the credentials key).
SECRET_LABEL = "tncam-registry-webhook-secret"  # noqa: S105 (a label, not a secret)
MAX_PAGE = 500


@dataclass(frozen=True)
class SecretBox:
    """Seals webhook secrets at rest, each to its unit and URL."""

    box: AeadBox

    @classmethod
    def from_key(cls, key: str) -> SecretBox:
        """The box of the registry's credentials key."""
        return cls(AeadBox(key, SECRET_LABEL))

    def seal(self, unit_id: str, url: str, secret: str) -> bytes:
        return self.box.seal(secret.encode(), owner=nt.secret_owner(unit_id, url))

    def open(self, unit_id: str, url: str, sealed: bytes) -> bytes:
        return self.box.open(sealed, owner=nt.secret_owner(unit_id, url))


async def tell(s: AsyncSession, message: nt.Message, now: dt.datetime) -> int:
    """Write the notices of ``message`` to its unit's targets (in the caller's transaction)."""
    return await db.enqueue(s, message, await db.targets_of(s, [message.unit_id]), now)


def _check_unit(
    ctx: RegistryContext, actor_role: int, unit_id: str, op: str, *, write: bool
) -> None:
    if unit_id == nt.PROVINCE:
        if write and actor_role not in access.WRITERS:
            raise access.forbidden(op, "only the central operator manages its own targets")
        return
    if unit_id not in ctx.ref.units:
        raise NotFoundError(f"registry.{op}.unknown_unit", f"Không có đơn vị {unit_id!r}")


def _targets_pb(unit_id: str, rows: list[object]) -> npb.NotificationTargets:
    out = npb.NotificationTargets(unit_id=unit_id)
    for r in rows:
        row = dict(r)  # type: ignore[call-overload]
        if row["channel"] == nt.EMAIL:
            out.emails.append(row["address"])
        else:
            out.webhooks.append(
                npb.WebhookTarget(url=row["address"], has_secret=row["secret_sealed"] is not None)
            )
        stamp = ts(row["created_at"])
        if stamp is not None:
            out.updated_at.CopyFrom(stamp)
    return out


async def get_targets(
    ctx: RegistryContext, req: npb.GetNotificationTargetsRequest
) -> npb.NotificationTargetsReply:
    """A unit's targets (no secrets): the unit's own people, or province-level readers."""
    op = "get_notification_targets"
    access.check_notice_read(req.actor, req.unit_id, op)
    _check_unit(ctx, req.actor.role, req.unit_id, op, write=False)
    async with ctx.sessions() as s:
        rows = await db.targets_of(s, [req.unit_id])
    return npb.NotificationTargetsReply(targets=_targets_pb(req.unit_id, list(rows)))


async def set_targets(
    ctx: RegistryContext, box: SecretBox, req: npb.SetNotificationTargetsRequest
) -> npb.NotificationTargetsReply:
    """Replace a unit's targets (province_admin; a unit operator for its own unit); audited
    with the addresses and URLs, never the secrets."""
    op = "set_notification_targets"
    t = req.targets
    access.check_write(req.actor, t.unit_id, op)
    _check_unit(ctx, req.actor.role, t.unit_id, op, write=True)
    try:
        emails, urls = nt.check_targets(list(t.emails), [w.url for w in t.webhooks])
        given = {nt.check_webhook_url(w.url): w.secret for w in t.webhooks}
        for secret in given.values():
            if secret:
                nt.check_secret(secret)
    except nt.TargetError as e:
        raise InvalidInputError(f"registry.{op}.{e.detail}", str(e)) from e
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        await db.lock_unit_targets(s, t.unit_id)
        before = await db.targets_of(s, [t.unit_id])
        kept = {r["address"]: r["secret_sealed"] for r in before if r["channel"] == nt.WEBHOOK}
        rows: list[dict[str, object]] = [
            {"channel": nt.EMAIL, "address": e, "secret_sealed": None} for e in emails
        ]
        for url in urls:
            secret = given.get(url, "")
            sealed = box.seal(t.unit_id, url, secret) if secret else kept.get(url)
            if sealed is None:
                raise InvalidInputError(
                    f"registry.{op}.invalid_webhook_secret",
                    f"webhook {url[:80]} cần khóa bí mật (secret) để ký",
                )
            rows.append({"channel": nt.WEBHOOK, "address": url, "secret_sealed": sealed})
        for r in rows:
            r.update(created_at=now, created_by=req.actor.id)
        await db.replace_targets(s, t.unit_id, rows)
        await ctx.audit(
            s,
            actor=req.actor,
            action="unit.notification_targets.changed",
            before=_audit_image(before),
            after=_audit_image(rows),
            request_id=req.request_id,
            other=("unit", t.unit_id),
        )
        after = await db.targets_of(s, [t.unit_id])
    await ctx.flush()
    return npb.NotificationTargetsReply(targets=_targets_pb(t.unit_id, list(after)))


def _audit_image(rows: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"emails": [], "webhooks": []}
    for r in rows:  # type: ignore[attr-defined]
        out["emails" if r["channel"] == nt.EMAIL else "webhooks"].append(str(r["address"]))
    return out


def _cursor(token: str, op: str) -> tuple[dt.datetime, str] | None:
    if not token:
        return None
    try:
        stamp, _, notice_id = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        at = dt.datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError("naive time")
        return at, str(uuid.UUID(notice_id))
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InvalidInputError(f"registry.{op}.page_token", "invalid page_token") from e


async def list_notices(ctx: RegistryContext, req: npb.ListNoticesRequest) -> npb.ListNoticesReply:
    """Notices newest first: unit roles see their own unit's, province-level readers all."""
    op = "list_notices"
    unit_id = access.notice_scope(req.actor, req.unit_id, op)
    if req.status and req.status not in nt.STATUSES:
        raise InvalidInputError(f"registry.{op}.status", f"status: one of {nt.STATUSES}")
    size = min(req.page_size or 50, MAX_PAGE)
    async with ctx.sessions() as s:
        rows = await db.page(
            s,
            unit_id=unit_id,
            status=req.status,
            limit=size + 1,
            after=_cursor(req.page_token, op),
        )
    reply = npb.ListNoticesReply()
    for r in rows[:size]:
        n = reply.notices.add(
            id=str(r["id"]),
            unit_id=r["unit_id"],
            kind=r["kind"],
            event_key=r["event_key"],
            channel=r["channel"],
            recipient=r["recipient"],
            subject=r["subject"],
            status=r["status"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            camera_id=r["camera_id"],
        )
        for name in ("created_at", "last_attempt_at", "sent_at"):
            stamp = ts(r[name])
            if stamp is not None:
                getattr(n, name).CopyFrom(stamp)
    if len(rows) > size:
        last = rows[size - 1]
        cursor = f"{last['created_at'].isoformat()}|{last['id']}"
        reply.next_page_token = base64.urlsafe_b64encode(cursor.encode()).decode()
    return reply
