"""Legal holds and decommissionings through the API (R6, Art. 11): authorized here, carried out
by the recorder, which audits each change under the caller's name before it takes effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tncam.recording.v1 import recording_api_pb2 as api
from tncam_gateway.clients.recorder import StorageRecords, ts
from tncam_gateway.clients.registry import ScopeLookup
from tncam_gateway.domain.caller import Caller
from tncam_gateway.domain.policy import Action, require
from tncam_gateway.service.footage import camera_not_found
from tncam_mesh.clock import Clock

NOT_ALLOWED_HOLD = "Chỉ đơn vị quản lý hệ thống tập trung được lưu giữ theo vụ việc (not allowed)"
NOT_ALLOWED_WIPE = "Chỉ đơn vị quản lý hệ thống tập trung được tiêu hủy dữ liệu (not allowed)"


@dataclass(frozen=True)
class HoldPlacement:
    """What a legal hold needs: the case, the authority and its paper, the cameras and range."""

    case_reference: str
    authority: str
    document_number: str
    reason: str
    camera_ids: list[str]
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SignOff:
    """The technical department's minutes (biên bản xác nhận)."""

    signer_name: str
    signer_role: str
    signed_on: str
    note: str


class StorageRecordsService:
    """Place, release and list legal holds; decommission a camera's storage, sign it off."""

    def __init__(self, *, records: StorageRecords, scope_of: ScopeLookup, clock: Clock) -> None:
        self.records = records
        self.scope_of = scope_of
        self.clock = clock

    async def _known(self, camera_ids: list[str]) -> None:
        for camera_id in camera_ids:
            if await self.scope_of(camera_id) is None:
                raise camera_not_found()

    async def place_hold(self, caller: Caller, h: HoldPlacement) -> api.LegalHoldReply:
        """Hold the cameras' footage in the range until the case is closed (province_admin)."""
        require(caller.principal, Action.HOLD_MANAGE, now=self.clock(), message=NOT_ALLOWED_HOLD)
        await self._known(h.camera_ids)
        return await self.records.place_hold(
            api.PlaceLegalHoldRequest(
                case_reference=h.case_reference,
                authority=h.authority,
                document_number=h.document_number,
                reason=h.reason,
                camera_ids=h.camera_ids,
                start=ts(h.start),
                end=ts(h.end),
                actor=caller.actor(),
            )
        )

    async def release_hold(self, caller: Caller, hold_id: str, reason: str) -> api.LegalHoldReply:
        """Release a hold once the authority closed the case (province_admin)."""
        require(caller.principal, Action.HOLD_MANAGE, now=self.clock(), message=NOT_ALLOWED_HOLD)
        return await self.records.release_hold(
            api.ReleaseLegalHoldRequest(hold_id=hold_id, reason=reason, actor=caller.actor())
        )

    async def list_holds(
        self, caller: Caller, request: api.ListLegalHoldsRequest
    ) -> api.ListLegalHoldsReply:
        """Holds for review (province_admin, auditor)."""
        require(caller.principal, Action.RECORDS_REVIEW, now=self.clock())
        return await self.records.list_holds(request)

    async def decommission(
        self, caller: Caller, camera_id: str, reason: str, document_reference: str
    ) -> api.DeletionCertificateReply:
        """Wipe a camera's footage irrecoverably; the recorder signs the certificate."""
        require(
            caller.principal,
            Action.STORAGE_DECOMMISSION,
            now=self.clock(),
            message=NOT_ALLOWED_WIPE,
        )
        await self._known([camera_id])
        return await self.records.decommission(
            api.DecommissionRequest(
                scope=api.DECOMMISSION_SCOPE_CAMERA,
                camera_id=camera_id,
                reason=reason,
                document_reference=document_reference,
                actor=caller.actor(),
            )
        )

    async def sign_off(
        self, caller: Caller, certificate_id: str, s: SignOff
    ) -> api.DecommissionRecord:
        """Record the human sign-off beside the machine certificate (once)."""
        require(
            caller.principal,
            Action.STORAGE_DECOMMISSION,
            now=self.clock(),
            message=NOT_ALLOWED_WIPE,
        )
        return await self.records.sign_off(
            api.SignOffDecommissionRequest(
                certificate_id=certificate_id,
                signer_name=s.signer_name,
                signer_role=s.signer_role,
                signed_on=s.signed_on,
                note=s.note,
                actor=caller.actor(),
            )
        )

    async def list_decommissions(
        self, caller: Caller, request: api.ListDecommissionsRequest
    ) -> api.ListDecommissionsReply:
        """Certificates and sign-offs for review (province_admin, auditor)."""
        require(caller.principal, Action.RECORDS_REVIEW, now=self.clock())
        return await self.records.list_decommissions(request)
