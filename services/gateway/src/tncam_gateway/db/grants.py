"""Repository of grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import grants
from tncam_gateway.domain.policy import Grant
from tncam_gateway.domain.roles import GrantScope, LegalBasis


@dataclass(frozen=True)
class GrantRecord:
    """One grant row."""

    id: str
    issued_by: str
    grantee_id: str
    legal_basis: LegalBasis
    ticket_id: str
    document_number: str
    document_issuer: str
    document_date: date | None
    reason: str
    camera_ids: list[str]
    unit_ids: list[str]
    footage_from: datetime
    footage_to: datetime
    scopes: list[str]
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str
    notified_at: datetime | None

    def policy_view(self) -> Grant:
        """The grant as the policy sees it."""
        return Grant(
            grant_id=self.id,
            grantee_id=self.grantee_id,
            legal_basis=self.legal_basis,
            camera_ids=frozenset(self.camera_ids),
            footage_from=self.footage_from,
            footage_to=self.footage_to,
            scopes=frozenset(GrantScope(s) for s in self.scopes),
            expires_at=self.expires_at,
            revoked=self.revoked_at is not None,
        )


def _record(row: Any) -> GrantRecord:
    data = dict(row._mapping)
    data["legal_basis"] = LegalBasis(data["legal_basis"])
    return GrantRecord(**data)


async def insert(session: AsyncSession, **values: Any) -> None:
    """Insert one grant."""
    await session.execute(sa.insert(grants).values(**values))


async def get(session: AsyncSession, grant_id: str) -> GrantRecord | None:
    """One grant."""
    row = (await session.execute(sa.select(grants).where(grants.c.id == grant_id))).first()
    return _record(row) if row else None


async def of_grantee(
    session: AsyncSession, grantee_id: str, *, camera_id: str, now: datetime
) -> list[GrantRecord]:
    """Grants of one grantee covering a camera, including lapsed ones of the last day."""
    rows = await session.execute(
        sa.select(grants)
        .where(grants.c.grantee_id == grantee_id)
        .where(grants.c.camera_ids.contains([camera_id]))
        .order_by(grants.c.created_at.desc())
        .limit(50)
    )
    return [_record(r) for r in rows]


async def search(
    session: AsyncSession,
    *,
    now: datetime,
    active: bool | None = None,
    grantee_id: str | None = None,
    unit_id: str | None = None,
    legal_basis: str | None = None,
    issued_from: datetime | None = None,
    issued_to: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[GrantRecord], int]:
    """Grants for review, newest first, and the total count."""
    conds: list[sa.ColumnElement[bool]] = []
    is_active = sa.and_(grants.c.revoked_at.is_(None), grants.c.expires_at > now)
    if active is True:
        conds.append(is_active)
    elif active is False:
        conds.append(sa.not_(is_active))
    if grantee_id:
        conds.append(grants.c.grantee_id == grantee_id)
    if unit_id:
        conds.append(grants.c.unit_ids.contains([unit_id]))
    if legal_basis:
        conds.append(grants.c.legal_basis == legal_basis)
    if issued_from:
        conds.append(grants.c.created_at >= issued_from)
    if issued_to:
        conds.append(grants.c.created_at < issued_to)
    where = sa.and_(sa.true(), *conds)
    total = int(
        await session.scalar(sa.select(sa.func.count()).select_from(grants).where(where)) or 0
    )
    rows = await session.execute(
        sa.select(grants)
        .where(where)
        .order_by(grants.c.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_record(r) for r in rows], total


async def revoke(session: AsyncSession, grant_id: str, *, now: datetime, by: str) -> bool:
    """Revoke a grant that is still open; False if it was not."""
    result = await session.execute(
        sa.update(grants)
        .where(grants.c.id == grant_id, grants.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by, notified_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unnotified(session: AsyncSession, *, limit: int = 100) -> list[GrantRecord]:
    """Grants whose issue (or revocation) the owning units have not been told about yet."""
    rows = await session.execute(
        sa.select(grants)
        .where(grants.c.notified_at.is_(None))
        .order_by(grants.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_record(r) for r in rows]


async def mark_notified(session: AsyncSession, grant_id: str, now: datetime) -> None:
    """Record that the owning units were notified."""
    await session.execute(sa.update(grants).where(grants.c.id == grant_id).values(notified_at=now))


async def by_ids(session: AsyncSession, grant_ids: set[str]) -> dict[str, GrantRecord]:
    """The grants of these ids that exist, by id."""
    if not grant_ids:
        return {}
    rows = await session.execute(sa.select(grants).where(grants.c.id.in_(sorted(grant_ids))))
    return {r.id: r for r in map(_record, rows)}
