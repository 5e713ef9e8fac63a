"""Repository of accounts, sessions, refresh tokens and login throttles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import accounts, login_throttle, refresh_tokens, sessions
from tncam_gateway.domain.lockout import ThrottleState
from tncam_gateway.domain.roles import Role


@dataclass(frozen=True)
class Account:
    """One account row."""

    id: str
    username: str
    display_name: str
    role: Role
    unit_id: str
    sector_code: str
    unit_is_commune: bool
    status: str
    disabled_reason: str
    disabled_at: datetime | None
    password_hash: str | None
    password_changed_at: datetime
    must_change_password: bool
    mfa_secret_enc: str | None
    mfa_confirmed: bool
    totp_last_step: int | None
    token_version: int
    last_login_at: datetime | None
    scope_changed_at: datetime | None
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    unit_leader: bool = False  # reads its own unit's processing and extraction logs

    @property
    def active(self) -> bool:
        """Whether the account may log in and use tokens."""
        return self.status == "active"


def _account(row: Any) -> Account:
    data = dict(row._mapping)
    data["role"] = Role(data["role"])
    return Account(**data)


async def get(session: AsyncSession, account_id: str, *, lock: bool = False) -> Account | None:
    """The account with ``account_id``."""
    stmt = sa.select(accounts).where(accounts.c.id == account_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return _account(row) if row else None


async def by_username(session: AsyncSession, username: str) -> Account | None:
    """The account named ``username`` (case-insensitive)."""
    row = (
        await session.execute(sa.select(accounts).where(accounts.c.username == username.lower()))
    ).first()
    return _account(row) if row else None


async def insert(session: AsyncSession, **values: Any) -> None:
    """Insert one account."""
    await session.execute(sa.insert(accounts).values(**values))


async def update(session: AsyncSession, account_id: str, **values: Any) -> None:
    """Update fields of one account."""
    await session.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))


async def bump_token_version(session: AsyncSession, account_id: str, now: datetime) -> None:
    """Invalidate every access token of the account (server-side revocation)."""
    await session.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id)
        .values(token_version=accounts.c.token_version + 1, updated_at=now)
    )


async def claim_totp_step(session: AsyncSession, account_id: str, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: the replay guard."""
    result = await session.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id)
        .where(sa.or_(accounts.c.totp_last_step.is_(None), accounts.c.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def count(session: AsyncSession) -> int:
    """Number of accounts."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(accounts)) or 0)


async def search(
    session: AsyncSession,
    *,
    role: str | None = None,
    unit_id: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Account], int]:
    """Accounts matching the filters (page) and the total count."""
    conds: list[sa.ColumnElement[bool]] = []
    if role:
        conds.append(accounts.c.role == role)
    if unit_id:
        conds.append(accounts.c.unit_id == unit_id)
    if status:
        conds.append(accounts.c.status == status)
    if q:
        like = f"%{q.lower()}%"
        conds.append(
            sa.or_(
                accounts.c.username.like(like), sa.func.lower(accounts.c.display_name).like(like)
            )
        )
    where = sa.and_(sa.true(), *conds)
    total = int(
        await session.scalar(sa.select(sa.func.count()).select_from(accounts).where(where)) or 0
    )
    rows = await session.execute(
        sa.select(accounts).where(where).order_by(accounts.c.username).limit(limit).offset(offset)
    )
    return [_account(r) for r in rows], total


async def review_candidates(session: AsyncSession, *, inactive_before: datetime) -> list[Account]:
    """Active accounts unused since ``inactive_before`` or whose scope changed since review."""
    last_seen = sa.func.coalesce(accounts.c.last_login_at, accounts.c.created_at)
    scope_changed = sa.and_(
        accounts.c.scope_changed_at.is_not(None),
        sa.or_(
            accounts.c.reviewed_at.is_(None),
            accounts.c.reviewed_at < accounts.c.scope_changed_at,
        ),
    )
    rows = await session.execute(
        sa.select(accounts)
        .where(accounts.c.status == "active")
        .where(sa.or_(last_seen < inactive_before, scope_changed))
        .order_by(accounts.c.username)
    )
    return [_account(r) for r in rows]


# ------------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    """A login session: the family of one login's refresh tokens and access tokens."""

    id: str
    account_id: str
    kind: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str


async def insert_session(session: AsyncSession, **values: Any) -> None:
    """Insert one session."""
    await session.execute(sa.insert(sessions).values(**values))


async def get_session(session: AsyncSession, session_id: str) -> Session | None:
    """One session."""
    row = (
        await session.execute(
            sa.select(
                sessions.c.id,
                sessions.c.account_id,
                sessions.c.kind,
                sessions.c.created_at,
                sessions.c.expires_at,
                sessions.c.revoked_at,
                sessions.c.revoked_reason,
            ).where(sessions.c.id == session_id)
        )
    ).first()
    return Session(**row._mapping) if row else None


async def revoke_session(
    session: AsyncSession, session_id: str, now: datetime, reason: str
) -> None:
    """Revoke one session (its access and refresh tokens stop working)."""
    await session.execute(
        sa.update(sessions)
        .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def revoke_sessions_of(
    session: AsyncSession, account_id: str, now: datetime, reason: str
) -> None:
    """Revoke every open session of an account."""
    await session.execute(
        sa.update(sessions)
        .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


@dataclass(frozen=True)
class RefreshToken:
    """One refresh token of a session (only its digest is stored)."""

    id: str
    session_id: str
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def insert_refresh(session: AsyncSession, **values: Any) -> None:
    """Insert one refresh token."""
    await session.execute(sa.insert(refresh_tokens).values(**values))


async def get_refresh_for_update(session: AsyncSession, token_id: str) -> RefreshToken | None:
    """One refresh token, locked until the transaction ends."""
    row = (
        await session.execute(
            sa.select(refresh_tokens).where(refresh_tokens.c.id == token_id).with_for_update()
        )
    ).first()
    return RefreshToken(**row._mapping) if row else None


async def mark_refresh_used(session: AsyncSession, token_id: str, now: datetime) -> None:
    """Mark a refresh token as rotated (any later use of it is a reuse)."""
    await session.execute(
        sa.update(refresh_tokens).where(refresh_tokens.c.id == token_id).values(used_at=now)
    )


# ------------------------------------------------------------------------------- throttle


async def throttle_states(session: AsyncSession, keys: list[str]) -> dict[str, ThrottleState]:
    """The throttle state of each key (default: no failures)."""
    rows = await session.execute(sa.select(login_throttle).where(login_throttle.c.key.in_(keys)))
    found = {r.key: ThrottleState(r.failures, r.last_failure_at, r.locked_until) for r in rows}
    return {k: found.get(k, ThrottleState()) for k in keys}


async def save_throttle(session: AsyncSession, key: str, state: ThrottleState) -> None:
    """Store (upsert) the throttle state of ``key``."""
    from sqlalchemy.dialects.postgresql import insert

    stmt = insert(login_throttle).values(
        key=key,
        failures=state.failures,
        last_failure_at=state.last_failure_at,
        locked_until=state.locked_until,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[login_throttle.c.key],
        set_={
            "failures": stmt.excluded.failures,
            "last_failure_at": stmt.excluded.last_failure_at,
            "locked_until": stmt.excluded.locked_until,
        },
    )
    await session.execute(stmt)


async def clear_throttle(session: AsyncSession, key: str) -> None:
    """Forget the failures of ``key`` (after a successful login)."""
    await session.execute(sa.delete(login_throttle).where(login_throttle.c.key == key))
