"""The audit log read by auditors through the gateway: every read is itself recorded first
(fail closed), then answered by the audit service."""

from __future__ import annotations

from typing import Any

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.audit.v1 import query_pb2, verify_pb2
from tncam_gateway.clients.audit import AuditLog, Auditor
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Action, audit_log_listing, enforce, require
from tncam_mesh.clock import Clock

PERSONAL_VIEWS = (query_pb2.LOG_VIEW_PROCESSING, query_pb2.LOG_VIEW_EXTRACTION)


class AuditLogReader:
    """Query, CSV export and verification of the log (auditors)."""

    def __init__(self, *, log: AuditLog, auditor: Auditor, clock: Clock) -> None:
        self.log = log
        self.auditor = auditor
        self.clock = clock

    async def _authorize_and_record(
        self,
        caller: Caller,
        client: ClientInfo,
        action: str,
        after: dict[str, Any],
        log_filter: query_pb2.LogFilter | None = None,
    ) -> None:
        if log_filter is None:
            require(caller.principal, Action.AUDIT_READ, now=self.clock())
        else:
            # The auditor reads everything; a unit leader its unit's processing/extraction logs.
            listing = audit_log_listing(
                caller.principal,
                unit_id=log_filter.unit_id,
                personal_views=log_filter.view in PERSONAL_VIEWS,
                now=self.clock(),
            )
            enforce(listing.decision)
            if listing.unit_id is not None:
                log_filter.unit_id = listing.unit_id
                after = after | {"unit_id": listing.unit_id}
        await self.auditor.record(
            action,
            caller.actor(),
            client,
            categories=(apb.DATA_CATEGORY_AUDIT_LOG,),
            purpose=apb.PURPOSE_CODE_AUDIT_REVIEW,
            other=("audit_log", "tncam"),
            after=after,
        )

    async def query(
        self,
        caller: Caller,
        client: ClientInfo,
        request: query_pb2.QueryLogRequest,
        summary: dict[str, Any],
    ) -> query_pb2.QueryLogReply:
        """One page of the log (``summary``: the filter as recorded with the access)."""
        await self._authorize_and_record(
            caller, client, "audit.log.queried", summary, request.filter
        )
        return await self.log.query(request)

    async def export_csv(
        self,
        caller: Caller,
        client: ClientInfo,
        request: query_pb2.ExportLogCsvRequest,
        summary: dict[str, Any],
    ) -> query_pb2.ExportLogCsvReply:
        """One page of the log as CSV for officials."""
        await self._authorize_and_record(
            caller, client, "audit.log.exported", summary, request.filter
        )
        return await self.log.export_csv(request)

    async def verify(
        self, caller: Caller, client: ClientInfo, *, include_object_store: bool
    ) -> verify_pb2.VerifyReply:
        """A full verification of the log."""
        await self._authorize_and_record(
            caller, client, "audit.log.verified", {"include_object_store": include_object_store}
        )
        return await self.log.verify(
            verify_pb2.VerifyRequest(include_object_store=include_object_store)
        )
