"""Login, tokens, refresh rotation, logout, password change and MFA enrolment; the lockout is
in ``service/throttle.py``, the per-request token check in ``service/callers.py``."""

from __future__ import annotations

import asyncio
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.clients.audit import Auditor
from tncam_gateway.db import accounts as repo
from tncam_gateway.domain import totp
from tncam_gateway.domain.caller import Caller, ClientInfo, account_actor
from tncam_gateway.domain.lockout import LockoutPolicy
from tncam_gateway.domain.login import (
    INVALID_CREDENTIALS,
    invalid_credentials,
    login_name,
    password_expired,
    throttle_keys,
)
from tncam_gateway.domain.passwords import PasswordHasher, PasswordPolicy
from tncam_gateway.domain.policy import mfa_required, uses_client_credentials
from tncam_gateway.domain.tokens import TokenCodec, digest, invalid, new_refresh_secret
from tncam_gateway.domain.totp import SeedBox
from tncam_gateway.service.callers import CallerCheck
from tncam_gateway.service.throttle import LoginThrottle
from tncam_mesh.clock import Clock
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, ForbiddenError, UnauthenticatedError


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh returns."""

    access_token: str
    expires_in: int
    refresh_token: str | None
    refresh_expires_in: int | None
    password_change_required: bool


@dataclass(frozen=True)
class AuthConfig:
    """Token lifetimes, password age and lockout policy."""

    refresh_ttl_s: int
    session_max_age_s: int
    password_max_age_days: int
    lockout: LockoutPolicy
    address_lockout: LockoutPolicy
    revocation_cache_s: float
    totp_issuer: str


class AuthService:
    """Authentication of people and app clients."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        codec: TokenCodec,
        hasher: PasswordHasher,
        passwords: PasswordPolicy,
        box: SeedBox,
        auditor: Auditor,
        config: AuthConfig,
        clock: Clock,
        hash_concurrency: int = 4,
    ) -> None:
        self.sessions = sessions
        self.codec = codec
        self.hasher = hasher
        self.passwords = passwords
        self.box = box
        self.auditor = auditor
        self.config = config
        self.clock = clock
        # Argon2 costs ~19 MiB and tens of ms each: bound how many run at once.
        self._hash_slots = asyncio.Semaphore(hash_concurrency)
        self.throttle = LoginThrottle(
            sessions=sessions,
            auditor=auditor,
            clock=clock,
            lockout=config.lockout,
            address_lockout=config.address_lockout,
        )
        self.callers = CallerCheck(
            sessions=sessions,
            clock=clock,
            revocation_cache_s=config.revocation_cache_s,
            password_max_age_days=config.password_max_age_days,
        )

    # ------------------------------------------------------------------ password hashing

    async def verify_password(self, encoded: str | None, password: str) -> bool:
        """Argon2 verification off the event loop."""
        async with self._hash_slots:
            return await asyncio.to_thread(self.hasher.verify, encoded, password)

    async def hash_password(self, password: str) -> str:
        """Argon2 hashing off the event loop."""
        async with self._hash_slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    # ----------------------------------------------------------------------------- login

    async def _verified(
        self, username: str, secret: str, client: ClientInfo, *, app_client: bool
    ) -> tuple[repo.Account, list[str]]:
        """The active account of a person (or, with ``app_client``, of the app client) whose
        password or client secret this is, and the lockout keys of the attempt; a throttled
        or failed attempt is refused (counted and audited) with one answer for every cause."""
        name = login_name(username)
        keys = throttle_keys(name, client)
        await self.throttle.check(keys, client, name)
        async with unit_of_work(self.sessions) as s:
            account = await repo.by_username(s, name)
        # Always verify (a dummy hash for unknown names): same cost, same answer.
        ok = await self.verify_password(account.password_hash if account else None, secret)
        if (
            not ok
            or account is None
            or not account.active
            # Each kind of account uses its own grant only.
            or uses_client_credentials(account.role) != app_client
        ):
            await self.throttle.record_failure(keys, client, name, account)
            raise invalid_credentials()
        return account, keys

    async def _check_totp(
        self, account: repo.Account, code: str | None, keys: list[str], client: ClientInfo
    ) -> None:
        """Refuse a login without a valid, unused TOTP code of the account's enrolled seed."""
        if not account.mfa_confirmed or not account.mfa_secret_enc:
            raise UnauthenticatedError(
                "gateway.auth.mfa_enrollment_required",
                "Tài khoản cần đăng ký xác thực hai lớp (TOTP) trước khi đăng nhập "
                "(enrol TOTP first: POST /api/v1/auth/mfa/enroll)",
            )
        if not code:
            raise UnauthenticatedError(
                "gateway.auth.mfa_required",
                "Cần mã xác thực hai lớp (TOTP code required)",
            )
        secret = self.box.open(account.mfa_secret_enc, context=account.id)
        step = totp.verify(secret, code, now=self.clock(), last_used_step=account.totp_last_step)
        claimed = False
        if step is not None:
            async with unit_of_work(self.sessions) as s:
                claimed = await repo.claim_totp_step(s, account.id, step)
        if not claimed:
            await self.throttle.record_failure(keys, client, account.username, account)
            raise invalid_credentials()

    async def login(
        self, username: str, password: str, totp_code: str | None, client: ClientInfo
    ) -> TokenPair:
        """The OAuth2 password grant (plus TOTP when MFA applies)."""
        account, keys = await self._verified(username, password, client, app_client=False)
        mfa_needed = mfa_required(account.role, enrolled=account.mfa_confirmed)
        if mfa_needed:
            await self._check_totp(account, totp_code, keys, client)

        rehash = self.hasher.needs_rehash(account.password_hash or "")
        new_hash = await self.hash_password(password) if rehash else None
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            await repo.clear_throttle(s, keys[0])
            values: dict[str, object] = {"last_login_at": now}
            if new_hash:
                values["password_hash"] = new_hash
            await repo.update(s, account.id, **values)
            pair = await self._open_session(s, account, "password", client, now)
            await self.auditor.record(
                "account.login.succeeded",
                account_actor(account.id, account.display_name, account.unit_id, account.role),
                client,
                account_id=account.id,
                after={"mfa": mfa_needed, "rehashed": bool(new_hash)},
            )
        return pair

    async def client_credentials(
        self, client_id: str, client_secret: str, client: ClientInfo
    ) -> TokenPair:
        """The OAuth2 client-credentials grant for ``app_client`` accounts (no refresh)."""
        account, keys = await self._verified(client_id, client_secret, client, app_client=True)
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            await repo.clear_throttle(s, keys[0])
            await repo.update(s, account.id, last_login_at=now)
            pair = await self._open_session(
                s, account, "client_credentials", client, now, refresh=False
            )
            await self.auditor.record(
                "account.client_token.issued",
                account_actor(account.id, account.display_name, account.unit_id, account.role),
                client,
                account_id=account.id,
            )
        return pair

    def _password_expired(self, account: repo.Account, now: datetime) -> bool:
        return password_expired(
            account.role,
            must_change=account.must_change_password,
            changed_at=account.password_changed_at,
            now=now,
            max_age_days=self.config.password_max_age_days,
        )

    async def _open_session(
        self,
        s: AsyncSession,
        account: repo.Account,
        kind: str,
        client: ClientInfo,
        now: datetime,
        *,
        refresh: bool = True,
    ) -> TokenPair:
        session_id = str(uuid.uuid4())
        max_age = self.config.session_max_age_s if refresh else self.codec.ttl_s
        await repo.insert_session(
            s,
            id=session_id,
            account_id=account.id,
            kind=kind,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age),
            client_address=client.address,
            user_agent=client.user_agent[:256],
        )
        refresh_token = await self._new_refresh(s, session_id, now) if refresh else None
        return self._pair(account, session_id, refresh_token, now)

    async def _new_refresh(self, s: AsyncSession, session_id: str, now: datetime) -> str:
        token_id = uuid.uuid4().hex
        secret = new_refresh_secret()
        await repo.insert_refresh(
            s,
            id=token_id,
            session_id=session_id,
            token_hash=digest(secret),
            issued_at=now,
            expires_at=now + timedelta(seconds=self.config.refresh_ttl_s),
        )
        return f"{token_id}.{secret}"

    def _pair(
        self, account: repo.Account, session_id: str, refresh_token: str | None, now: datetime
    ) -> TokenPair:
        token, _ = self.codec.issue(
            account_id=account.id,
            session_id=session_id,
            role=account.role.value,
            unit_id=account.unit_id,
            token_version=account.token_version,
            now=now,
        )
        return TokenPair(
            access_token=token,
            expires_in=self.codec.ttl_s,
            refresh_token=refresh_token,
            refresh_expires_in=self.config.refresh_ttl_s if refresh_token else None,
            password_change_required=self._password_expired(account, now),
        )

    # --------------------------------------------------------------------------- refresh

    async def refresh(self, refresh_token: str, client: ClientInfo) -> TokenPair:
        """Rotate a refresh token; a reused one revokes its whole session."""
        token_id, _, secret = refresh_token.partition(".")
        now = self.clock()
        reused: repo.Account | None = None
        async with unit_of_work(self.sessions) as s:
            row = await repo.get_refresh_for_update(s, token_id) if token_id else None
            if row is None or not hmac.compare_digest(row.token_hash, digest(secret)):
                raise invalid("refresh token không hợp lệ (invalid refresh token)")
            sess = await repo.get_session(s, row.session_id)
            account = await repo.get(s, sess.account_id) if sess else None
            if sess is None or account is None:
                raise invalid("refresh token không hợp lệ (invalid refresh token)")
            actor = account_actor(account.id, account.display_name, account.unit_id, account.role)
            if row.used_at is not None:
                if sess.revoked_at is None:
                    await repo.revoke_session(s, sess.id, now, "refresh_reuse")
                    reused = account
                    await self.auditor.record(
                        "account.refresh.reused",
                        actor,
                        client,
                        outcome=apb.OUTCOME_DENIED,
                        error_code="gateway.auth.refresh_reused",
                        account_id=account.id,
                        after={"session_id": sess.id},
                    )
            elif (
                sess.revoked_at is not None
                or now >= sess.expires_at
                or now >= row.expires_at
                or not account.active
            ):
                raise invalid("phiên đăng nhập đã kết thúc (session ended)")
            else:
                await repo.mark_refresh_used(s, row.id, now)
                new_refresh = await self._new_refresh(s, sess.id, now)
                pair = self._pair(account, sess.id, new_refresh, now)
                await self.auditor.record(
                    "account.token.refreshed", actor, client, account_id=account.id
                )
                return pair
        self.callers.clear()
        if reused is not None:
            raise UnauthenticatedError(
                "gateway.auth.refresh_reused",
                "Refresh token đã được dùng; phiên đã bị thu hồi (refresh token reused; "
                "session revoked)",
            )
        raise invalid("phiên đăng nhập đã kết thúc (session ended)")

    async def logout(self, caller: Caller, client: ClientInfo) -> None:
        """End the caller's session: its refresh and access tokens stop working."""
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            await repo.revoke_session(s, caller.session_id, now, "logout")
            await self.auditor.record(
                "account.logout", caller.actor(), client, account_id=caller.account_id
            )
        self.callers.drop(caller.account_id, caller.session_id)

    # ------------------------------------------------------------------- authentication

    async def authenticate(self, token: str) -> Caller:
        """The caller behind an access token, checked server-side (cached briefly)."""
        claims = self.codec.verify(token, now=self.clock())
        return await self.callers.caller(claims.account_id, claims.session_id, claims.token_version)

    async def session_caller(self, account_id: str, session_id: str) -> Caller:
        """The caller of a still-valid session (for credentials derived from an access token,
        such as playback tokens): refused once the account is disabled or the session ends."""
        return await self.callers.caller(account_id, session_id, None)

    def forget(self, account_id: str) -> None:
        """Drop cached checks of an account (after a change made by this replica)."""
        self.callers.forget(account_id)

    # ------------------------------------------------------------------ password change

    async def change_password(
        self, caller: Caller, current: str, new: str, client: ClientInfo
    ) -> None:
        """The caller changes their own password (also ends a forced change)."""
        async with unit_of_work(self.sessions) as s:
            account = await repo.get(s, caller.account_id)
        if account is None or not await self.verify_password(account.password_hash, current):
            await self.auditor.record(
                "account.password.change_failed",
                caller.actor(),
                client,
                outcome=apb.OUTCOME_DENIED,
                error_code=INVALID_CREDENTIALS,
                account_id=caller.account_id,
            )
            raise invalid_credentials()
        self.passwords.check(new, username=account.username, display_name=account.display_name)
        if await self.verify_password(account.password_hash, new):
            raise ConflictError(
                "gateway.password.unchanged",
                "Mật khẩu mới phải khác mật khẩu cũ (the new password must differ)",
            )
        encoded = await self.hash_password(new)
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            await repo.update(
                s,
                account.id,
                password_hash=encoded,
                password_changed_at=now,
                must_change_password=False,
                updated_at=now,
            )
            await self.auditor.record(
                "account.password.changed", caller.actor(), client, account_id=account.id
            )
        self.forget(account.id)

    # ------------------------------------------------------------------------------- MFA

    async def mfa_enroll(self, username: str, password: str, client: ClientInfo) -> tuple[str, str]:
        """Start TOTP enrolment (only while none is confirmed): the secret and its URI."""
        account = (await self._verified(username, password, client, app_client=False))[0]
        if account.mfa_confirmed:
            raise ConflictError(
                "gateway.mfa.already_enrolled",
                "Đã đăng ký TOTP; liên hệ quản trị để đặt lại (already enrolled; ask an admin)",
            )
        secret = totp.new_secret()
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            await repo.update(
                s,
                account.id,
                mfa_secret_enc=self.box.seal(secret, context=account.id),
                totp_last_step=None,
                updated_at=now,
            )
            await self.auditor.record(
                "account.mfa.enrolment_started",
                account_actor(account.id, account.display_name, account.unit_id, account.role),
                client,
                account_id=account.id,
            )
        uri = totp.provisioning_uri(
            secret, account=account.username, issuer=self.config.totp_issuer
        )
        return secret, uri

    async def mfa_confirm(
        self, username: str, password: str, code: str, client: ClientInfo
    ) -> None:
        """Confirm TOTP enrolment with a first valid code."""
        account = (await self._verified(username, password, client, app_client=False))[0]
        if account.mfa_confirmed or not account.mfa_secret_enc:
            raise ConflictError(
                "gateway.mfa.not_pending", "Không có đăng ký TOTP đang chờ (no enrolment pending)"
            )
        secret = self.box.open(account.mfa_secret_enc, context=account.id)
        step = totp.verify(secret, code, now=self.clock(), last_used_step=account.totp_last_step)
        if step is None:
            await self.throttle.record_failure(
                throttle_keys(account.username, client), client, account.username, account
            )
            raise invalid_credentials()
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            if not await repo.claim_totp_step(s, account.id, step):
                raise invalid_credentials()
            await repo.update(s, account.id, mfa_confirmed=True, updated_at=now)
            await self.auditor.record(
                "account.mfa.enrolled",
                account_actor(account.id, account.display_name, account.unit_id, account.role),
                client,
                account_id=account.id,
            )


def require_fresh_password(caller: Caller) -> None:
    """Refuse everything but the password change while a change is due."""
    if caller.password_change_required:
        raise ForbiddenError(
            "gateway.auth.password_change_required",
            "Mật khẩu đã hết hạn hoặc phải đổi; đổi mật khẩu tại POST /api/v1/me/password "
            "(password change required)",
        )
