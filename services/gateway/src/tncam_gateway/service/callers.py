"""The per-request check of an access token's session against the database, cached for the
revocation cache time (a disabled account or an ended session is refused within it)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam_gateway.db import accounts as repo
from tncam_gateway.domain.caller import Caller
from tncam_gateway.domain.login import password_expired
from tncam_gateway.domain.policy import Principal
from tncam_gateway.domain.tokens import invalid
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work


@dataclass
class _Cached:
    at: float
    caller: Caller | None
    error: str
    token_version: int = -1


class CallerCheck:
    """Who is behind a session, reloaded once older than ``revocation_cache_s``."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        revocation_cache_s: float,
        password_max_age_days: int,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.revocation_cache_s = revocation_cache_s
        self.password_max_age_days = password_max_age_days
        self._cache: dict[tuple[str, str], _Cached] = {}

    async def caller(self, account_id: str, session_id: str, token_version: int | None) -> Caller:
        """The caller of a still-valid session; with ``token_version``, also refused once the
        account's tokens were revoked."""
        cached = await self._checked(account_id, session_id)
        if cached.caller is None:
            raise invalid(cached.error)
        if token_version is not None and token_version != cached.token_version:
            raise invalid("token đã bị thu hồi (token revoked)")
        return cached.caller

    async def _checked(self, account_id: str, session_id: str) -> _Cached:
        key = (account_id, session_id)
        mono = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or mono - cached.at > self.revocation_cache_s:
            cached = await self._load(account_id, session_id)
            cached.at = mono
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    async def _load(self, account_id: str, session_id: str) -> _Cached:
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            account = await repo.get(s, account_id)
            sess = await repo.get_session(s, session_id)
        if account is None or not account.active:
            return _Cached(0.0, None, "tài khoản bị khóa (account disabled)")
        if sess is None or sess.account_id != account_id or sess.revoked_at is not None:
            return _Cached(0.0, None, "phiên đã bị thu hồi (session revoked)")
        if now >= sess.expires_at:
            return _Cached(0.0, None, "phiên đã hết hạn (session expired)")
        caller = Caller(
            principal=Principal(
                account_id=account.id,
                role=account.role,
                unit_id=account.unit_id,
                sector_code=account.sector_code,
                unit_is_commune=account.unit_is_commune,
                unit_leader=account.unit_leader,
            ),
            username=account.username,
            display_name=account.display_name,
            session_id=session_id,
            password_change_required=password_expired(
                account.role,
                must_change=account.must_change_password,
                changed_at=account.password_changed_at,
                now=now,
                max_age_days=self.password_max_age_days,
            ),
        )
        return _Cached(0.0, caller, "", account.token_version)

    def forget(self, account_id: str) -> None:
        """Drop cached checks of an account (after a change made by this replica)."""
        for key in [k for k in self._cache if k[0] == account_id]:
            del self._cache[key]

    def drop(self, account_id: str, session_id: str) -> None:
        """Drop the cached check of one session."""
        self._cache.pop((account_id, session_id), None)

    def clear(self) -> None:
        """Drop every cached check."""
        self._cache.clear()
