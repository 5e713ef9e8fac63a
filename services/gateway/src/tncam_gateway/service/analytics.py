"""The analytics gate (R13): off per camera by default; on only by ``province_admin`` with an
approved purpose; every change audited before it commits (docs/adr/0017)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.db import exports as repo
from tncam_gateway.db.exports import AnalyticsRecord
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.local_time import local_date
from tncam_gateway.domain.policy import Action, require
from tncam_gateway.service.base import CameraUseCase
from tncam_gateway.service.cameras import readable_scope
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError


class AnalyticsBasis(StrEnum):
    """What allows analytics on a camera."""

    PUBLIC_ORDER = "public_order"
    TRAFFIC_SAFETY = "traffic_safety"
    APPROVAL_DOCUMENT = "approval_document"


BASIS_PURPOSE = {
    AnalyticsBasis.PUBLIC_ORDER: apb.PURPOSE_CODE_PUBLIC_ORDER,
    AnalyticsBasis.TRAFFIC_SAFETY: apb.PURPOSE_CODE_TRAFFIC_SAFETY,
    AnalyticsBasis.APPROVAL_DOCUMENT: apb.PURPOSE_CODE_OTHER,
}


@dataclass(frozen=True)
class AnalyticsChange:
    """A requested change of the gate."""

    enabled: bool
    basis: AnalyticsBasis | None
    reason: str
    document_number: str = ""
    document_issuer: str = ""
    document_date: date | None = None


def _bad(code: str, message: str) -> InvalidInputError:
    return InvalidInputError(f"gateway.analytics.{code}", message)


def validate(change: AnalyticsChange, today: date) -> None:
    """Raise unless the change is complete: enabling needs an approved basis and a reason."""
    if len(change.reason.strip()) < 5:
        raise _bad("reason_required", "Phải nêu lý do (reason, at least 5 characters)")
    if not change.enabled:
        return
    if change.basis is None:
        raise _bad(
            "basis_required",
            "Bật phân tích cần mục đích được phê duyệt (basis: public_order, traffic_safety, "
            "approval_document)",
        )
    if change.basis is AnalyticsBasis.APPROVAL_DOCUMENT:
        if not (
            change.document_number.strip()
            and change.document_issuer.strip()
            and change.document_date
        ):
            raise _bad(
                "document_required",
                "approval_document cần số văn bản, cơ quan ban hành và ngày",
            )
        if change.document_date > today:
            raise _bad("document_date_future", "Ngày văn bản ở tương lai")


class AnalyticsGate(CameraUseCase):
    """Reads and changes the per-camera analytics gate (kept in the gateway's schema)."""

    async def get(self, caller: Caller, camera_id: str) -> AnalyticsRecord | None:
        """The gate of a camera the caller may read (None: never set, i.e. off)."""
        await readable_scope(self.scope_of, caller, camera_id, self.clock())
        async with unit_of_work(self.sessions) as s:
            return await repo.analytics(s, camera_id)

    async def change(
        self, caller: Caller, client: ClientInfo, camera_id: str, change: AnalyticsChange
    ) -> AnalyticsRecord:
        """Change the gate (province_admin); recorded in the audit log before it commits."""
        require(caller.principal, Action.ANALYTICS_ENABLE, now=self.clock())
        camera = await self.scope_of(camera_id)
        if camera is None:
            raise NotFoundError("gateway.camera.not_found", f"Không tìm thấy camera {camera_id}")
        now: datetime = self.clock()
        validate(change, local_date(now))  # documents are dated in Vietnam's time
        enabled = change.enabled
        basis = change.basis if enabled else None
        doc = basis is AnalyticsBasis.APPROVAL_DOCUMENT
        async with unit_of_work(self.sessions) as s:
            before = await repo.analytics(s, camera_id, lock=True)
            record = await repo.set_analytics(
                s,
                camera_id=camera_id,
                enabled=enabled,
                basis=basis.value if basis else "",
                document_number=change.document_number.strip() if doc else "",
                document_issuer=change.document_issuer.strip() if doc else "",
                document_date=change.document_date if doc else None,
                reason=change.reason.strip()[:1000],
                changed_by=caller.account_id,
                changed_at=now,
            )
            await self.auditor.record(
                "analytics.enabled" if enabled else "analytics.disabled",
                caller.actor(),
                client,
                cameras=(camera_id,),
                categories=(apb.DATA_CATEGORY_CONFIGURATION,),
                purpose=BASIS_PURPOSE[basis] if basis else apb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                purpose_text=change.reason.strip()[:500],
                document=(
                    (
                        record.document_number,
                        record.document_issuer,
                        record.document_date.isoformat() if record.document_date else "",
                    )
                    if doc
                    else None
                ),
                target_units=(camera.unit_id,),
                before={"enabled": before.enabled, "basis": before.basis} if before else None,
                after={"enabled": record.enabled, "basis": record.basis},
            )
        return record
