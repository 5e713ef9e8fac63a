"""The annual report (issue 14 item 4) as the gateway serves it: the facts only the gateway
and the audit service hold (extractions, quick extractions, break-glass uses, breaches notified
within 72 h) gathered per unit and handed to the registry, which composes, scores and renders
the report (docs/adr/0027-annual-report-composed-by-the-registry.md)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import annual_pb2 as apb
from tncam_gateway.clients.audit import AuditLog
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.db import annual as db
from tncam_gateway.domain.annual import BreachFacts, breaches_by_unit
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.local_time import VN_TZ
from tncam_gateway.domain.policy import annual_report_listing, enforce
from tncam_mesh.clock import Clock
from tncam_mesh.errors import TncamError

log = logging.getLogger("tncam.gateway")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """1 January 00:00 to the next 1 January 00:00, Vietnam time."""
    return datetime(year, 1, 1, tzinfo=VN_TZ), datetime(year + 1, 1, 1, tzinfo=VN_TZ)


class AnnualReports:
    """Gathers the outside facts of a year and asks the registry for the report."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        directory: CameraDirectory,
        audit_log: AuditLog,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.directory = directory
        self.audit_log = audit_log
        self.clock = clock

    async def outside_facts(self, year: int) -> tuple[list[apb.UnitOutsideFacts], bool]:
        """Per unit: exports, quick extractions, break-glass grants (this database) and
        breaches (the audit service). False when the breach register could not be read."""
        start, end = year_bounds(year)
        async with self.sessions() as s:
            exported = await db.exports_by_unit(s, start, end)
            glass = await db.break_glass_by_unit(s, start, end)
        complete = True
        try:
            register = await self.audit_log.list_breaches()
            breaches = breaches_by_unit(
                (
                    BreachFacts(
                        detected_at=b.detected_at.ToDatetime(UTC),
                        deadline=b.notice_deadline.ToDatetime(UTC),
                        unit_ids=list(b.unit_ids),
                        notices=[(n.recipient, n.sent_at.ToDatetime(UTC)) for n in b.notices],
                    )
                    for b in register.breaches
                ),
                start,
                end,
            )
        except TncamError as e:
            log.warning("annual report without the breach register: %s", e.code)
            breaches, complete = {}, False
        units = {u for u, _ in exported} | set(glass) | set(breaches)
        facts = [
            apb.UnitOutsideFacts(
                unit_id=u,
                extractions=exported.get((u, "approval"), 0),
                quick_extractions=exported.get((u, "quick"), 0),
                break_glass_uses=glass.get(u, 0),
                breaches=breaches.get(u, (0, 0))[0],
                breaches_notified_in_time=breaches.get(u, (0, 0))[1],
            )
            for u in sorted(units)
            if u
        ]
        return facts, complete

    async def report(
        self,
        caller: Caller,
        client: ClientInfo,
        *,
        year: int,
        report_format: apb.AnnualReportFormat,
        unit_id: str = "",
    ) -> apb.GetAnnualReportReply:
        """The report: every unit for province_admin and the app backend, a unit's own row
        for its operators and viewers (the registry re-checks the actor)."""
        listing = annual_report_listing(caller.principal)
        enforce(listing.decision, "Không có quyền xem báo cáo năm")
        return await self.build(
            caller.actor(),
            year=year,
            report_format=report_format,
            unit_id=listing.unit_id or unit_id,
            request_id=client.request_id,
        )

    async def build(
        self,
        actor: actor_pb2.Actor,
        *,
        year: int,
        report_format: apb.AnnualReportFormat,
        unit_id: str = "",
        request_id: str = "",
    ) -> apb.GetAnnualReportReply:
        """Gather the outside facts and have the registry compose the report for ``actor``
        (also the ``tncam annual-report`` command's path)."""
        facts, complete = await self.outside_facts(year)
        return await self.directory.annual_report(
            apb.GetAnnualReportRequest(
                actor=actor,
                year=year,
                format=report_format,
                unit_id=unit_id,
                outside=facts,
                outside_included=complete,
                request_id=request_id,
            )
        )
