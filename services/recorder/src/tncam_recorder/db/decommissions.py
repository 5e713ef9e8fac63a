"""Deletion certificates and the technical sign-offs kept beside them (callers own the
transaction)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_recorder.db.tables import decommission_signoffs, deletion_certificates


@dataclass(frozen=True, slots=True)
class SignOffRow:
    """The human sign-off of one certificate."""

    signer_name: str
    signer_role: str
    signed_on: dt.date
    note: str
    recorded_by: dict[str, Any]
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DecommissionRow:
    """A deletion certificate with its sign-off (None until given)."""

    certificate_id: uuid.UUID
    scope: str
    camera_id: str
    certificate_json: str
    signature: bytes
    public_key: bytes
    issued_at: dt.datetime
    sign_off: SignOffRow | None


_JOINED = deletion_certificates.outerjoin(
    decommission_signoffs,
    deletion_certificates.c.certificate_id == decommission_signoffs.c.certificate_id,
)


def _query() -> sa.Select[Any]:
    c, o = deletion_certificates.c, decommission_signoffs.c
    return sa.select(
        c.certificate_id,
        c.scope,
        c.camera_id,
        c.certificate_json,
        c.signature,
        c.public_key,
        c.issued_at,
        o.signer_name,
        o.signer_role,
        o.signed_on,
        o.note,
        o.recorded_by,
        o.recorded_at,
    ).select_from(_JOINED)


def _row(r: Any) -> DecommissionRow:
    sign_off = None
    if r.signer_name is not None:
        sign_off = SignOffRow(
            r.signer_name, r.signer_role, r.signed_on, r.note, r.recorded_by, r.recorded_at
        )
    return DecommissionRow(
        r.certificate_id,
        r.scope,
        r.camera_id,
        r.certificate_json,
        bytes(r.signature),
        bytes(r.public_key),
        r.issued_at,
        sign_off,
    )


async def get(s: AsyncSession, certificate_id: uuid.UUID) -> DecommissionRow | None:
    """One certificate with its sign-off."""
    row = (
        await s.execute(_query().where(deletion_certificates.c.certificate_id == certificate_id))
    ).first()
    return _row(row) if row else None


async def page(
    s: AsyncSession, *, unsigned_only: bool, limit: int, offset: int
) -> tuple[list[DecommissionRow], int]:
    """One page of certificates, newest first, and how many match."""
    conditions = [decommission_signoffs.c.signer_name.is_(None)] if unsigned_only else []
    total = (
        await s.execute(sa.select(sa.func.count()).select_from(_JOINED).where(*conditions))
    ).scalar_one()
    rows = await s.execute(
        _query()
        .where(*conditions)
        .order_by(deletion_certificates.c.issued_at.desc(), deletion_certificates.c.certificate_id)
        .limit(limit)
        .offset(offset)
    )
    return [_row(r) for r in rows], int(total)


async def add_sign_off(s: AsyncSession, certificate_id: uuid.UUID, sign_off: SignOffRow) -> bool:
    """Record the sign-off; False when the certificate already has one."""
    result = await s.execute(
        insert(decommission_signoffs)
        .values(
            certificate_id=certificate_id,
            signer_name=sign_off.signer_name,
            signer_role=sign_off.signer_role,
            signed_on=sign_off.signed_on,
            note=sign_off.note,
            recorded_by=sign_off.recorded_by,
            recorded_at=sign_off.recorded_at,
        )
        .on_conflict_do_nothing()
        .returning(decommission_signoffs.c.certificate_id)
    )
    return result.first() is not None
