"""The audit service as the gateway uses it: builds its audit events and records them, failing
closed (``gateway.audit.unavailable`` when the log does not acknowledge)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.audit.v1 import breach_pb2, query_pb2, verify_pb2
from tncam.common.v1 import actor_pb2
from tncam_contracts.catalog import (
    AUDIT_EXPORT_LOG_CSV,
    AUDIT_LIST_BREACHES,
    AUDIT_QUERY_LOG,
    AUDIT_VERIFY,
)
from tncam_gateway.clients.rpc import RpcClient
from tncam_gateway.domain.caller import ClientInfo
from tncam_mesh.audit import new_event
from tncam_mesh.clock import Clock
from tncam_mesh.errors import UnavailableError

#: A CSV export of the log is built over many entries: it may take longer than one RPC.
CSV_TIMEOUT_S = 30.0
#: A full verification recomputes the whole log.
VERIFY_TIMEOUT_S = 120.0


class AuditLog(RpcClient):
    """Client of the audit service's read operations (query, CSV export, verification)."""

    async def query(self, request: query_pb2.QueryLogRequest) -> query_pb2.QueryLogReply:
        """One page of the log."""
        return await self._call(AUDIT_QUERY_LOG, request, query_pb2.QueryLogReply)

    async def export_csv(
        self, request: query_pb2.ExportLogCsvRequest
    ) -> query_pb2.ExportLogCsvReply:
        """One page of the log as CSV."""
        return await self._call(
            AUDIT_EXPORT_LOG_CSV,
            request,
            query_pb2.ExportLogCsvReply,
            timeout=max(self._timeout, CSV_TIMEOUT_S),
        )

    async def list_breaches(self) -> breach_pb2.ListBreachesReply:
        """The breach register (every breach, newest detection first)."""
        return await self._call(
            AUDIT_LIST_BREACHES, breach_pb2.ListBreachesRequest(), breach_pb2.ListBreachesReply
        )

    async def verify(self, request: verify_pb2.VerifyRequest) -> verify_pb2.VerifyReply:
        """A full verification of the log."""
        return await self._call(
            AUDIT_VERIFY, request, verify_pb2.VerifyReply, timeout=VERIFY_TIMEOUT_S
        )


class AuditSink(Protocol):
    """Where audit events go (``tncam_mesh.audit.AuditClient``)."""

    async def record(self, event: apb.AuditEvent, *, timeout: float = 5.0) -> Any: ...


class Auditor:
    """Builds the gateway's audit events and records them, failing closed."""

    def __init__(self, sink: AuditSink, clock: Clock) -> None:
        self._sink = sink
        self._clock = clock

    async def record(
        self,
        action: str,
        actor: actor_pb2.Actor,
        client: ClientInfo,
        *,
        outcome: apb.Outcome = apb.OUTCOME_SUCCESS,
        error_code: str = "",
        account_id: str = "",
        other: tuple[str, str] | None = None,
        cameras: Iterable[str] = (),
        segments: tuple[str, datetime, datetime] | None = None,
        categories: Iterable[apb.DataCategory] = (apb.DATA_CATEGORY_ACCOUNT,),
        purpose: apb.PurposeCode = apb.PURPOSE_CODE_NOT_APPLICABLE,
        purpose_text: str = "",
        legal_basis: apb.LegalBasis = apb.LEGAL_BASIS_UNSPECIFIED,
        grant_id: str = "",
        document: tuple[str, str, str] | None = None,
        ticket_id: str = "",
        target_units: Iterable[str] = (),
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> apb.AuditEvent:
        """Record one event; ``UnavailableError(gateway.audit.unavailable)`` if not accepted."""
        event = new_event(
            action=action,
            actor=actor,
            source_service="gateway",
            outcome=outcome,
            cameras=cameras,
            data_categories=categories,
            purpose_code=purpose,
            purpose_text=purpose_text,
            before=before,
            after=after,
            request_id=client.request_id,
            now=self._clock(),
        )
        event.client_address = client.address
        event.user_agent = client.user_agent[:256]
        event.error_code = error_code
        event.legal_basis = legal_basis
        event.grant_id = grant_id
        event.ticket_id = ticket_id
        event.target_unit_ids.extend(u for u in target_units if u)
        if document:
            event.document_number, event.document_issuer, event.document_date = document
        _set_target(event, account_id, other, segments)
        try:
            await self._sink.record(event)
        except UnavailableError as e:
            raise UnavailableError(
                "gateway.audit.unavailable",
                "Nhật ký kiểm toán không sẵn sàng, yêu cầu bị từ chối "
                "(the audit log is unavailable; the request was refused)",
            ) from e
        return event


def _set_target(
    event: apb.AuditEvent,
    account_id: str,
    other: tuple[str, str] | None,
    segments: tuple[str, datetime, datetime] | None,
) -> None:
    """What the event is about: an account, another object, or a camera's footage range."""
    if account_id:
        event.target.account_id = account_id
    elif other:
        event.target.other.kind, event.target.other.id = other
    elif segments:
        cam, start, end = segments
        event.target.segments.camera_id = cam
        event.target.segments.start.FromDatetime(start)
        event.target.segments.end.FromDatetime(end)
