"""Every access to footage: purpose required, authorization, and the audit event acknowledged
before any byte of the answer leaves (fail closed when the audit log is unavailable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.db import grants as grant_repo
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import (
    Action,
    CameraScope,
    Decision,
    Grant,
    decide,
    may_read_camera,
)
from tncam_gateway.domain.purpose import LEGAL_BASIS_PB, PURPOSE_PB, PurposeOfAccess
from tncam_gateway.service.base import CameraUseCase
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ForbiddenError, NotFoundError


def camera_not_found() -> NotFoundError:
    """The 404 for a camera that does not exist or is outside the caller's scope (no hint
    that it exists)."""
    return NotFoundError("gateway.camera.not_found", "Không tìm thấy camera")


@dataclass(frozen=True)
class FootageAccess:
    """An authorized access, ready to be recorded."""

    caller: Caller
    camera: CameraScope
    action: Action
    kind: str
    purpose: PurposeOfAccess
    decision: Decision
    footage: tuple[datetime, datetime] | None


class FootageGuard(CameraUseCase):
    """Authorizes footage requests and records them in the processing log."""

    async def authorize(
        self,
        caller: Caller,
        client: ClientInfo,
        *,
        action: Action,
        kind: str,
        camera_id: str,
        purpose: PurposeOfAccess,
        footage: tuple[datetime, datetime] | None = None,
        grant_id: str | None = None,
    ) -> FootageAccess:
        """Decide; a refusal is audited and raised as ForbiddenError."""
        camera = await self.scope_of(camera_id)
        if camera is None:
            raise camera_not_found()
        now = self.clock()
        # Own unit/sector and quick extraction never look at grants: load them only when the
        # decision without them is a refusal (the second decision is then the answer).
        decision = decide(caller.principal, action, camera, now=now, footage=footage)
        held: list[tuple[str, Grant]] = []
        if not decision.allowed:
            held = await self._grants_on(caller, camera_id, now)
            grants = [g for gid, g in held if not grant_id or gid == grant_id]
            decision = decide(
                caller.principal, action, camera, now=now, grants=grants, footage=footage
            )
        access = FootageAccess(caller, camera, action, kind, purpose, decision, footage)
        if not decision.allowed:
            await self._record(access, client, outcome=apb.OUTCOME_DENIED)
            # A camera the caller may not even read answers as an unknown one does: 404.
            if not may_read_camera(caller.principal, camera, now=now, grants=(g for _, g in held)):
                raise camera_not_found()
            raise ForbiddenError(
                decision.code,
                "Không có quyền truy cập hình ảnh camera này (no access to this camera's footage)",
            )
        return access

    async def _grants_on(
        self, caller: Caller, camera_id: str, now: datetime
    ) -> list[tuple[str, Grant]]:
        async with unit_of_work(self.sessions) as s:
            records = await grant_repo.of_grantee(
                s, caller.account_id, camera_id=camera_id, now=now
            )
        return [(r.id, r.policy_view()) for r in records]

    async def held_grants(self, caller: Caller, camera_id: str) -> list[Grant]:
        """The caller's active grants on a camera (for decisions beyond footage: PTZ)."""
        return [g for _, g in await self._grants_on(caller, camera_id, self.clock())]

    async def may_read(self, caller: Caller, camera: CameraScope) -> bool:
        """Whether the caller may read the camera's record and timeline: its own scope, or a
        grant that lets it see the camera (grants are loaded only when the scope says no)."""
        now = self.clock()
        if may_read_camera(caller.principal, camera, now=now):
            return True
        held = await self._grants_on(caller, camera.camera_id, now)
        return may_read_camera(caller.principal, camera, now=now, grants=(g for _, g in held))

    async def readable(self, caller: Caller, camera_id: str) -> CameraScope:
        """The scope of a camera the caller may read (scope or grant); 404 otherwise."""
        camera = await self.scope_of(camera_id)
        if camera is None or not await self.may_read(caller, camera):
            raise camera_not_found()
        return camera

    async def record(
        self,
        access: FootageAccess,
        client: ClientInfo,
        *,
        verb: str = "accessed",
        legal_basis: apb.LegalBasis | None = None,
        extra: dict[str, str] | None = None,
    ) -> apb.AuditEvent:
        """Record the access; returns once the audit log acknowledged it (else 503)."""
        return await self._record(
            access,
            client,
            outcome=apb.OUTCOME_SUCCESS,
            verb=verb,
            legal_basis=legal_basis,
            extra=extra,
        )

    async def _record(
        self,
        access: FootageAccess,
        client: ClientInfo,
        *,
        outcome: apb.Outcome,
        verb: str | None = None,
        legal_basis: apb.LegalBasis | None = None,
        extra: dict[str, str] | None = None,
    ) -> apb.AuditEvent:
        grant = access.decision.grant
        if verb is None:
            verb = "accessed" if outcome == apb.OUTCOME_SUCCESS else "denied"
        if legal_basis is None:
            legal_basis = LEGAL_BASIS_PB[grant.legal_basis] if grant else apb.LEGAL_BASIS_NONE
        return await self.auditor.record(
            f"footage.{access.kind}.{verb}",
            access.caller.actor(),
            client,
            outcome=outcome,
            error_code="" if access.decision.allowed else access.decision.code,
            cameras=() if access.footage else (access.camera.camera_id,),
            segments=(access.camera.camera_id, *access.footage) if access.footage else None,
            categories=(apb.DATA_CATEGORY_IMAGE,),
            purpose=PURPOSE_PB[access.purpose.code],
            purpose_text=access.purpose.audit_text(),
            legal_basis=legal_basis,
            grant_id=grant.grant_id if grant else "",
            target_units=(access.camera.unit_id,),
            after={
                "camera_id": access.camera.camera_id,
                "owning_unit": access.camera.unit_id,
                "scope": access.decision.code,
                "purpose": access.purpose.code.value,
                **(extra or {}),
            },
        )
