"""The breach register through the API (R14, Art. 10.4): the central operator records a breach
and the written notices to the provincial police and DOST; the audit service keeps the
register, checks the dates and audits each change under the caller's name."""

from __future__ import annotations

from tncam.audit.v1 import breach_pb2
from tncam_gateway.clients.audit import BreachRegister
from tncam_gateway.domain.caller import Caller
from tncam_gateway.domain.policy import Action, require
from tncam_mesh.clock import Clock

NOT_ALLOWED = "Chỉ đơn vị quản lý hệ thống tập trung ghi sổ sự cố (not allowed)"


class BreachService:
    """Record breaches and notices; list the register with its 72-hour deadlines."""

    def __init__(self, *, register: BreachRegister, clock: Clock) -> None:
        self.register = register
        self.clock = clock

    async def record(
        self, caller: Caller, request: breach_pb2.RecordBreachRequest
    ) -> breach_pb2.Breach:
        """Record a detected breach (province_admin)."""
        require(caller.principal, Action.BREACH_RECORD, now=self.clock(), message=NOT_ALLOWED)
        request.recorded_by.CopyFrom(caller.actor())
        return await self.register.record(request)

    async def notice(
        self, caller: Caller, request: breach_pb2.RecordBreachNoticeRequest
    ) -> breach_pb2.Breach:
        """Record a written notice sent about a breach (province_admin)."""
        require(caller.principal, Action.BREACH_RECORD, now=self.clock(), message=NOT_ALLOWED)
        request.recorded_by.CopyFrom(caller.actor())
        return await self.register.notice(request)

    async def list(
        self, caller: Caller, status: breach_pb2.BreachStatus
    ) -> list[breach_pb2.Breach]:
        """The register (province_admin, auditor)."""
        require(caller.principal, Action.RECORDS_REVIEW, now=self.clock())
        return await self.register.list(status)
