"""Break-glass grants and committee approvals: issue, review, revoke, notify owning units."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.gateway.v1 import grant_pb2
from tncam_contracts.catalog import GRANT_ISSUED, GRANT_REVOKED
from tncam_gateway.clients.audit import Auditor
from tncam_gateway.clients.registry import ScopeLookup
from tncam_gateway.db import accounts as account_repo
from tncam_gateway.db import grants as repo
from tncam_gateway.db.accounts import Account
from tncam_gateway.domain.caller import ROLE_PB, Caller, ClientInfo
from tncam_gateway.domain.grants import GrantRequest, validate
from tncam_gateway.domain.policy import Action, enforce, grant_listing, grant_visibility, require
from tncam_gateway.domain.purpose import LEGAL_BASIS_PB
from tncam_gateway.domain.roles import LegalBasis, Role
from tncam_gateway.service.base import CameraUseCase
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError

log = logging.getLogger("tncam.gateway.grants")


Publish = Callable[[str, Any, str], Awaitable[None]]  # subject, message, msg id


def record_view(g: repo.GrantRecord) -> dict[str, Any]:
    """A grant for the audit log."""
    return {
        "grant_id": g.id,
        "grantee_id": g.grantee_id,
        "legal_basis": g.legal_basis.value,
        "ticket_id": g.ticket_id,
        "document_number": g.document_number,
        "document_issuer": g.document_issuer,
        "document_date": g.document_date.isoformat() if g.document_date else "",
        "camera_ids": g.camera_ids,
        "unit_ids": g.unit_ids,
        "footage_from": g.footage_from.isoformat(),
        "footage_to": g.footage_to.isoformat(),
        "scopes": g.scopes,
        "expires_at": g.expires_at.isoformat(),
        "reason": g.reason,
    }


@dataclass(frozen=True)
class GrantFilter:
    """What a reviewer asks for when listing grants."""

    active: bool | None = None
    grantee_id: str | None = None
    unit_id: str | None = None
    legal_basis: LegalBasis | None = None
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    limit: int = 100
    offset: int = 0


class GrantService(CameraUseCase):
    """Issue, list, revoke grants; tell the owning units."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        auditor: Auditor,
        clock: Clock,
        scope_of: ScopeLookup,
        publish: Publish,
        namespace: str = "",
    ) -> None:
        super().__init__(sessions=sessions, auditor=auditor, clock=clock, scope_of=scope_of)
        self.publish = publish
        self.namespace = namespace

    async def issue(
        self, issuer: Caller, client: ClientInfo, req: GrantRequest
    ) -> repo.GrantRecord:
        """Record a grant (province_admin; audited), then notify each owning unit."""
        now = self.clock()
        require(issuer.principal, Action.GRANT_ISSUE, now=now)
        grantee = await self._active_grantee(req.grantee_id)
        validate(req, grantee_role=grantee.role, now=now)
        units = await self._owning_units(req.camera_ids)
        grant_id = str(uuid.uuid4())
        async with unit_of_work(self.sessions) as s:
            await repo.insert(
                s,
                id=grant_id,
                issued_by=issuer.account_id,
                grantee_id=grantee.id,
                legal_basis=req.legal_basis.value,
                ticket_id=req.ticket_id,
                document_number=req.document_number,
                document_issuer=req.document_issuer,
                document_date=req.document_date,
                reason=req.reason,
                camera_ids=list(req.camera_ids),
                unit_ids=sorted(units),
                footage_from=req.footage_from,
                footage_to=req.footage_to,
                scopes=sorted(s.value for s in req.scopes),
                expires_at=req.expires_at,
                created_at=now,
            )
            record = await repo.get(s, grant_id)
            assert record is not None
            await self.auditor.record(
                "grant.issued",
                issuer.actor(),
                client,
                other=("grant", grant_id),
                cameras=(),
                categories=(apb.DATA_CATEGORY_IMAGE,),
                legal_basis=LEGAL_BASIS_PB[req.legal_basis],
                grant_id=grant_id,
                ticket_id=req.ticket_id,
                document=(
                    req.document_number,
                    req.document_issuer,
                    req.document_date.isoformat() if req.document_date else "",
                ),
                after=record_view(record) | {"grantee_name": grantee.display_name},
            )
        await self._notify_safely(record, grantee.display_name, issuer)
        return await self.get(grant_id)

    async def _active_grantee(self, account_id: str) -> Account:
        async with unit_of_work(self.sessions) as s:
            grantee = await account_repo.get(s, account_id)
        if grantee is None or not grantee.active:
            raise InvalidInputError(
                "gateway.grant.grantee_unknown", "Không tìm thấy tài khoản được cấp quyền"
            )
        return grantee

    async def _owning_units(self, camera_ids: Iterable[str]) -> set[str]:
        """The owning units of the cameras (InvalidInputError naming the unknown ones)."""
        units: set[str] = set()
        unknown: list[str] = []
        for camera_id in camera_ids:
            scope = await self.scope_of(camera_id)
            if scope is None:
                unknown.append(camera_id)
            else:
                units.add(scope.unit_id)
        if unknown:
            raise InvalidInputError(
                "gateway.grant.camera_unknown",
                f"Camera không tồn tại: {', '.join(unknown[:10])}",
                details={"camera_ids": unknown[:50]},
            )
        return units

    async def search(self, caller: Caller, f: GrantFilter) -> tuple[list[repo.GrantRecord], int]:
        """The grants the caller may review matching ``f``, and how many match in all."""
        now = self.clock()
        listing = grant_listing(caller.principal, now=now)
        enforce(listing.decision)
        async with unit_of_work(self.sessions) as s:
            return await repo.search(
                s,
                now=now,
                active=f.active,
                grantee_id=f.grantee_id,
                unit_id=f.unit_id if listing.unit_id is None else listing.unit_id,
                legal_basis=f.legal_basis.value if f.legal_basis else None,
                issued_from=f.issued_from,
                issued_to=f.issued_to,
                limit=f.limit,
                offset=f.offset,
            )

    async def visible(self, caller: Caller, grant_id: str) -> repo.GrantRecord:
        """One grant the caller may see (NotFoundError, or ForbiddenError)."""
        record = await self.get(grant_id)
        decision = grant_visibility(
            caller.principal, grantee_id=record.grantee_id, unit_ids=record.unit_ids
        )
        enforce(decision, "Không có quyền xem")
        return record

    async def get(self, grant_id: str) -> repo.GrantRecord:
        """One grant or NotFoundError."""
        async with unit_of_work(self.sessions) as s:
            record = await repo.get(s, grant_id)
        if record is None:
            raise NotFoundError("gateway.grant.not_found", "Không tìm thấy quyền truy cập")
        return record

    async def revoke(self, caller: Caller, client: ClientInfo, grant_id: str) -> repo.GrantRecord:
        """End a grant before its expiry (province_admin)."""
        now = self.clock()
        require(caller.principal, Action.GRANT_ISSUE, now=now)
        async with unit_of_work(self.sessions) as s:
            await repo.revoke(s, grant_id, now=now, by=caller.account_id)
            record = await repo.get(s, grant_id)
            if record is None:
                raise NotFoundError("gateway.grant.not_found", "Không tìm thấy quyền truy cập")
            await self.auditor.record(
                "grant.revoked",
                caller.actor(),
                client,
                other=("grant", grant_id),
                grant_id=grant_id,
                legal_basis=LEGAL_BASIS_PB[record.legal_basis],
            )
        await self._notify_safely(record, "", caller)
        return await self.get(grant_id)

    async def _notify_safely(self, record: repo.GrantRecord, name: str, by: Caller) -> None:
        try:
            await self.notify(record, grantee_name=name, actor=by.actor())
        except Exception:
            # The grant stands; the outbox loop retries the notification.
            log.warning("grant notification deferred", extra={"grant_id": record.id})

    async def notify(
        self, record: repo.GrantRecord, *, grantee_name: str = "", actor: Any = None
    ) -> None:
        """Publish one event per owning unit, then mark the grant notified."""
        for unit_id in record.unit_ids or [""]:
            if not unit_id:
                continue
            if record.revoked_at is not None:
                revoked = grant_pb2.GrantRevoked(grant_id=record.id, unit_id=unit_id)
                if actor is not None:
                    revoked.revoked_by.CopyFrom(actor)
                revoked.revoked_at.FromDatetime(record.revoked_at)
                await self.publish(
                    GRANT_REVOKED.subject(unit_id, self.namespace),
                    revoked,
                    f"{record.id}:{unit_id}:revoked",
                )
                continue
            event = grant_pb2.GrantIssued(
                grant_id=record.id,
                unit_id=unit_id,
                grantee_id=record.grantee_id,
                grantee_name=grantee_name,
                legal_basis=LEGAL_BASIS_PB[record.legal_basis],
                ticket_id=record.ticket_id,
                document_number=record.document_number,
                document_issuer=record.document_issuer,
                document_date=record.document_date.isoformat() if record.document_date else "",
                reason=record.reason,
                scopes=record.scopes,
            )
            if actor is not None:
                event.issued_by.CopyFrom(actor)
            else:
                event.issued_by.id = record.issued_by
                event.issued_by.role = ROLE_PB[Role.PROVINCE_ADMIN]
            # Only the unit's own cameras: a unit is not told about other units' cameras.
            scopes = [await self.scope_of(c) for c in record.camera_ids]
            event.camera_ids.extend(
                c
                for c, sc in zip(record.camera_ids, scopes, strict=True)
                if sc is None or sc.unit_id == unit_id
            )
            event.footage_from.FromDatetime(record.footage_from)
            event.footage_to.FromDatetime(record.footage_to)
            event.expires_at.FromDatetime(record.expires_at)
            event.issued_at.FromDatetime(record.created_at)
            await self.publish(
                GRANT_ISSUED.subject(unit_id, self.namespace), event, f"{record.id}:{unit_id}"
            )
        async with unit_of_work(self.sessions) as s:
            await repo.mark_notified(s, record.id, self.clock())

    async def notify_pending(self) -> None:
        """One outbox pass: publish the notifications that could not be published when the
        grant was recorded (run periodically by the app)."""
        async with unit_of_work(self.sessions) as s:
            pending = await repo.unnotified(s)
        for record in pending:
            await self.notify(record)
