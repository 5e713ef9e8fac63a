"""Repository of live view sessions (one row per live token; docs/adr/0022)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_gateway.db.tables import accounts, live_sessions, sessions
from tncam_gateway.domain.live import LIVE_STATES, LiveState
from tncam_gateway.domain.policy import LiveEnd


@dataclass(frozen=True)
class LiveSessionRecord:
    """One live session row."""

    id: str
    account_id: str
    login_session_id: str
    camera_id: str
    owner_unit_id: str
    stream: str
    purpose: str
    purpose_text: str
    grant_id: str
    state: LiveState
    replica_id: str
    codec_path: str
    audit_event_id: str
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    ended_at: datetime | None
    end_reason: str


@dataclass(frozen=True)
class LiveCheck:
    """A session that is not over, with what its end rules look at (besides its grant)."""

    record: LiveSessionRecord
    account_active: bool
    login_revoked_reason: str | None
    login_expires_at: datetime


def _record(row: Any) -> LiveSessionRecord:
    data = {c.name: row._mapping[c.name] for c in live_sessions.columns}
    data["state"] = LiveState(data["state"])
    return LiveSessionRecord(**data)


_LIVE = [s.value for s in LIVE_STATES]


async def insert(session: AsyncSession, **values: Any) -> None:
    """Insert one session (state ``issued``)."""
    await session.execute(sa.insert(live_sessions).values(state=LiveState.ISSUED.value, **values))


async def get(session: AsyncSession, session_id: str) -> LiveSessionRecord | None:
    """One session."""
    row = (
        await session.execute(sa.select(live_sessions).where(live_sessions.c.id == session_id))
    ).first()
    return _record(row) if row else None


async def _move(
    session: AsyncSession, session_id: str, src: Iterable[LiveState], **values: Any
) -> LiveSessionRecord | None:
    """Update one session if it is in one of ``src``; the updated row, or None."""
    row = (
        await session.execute(
            sa.update(live_sessions)
            .where(
                live_sessions.c.id == session_id,
                live_sessions.c.state.in_([s.value for s in src]),
            )
            .values(**values)
            .returning(*live_sessions.columns)
        )
    ).first()
    return _record(row) if row else None


async def claim_for_open(session: AsyncSession, session_id: str) -> LiveSessionRecord | None:
    """``issued`` → ``opening``: the one offer a token may relay (None: not ``issued``)."""
    return await _move(session, session_id, [LiveState.ISSUED], state=LiveState.OPENING.value)


async def release(session: AsyncSession, session_id: str) -> None:
    """``opening`` → ``issued`` after the live edge refused the offer (the token may retry)."""
    await _move(session, session_id, [LiveState.OPENING], state=LiveState.ISSUED.value)


async def mark_open(
    session: AsyncSession, session_id: str, *, replica_id: str, codec_path: str, now: datetime
) -> bool:
    """``opening`` → ``open`` on the replica that holds it (False: ended meanwhile)."""
    moved = await _move(
        session,
        session_id,
        [LiveState.OPENING],
        state=LiveState.OPEN.value,
        replica_id=replica_id,
        codec_path=codec_path,
        opened_at=now,
    )
    return moved is not None


async def begin_end(
    session: AsyncSession, session_id: str, reason: LiveEnd, now: datetime
) -> LiveSessionRecord | None:
    """A session that is not over → ``ending`` with its reason (None: already over)."""
    return await _move(
        session,
        session_id,
        LIVE_STATES,
        state=LiveState.ENDING.value,
        end_reason=reason.value,
        ended_at=now,
    )


async def checks(session: AsyncSession, *, limit: int = 10_000) -> list[LiveCheck]:
    """Sessions that are not over, with their account's and login session's state; locked
    (skipping rows another replica holds) until the transaction ends."""
    rows = await session.execute(
        sa.select(
            live_sessions,
            (accounts.c.status == "active").label("account_active"),
            sessions.c.revoked_at.label("login_revoked_at"),
            sessions.c.revoked_reason.label("login_revoked_reason"),
            sessions.c.expires_at.label("login_expires_at"),
        )
        .join(accounts, accounts.c.id == live_sessions.c.account_id)
        .join(sessions, sessions.c.id == live_sessions.c.login_session_id)
        .where(live_sessions.c.state.in_(_LIVE))
        .order_by(live_sessions.c.expires_at)
        .limit(limit)
        .with_for_update(of=live_sessions, skip_locked=True)
    )
    return [
        LiveCheck(
            record=_record(r),
            account_active=bool(r.account_active),
            login_revoked_reason=(
                None if r.login_revoked_at is None else str(r.login_revoked_reason)
            ),
            login_expires_at=r.login_expires_at,
        )
        for r in rows
    ]


async def ending(
    session: AsyncSession, *, session_id: str | None = None, limit: int = 200
) -> list[LiveSessionRecord]:
    """Sessions ended here whose close and audit are still to be done; locked, skipping
    rows another replica holds."""
    query = sa.select(live_sessions).where(live_sessions.c.state == LiveState.ENDING.value)
    if session_id is not None:
        query = query.where(live_sessions.c.id == session_id)
    rows = await session.execute(
        query.order_by(live_sessions.c.ended_at).limit(limit).with_for_update(skip_locked=True)
    )
    return [_record(r) for r in rows]


async def mark_ended(session: AsyncSession, session_id: str) -> None:
    """``ending`` → ``ended``: closed at the edge (or gone) and the end recorded."""
    await _move(session, session_id, [LiveState.ENDING], state=LiveState.ENDED.value)
