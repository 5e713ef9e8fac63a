"""Account administration by the central operator, and the periodic account review."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from tncam_gateway.clients.registry import KnownUnits, UnitsLookup
from tncam_gateway.db import accounts as repo
from tncam_gateway.domain import totp
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Action, require
from tncam_gateway.domain.roles import Role
from tncam_gateway.service.auth import AuthService
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError

#: Roles that act for one unit. The app client (C-Thái Nguyên backend) reads status province-wide
#: and needs none; given one, its unit's footage follows the usual rules.
UNIT_BOUND_ROLES = frozenset({Role.UNIT_OPERATOR, Role.UNIT_VIEWER})
#: Roles whose accounts may carry the unit-leader flag.
LEADER_ROLES = frozenset({Role.UNIT_OPERATOR, Role.UNIT_VIEWER})


def temporary_password() -> str:
    """A random first/reset password (changed at first login)."""
    return secrets.token_urlsafe(15)


def public_view(a: repo.Account) -> dict[str, Any]:
    """An account as the audit log may see it (no secrets)."""
    return {
        "username": a.username,
        "display_name": a.display_name,
        "role": a.role.value,
        "unit_id": a.unit_id,
        "sector_code": a.sector_code,
        "unit_is_commune": a.unit_is_commune,
        "unit_leader": a.unit_leader,
        "status": a.status,
    }


def _check_scope(role: Role, unit_id: str, sector_code: str, leader: bool = False) -> None:
    _check_leader(role, leader)
    if role in UNIT_BOUND_ROLES and not unit_id:
        raise InvalidInputError(
            "gateway.account.unit_required", f"role {role.value} needs a unit_id (đơn vị)"
        )
    if role is Role.SECTOR_OPERATOR and not sector_code:
        raise InvalidInputError(
            "gateway.account.sector_required", "role sector_operator needs a sector_code"
        )


def _check_leader(role: Role, leader: bool) -> None:
    if leader and role not in LEADER_ROLES:
        raise InvalidInputError(
            "gateway.account.leader_role",
            "Chỉ tài khoản unit_operator hoặc unit_viewer mới là lãnh đạo đơn vị (unit leader)",
        )


def _check_role_kind(old: Role, new: Role) -> None:
    if (new is Role.APP_CLIENT) != (old is Role.APP_CLIENT):
        raise InvalidInputError(
            "gateway.account.role_kind", "Không thể đổi giữa tài khoản người dùng và app_client"
        )


def _unknown(known: KnownUnits, unit_id: str, sector_code: str) -> InvalidInputError | None:
    if unit_id and unit_id not in known.units:
        return InvalidInputError(
            "gateway.account.unknown_unit",
            f"Đơn vị {unit_id!r} không có trong danh mục đơn vị (unknown unit)",
        )
    if sector_code and sector_code not in known.sectors:
        return InvalidInputError(
            "gateway.account.unknown_sector",
            f"Lĩnh vực {sector_code!r} không có trong danh mục lĩnh vực (unknown sector)",
        )
    return None


@dataclass(frozen=True)
class ReviewItem:
    """An account the review lists, and why."""

    account: repo.Account
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AccountFilter:
    """What the administrator asks for when listing accounts."""

    role: Role | None = None
    unit_id: str | None = None
    status: str | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0


class AccountAdmin:
    """Create, change, disable and review accounts (province_admin only)."""

    def __init__(self, auth: AuthService, *, inactive_days: int, units: UnitsLookup) -> None:
        self.auth = auth
        self.inactive_days = inactive_days
        self.units = units

    def _require_admin(self, admin: Caller) -> None:
        require(admin.principal, Action.ACCOUNT_ADMIN, now=self.auth.clock())

    async def _check_known(self, unit_id: str, sector_code: str) -> None:
        """Refuse a unit or sector the registry does not know (422): scopes name real units."""
        if not unit_id and not sector_code:
            return
        if _unknown(await self.units(False), unit_id, sector_code) is None:
            return
        # Not in the cached list: ask again before refusing (a unit added since).
        error = _unknown(await self.units(True), unit_id, sector_code)
        if error is not None:
            raise error

    async def search(self, admin: Caller, f: AccountFilter) -> tuple[list[repo.Account], int]:
        """Accounts matching ``f`` and how many match in all."""
        self._require_admin(admin)
        async with unit_of_work(self.auth.sessions) as s:
            return await repo.search(
                s,
                role=f.role.value if f.role else None,
                unit_id=f.unit_id,
                status=f.status,
                q=f.q,
                limit=f.limit,
                offset=f.offset,
            )

    async def create(
        self,
        admin: Caller,
        client: ClientInfo,
        *,
        username: str,
        display_name: str,
        role: Role,
        unit_id: str = "",
        sector_code: str = "",
        unit_is_commune: bool = False,
        password: str | None = None,
        unit_leader: bool = False,
    ) -> tuple[repo.Account, str]:
        """A new account and its one-time secret (a temporary password or a client secret)."""
        self._require_admin(admin)
        name = username.strip().lower()
        _check_scope(role, unit_id, sector_code, unit_leader)
        await self._check_known(unit_id, sector_code)
        if password is not None and role is not Role.APP_CLIENT:
            self.auth.passwords.check(password, username=name, display_name=display_name)
        secret = password or temporary_password()
        if role is Role.APP_CLIENT:
            secret = secrets.token_urlsafe(32)  # client secrets are always generated
        encoded = await self.auth.hash_password(secret)
        now = self.auth.clock()
        account_id = str(uuid.uuid4())
        try:
            async with unit_of_work(self.auth.sessions) as s:
                await repo.insert(
                    s,
                    id=account_id,
                    username=name,
                    display_name=display_name,
                    role=role.value,
                    unit_id=unit_id,
                    sector_code=sector_code,
                    unit_is_commune=unit_is_commune,
                    unit_leader=unit_leader,
                    password_hash=encoded,
                    password_changed_at=now,
                    # Someone else chose or saw this password: its owner must change it.
                    must_change_password=role is not Role.APP_CLIENT,
                    created_at=now,
                    updated_at=now,
                )
                account = await repo.get(s, account_id)
                assert account is not None
                await self.auth.auditor.record(
                    "account.created",
                    admin.actor(),
                    client,
                    account_id=account_id,
                    after=public_view(account),
                )
        except IntegrityError as e:
            raise ConflictError(
                "gateway.account.exists", f"Tên đăng nhập {name!r} đã tồn tại (username taken)"
            ) from e
        return account, secret

    async def get(self, admin: Caller, account_id: str) -> repo.Account:
        """One account or NotFoundError."""
        self._require_admin(admin)
        return await self._get(account_id)

    async def _get(self, account_id: str) -> repo.Account:
        async with unit_of_work(self.auth.sessions) as s:
            account = await repo.get(s, account_id)
        if account is None:
            raise NotFoundError("gateway.account.not_found", "Không tìm thấy tài khoản")
        return account

    async def update(
        self,
        admin: Caller,
        client: ClientInfo,
        account_id: str,
        *,
        display_name: str | None = None,
        role: Role | None = None,
        unit_id: str | None = None,
        sector_code: str | None = None,
        unit_is_commune: bool | None = None,
        unit_leader: bool | None = None,
    ) -> repo.Account:
        """Change an account; a change of role or scope revokes its tokens and flags a review."""
        self._require_admin(admin)
        await self._check_known(unit_id or "", sector_code or "")
        now = self.auth.clock()
        async with unit_of_work(self.auth.sessions) as s:
            before = await repo.get(s, account_id, lock=True)
            if before is None:
                raise NotFoundError("gateway.account.not_found", "Không tìm thấy tài khoản")
            values: dict[str, Any] = {"updated_at": now}
            if display_name is not None:
                values["display_name"] = display_name
            if unit_is_commune is not None:
                values["unit_is_commune"] = unit_is_commune
            new_role = role or before.role
            new_unit = before.unit_id if unit_id is None else unit_id
            new_sector = before.sector_code if sector_code is None else sector_code
            leader = before.unit_leader if unit_leader is None else unit_leader
            _check_scope(new_role, new_unit, new_sector, values.setdefault("unit_leader", leader))
            scope_changed = (new_role, new_unit, new_sector) != (
                before.role,
                before.unit_id,
                before.sector_code,
            )
            _check_role_kind(before.role, new_role)
            if scope_changed:
                values.update(
                    role=new_role.value,
                    unit_id=new_unit,
                    sector_code=new_sector,
                    scope_changed_at=now,
                    token_version=before.token_version + 1,
                )
                await repo.revoke_sessions_of(s, account_id, now, "scope_changed")
            await repo.update(s, account_id, **values)
            after = await repo.get(s, account_id)
            assert after is not None
            await self.auth.auditor.record(
                "account.updated",
                admin.actor(),
                client,
                account_id=account_id,
                before=public_view(before),
                after=public_view(after),
            )
        self.auth.forget(account_id)
        return after

    async def set_status(
        self, admin: Caller, client: ClientInfo, account_id: str, *, active: bool, reason: str
    ) -> repo.Account:
        """Disable (tokens refused at once, sessions ended) or re-enable an account."""
        self._require_admin(admin)
        if not active and account_id == admin.account_id:
            raise ConflictError("gateway.account.self_disable", "Không thể tự khóa tài khoản")
        now = self.auth.clock()
        async with unit_of_work(self.auth.sessions) as s:
            before = await repo.get(s, account_id, lock=True)
            if before is None:
                raise NotFoundError("gateway.account.not_found", "Không tìm thấy tài khoản")
            if active:
                await repo.update(
                    s,
                    account_id,
                    status="active",
                    disabled_reason="",
                    disabled_at=None,
                    updated_at=now,
                    reviewed_at=now,
                )
            else:
                await repo.update(
                    s,
                    account_id,
                    status="disabled",
                    disabled_reason=reason,
                    disabled_at=now,
                    updated_at=now,
                    reviewed_at=now,
                )
                await repo.bump_token_version(s, account_id, now)
                await repo.revoke_sessions_of(s, account_id, now, "disabled")
            after = await repo.get(s, account_id)
            assert after is not None
            await self.auth.auditor.record(
                "account.enabled" if active else "account.disabled",
                admin.actor(),
                client,
                account_id=account_id,
                before=public_view(before),
                after={**public_view(after), "reason": reason},
            )
        self.auth.forget(account_id)
        return after

    async def reset_password(
        self,
        admin: Caller,
        client: ClientInfo,
        account_id: str,
        *,
        reset_mfa: bool,
        reason: str,
    ) -> str:
        """Admin-forced reset: a temporary password (or a new client secret), sessions ended."""
        self._require_admin(admin)
        account = await self._get(account_id)
        secret = (
            secrets.token_urlsafe(32) if account.role is Role.APP_CLIENT else temporary_password()
        )
        encoded = await self.auth.hash_password(secret)
        now = self.auth.clock()
        async with unit_of_work(self.auth.sessions) as s:
            values: dict[str, Any] = {
                "password_hash": encoded,
                "password_changed_at": now,
                "must_change_password": account.role is not Role.APP_CLIENT,
                "updated_at": now,
            }
            if reset_mfa:
                values.update(mfa_secret_enc=None, mfa_confirmed=False, totp_last_step=None)
            await repo.update(s, account_id, **values)
            await repo.bump_token_version(s, account_id, now)
            await repo.revoke_sessions_of(s, account_id, now, "password_reset")
            await self.auth.auditor.record(
                "account.password.reset",
                admin.actor(),
                client,
                account_id=account_id,
                after={"reset_mfa": reset_mfa, "reason": reason},
            )
        self.auth.forget(account_id)
        return secret

    async def force_password_change(
        self, admin: Caller, client: ClientInfo, account_id: str, *, reason: str
    ) -> None:
        """On evidence of compromise: tokens revoked, next login must change the password."""
        self._require_admin(admin)
        await self._get(account_id)
        now = self.auth.clock()
        async with unit_of_work(self.auth.sessions) as s:
            await repo.update(s, account_id, must_change_password=True, updated_at=now)
            await repo.bump_token_version(s, account_id, now)
            await repo.revoke_sessions_of(s, account_id, now, "forced_password_change")
            await self.auth.auditor.record(
                "account.password.change_forced",
                admin.actor(),
                client,
                account_id=account_id,
                after={"reason": reason},
            )
        self.auth.forget(account_id)

    async def review(self, admin: Caller, *, inactive_days: int | None = None) -> list[ReviewItem]:
        """Accounts to review (Art. 17.1): inactive for N days, or unit/role changed."""
        self._require_admin(admin)
        days = inactive_days or self.inactive_days
        now = self.auth.clock()
        cutoff = now - timedelta(days=days)
        async with unit_of_work(self.auth.sessions) as s:
            found = await repo.review_candidates(s, inactive_before=cutoff)
        items = []
        for a in found:
            reasons = []
            if (a.last_login_at or a.created_at) < cutoff:
                reasons.append(f"inactive_{days}_days")
            if a.scope_changed_at and (a.reviewed_at is None or a.reviewed_at < a.scope_changed_at):
                reasons.append("scope_changed")
            items.append(ReviewItem(a, tuple(reasons)))
        return items

    async def mark_reviewed(self, admin: Caller, client: ClientInfo, account_id: str) -> None:
        """Keep an account after review (it leaves the list until it qualifies again)."""
        self._require_admin(admin)
        await self._get(account_id)
        now = self.auth.clock()
        async with unit_of_work(self.auth.sessions) as s:
            await repo.update(s, account_id, reviewed_at=now, last_login_at=now)
            await self.auth.auditor.record(
                "account.reviewed",
                admin.actor(),
                client,
                account_id=account_id,
                after={"decision": "keep"},
            )


async def bootstrap_admin(
    auth: AuthService, *, username: str, password: str | None, display_name: str
) -> tuple[bool, str | None, str | None]:
    """Create the first province_admin if no account exists.

    Returns (created, password if generated, TOTP secret). The admin's TOTP is enrolled at
    once (MFA is mandatory for province_admin) and the secret shown once to the operator.
    """
    name = username.strip().lower()
    generated = None
    if password is None:
        generated = password = temporary_password() + temporary_password()
    else:
        auth.passwords.check(password, username=name, display_name=display_name)
    async with unit_of_work(auth.sessions) as s:
        if await repo.count(s) > 0:
            return False, None, None
    encoded = await auth.hash_password(password)
    secret = totp.new_secret()
    now = auth.clock()
    account_id = str(uuid.uuid4())
    async with unit_of_work(auth.sessions) as s:
        if await repo.count(s) > 0:
            return False, None, None
        await repo.insert(
            s,
            id=account_id,
            username=name,
            display_name=display_name,
            role=Role.PROVINCE_ADMIN.value,
            password_hash=encoded,
            password_changed_at=now,
            must_change_password=False,
            mfa_secret_enc=auth.box.seal(secret, context=account_id),
            mfa_confirmed=True,
            created_at=now,
            updated_at=now,
        )
    return True, generated, secret
