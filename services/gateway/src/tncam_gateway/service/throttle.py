"""Progressive lockout of login attempts: refuse a locked name or address, count failures, and
record both in the audit log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.clients.audit import Auditor
from tncam_gateway.db import accounts as repo
from tncam_gateway.domain.caller import ClientInfo, account_actor
from tncam_gateway.domain.errors import ThrottledError
from tncam_gateway.domain.lockout import LockoutPolicy, after_failure
from tncam_gateway.domain.login import INVALID_CREDENTIALS
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work


class LoginThrottle:
    """Lockout per account name (``lockout``) and per source address (``address_lockout``)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        auditor: Auditor,
        clock: Clock,
        lockout: LockoutPolicy,
        address_lockout: LockoutPolicy,
    ) -> None:
        self.sessions = sessions
        self.auditor = auditor
        self.clock = clock
        self.lockout = lockout
        self.address_lockout = address_lockout

    async def check(self, keys: list[str], client: ClientInfo, name: str) -> None:
        """Refuse (429, audited) while any of ``keys`` is locked."""
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            states = await repo.throttle_states(s, keys)
        locked = [st for st in states.values() if st.locked(now)]
        if locked:
            retry = max(st.retry_after_s(now) for st in locked)
            await self.auditor.record(
                "account.login.throttled",
                account_actor("", name[:64], "", None),
                client,
                outcome=apb.OUTCOME_DENIED,
                error_code="gateway.auth.throttled",
                after={"username": name[:64]},
            )
            raise ThrottledError(
                "gateway.auth.throttled",
                "Quá nhiều lần đăng nhập sai, thử lại sau (too many failed attempts, retry later)",
                details={"retry_after_s": retry},
            )

    async def record_failure(
        self, keys: list[str], client: ClientInfo, name: str, account: repo.Account | None
    ) -> None:
        """Count a failed attempt on every key; audit it, and a lock it starts."""
        now = self.clock()
        actor = (
            account_actor(account.id, account.display_name, account.unit_id, account.role)
            if account
            else account_actor("", name[:64], "", None)
        )
        newly_locked: list[str] = []
        async with unit_of_work(self.sessions) as s:
            states = await repo.throttle_states(s, keys)
            for key, state in states.items():
                policy = self.lockout if key.startswith("account:") else self.address_lockout
                new = after_failure(state, now, policy)
                if new.locked(now) and not state.locked(now):
                    newly_locked.append(key.split(":", 1)[0])
                await repo.save_throttle(s, key, new)
            await self.auditor.record(
                "account.login.failed",
                actor,
                client,
                outcome=apb.OUTCOME_DENIED,
                error_code=INVALID_CREDENTIALS,
                account_id=account.id if account else "",
                after={"username": name[:64]},
            )
            if newly_locked:
                await self.auditor.record(
                    "account.login.locked",
                    actor,
                    client,
                    outcome=apb.OUTCOME_DENIED,
                    error_code="gateway.auth.throttled",
                    account_id=account.id if account else "",
                    after={"username": name[:64], "locked": newly_locked},
                )
