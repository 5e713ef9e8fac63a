"""``/audit``: the processing log, the extraction log, CSV and verification, for auditors,
mapped onto the audit service's operations. Every read is itself recorded (fail closed)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from google.protobuf import json_format
from pydantic import BaseModel, Field, JsonValue

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.audit.v1 import query_pb2, verify_pb2
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.instants import Instant, UtcDatetime
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access, Action
from tncam_gateway.domain.purpose import PURPOSE_PB
from tncam_gateway.domain.roles import Purpose
from tncam_gateway.domain.vocabulary import LogOutcome, LogView

router = APIRouter(prefix="/audit", tags=["audit"])

VIEWS = {
    LogView.ALL: query_pb2.LOG_VIEW_ALL,
    LogView.PROCESSING: query_pb2.LOG_VIEW_PROCESSING,
    LogView.EXTRACTION: query_pb2.LOG_VIEW_EXTRACTION,
}
OUTCOMES = {
    LogOutcome.SUCCESS: apb.OUTCOME_SUCCESS,
    LogOutcome.DENIED: apb.OUTCOME_DENIED,
    LogOutcome.FAILED: apb.OUTCOME_FAILED,
}
VIEW = Annotated[
    LogView,
    Query(description="all; processing = nhật ký xử lý dữ liệu cá nhân; extraction = trích xuất"),
]
#: The kinds of verification findings, as the audit service names them.
FINDING_KINDS: list[JsonValue] = [
    name.removeprefix("PROBLEM_KIND_").lower()
    for name in verify_pb2.ProblemKind.keys()  # noqa: SIM118 - a protobuf enum wrapper
    if name != "PROBLEM_KIND_UNSPECIFIED"
]


class LogQuery:
    """The filter parameters shared by the JSON and CSV views."""

    def __init__(
        self,
        view: VIEW = LogView.PROCESSING,
        actor_id: Annotated[str | None, Query(max_length=64)] = None,
        unit_id: Annotated[str | None, Query(max_length=128)] = None,
        camera_id: Annotated[str | None, Query(max_length=64)] = None,
        action: Annotated[str | None, Query(max_length=128, examples=["footage."])] = None,
        purpose: Purpose | None = None,
        outcome: LogOutcome | None = None,
        source_service: Annotated[str | None, Query(max_length=32)] = None,
        since: Instant | None = None,
        until: Instant | None = None,
        page_token: Annotated[str, Query(max_length=512)] = "",
    ) -> None:
        self.view = view
        self.filter = query_pb2.LogFilter(
            actor_id=actor_id or "",
            unit_id=unit_id or "",
            camera_id=camera_id or "",
            action=action or "",
            purpose_code=PURPOSE_PB[purpose] if purpose else apb.PURPOSE_CODE_UNSPECIFIED,
            outcome=OUTCOMES[outcome] if outcome else apb.OUTCOME_UNSPECIFIED,
            source_service=source_service or "",
            view=VIEWS[view],
        )
        if since:
            self.filter.since.FromDatetime(since)
        if until:
            self.filter.until.FromDatetime(until)
        self.page_token = page_token

    def summary(self) -> dict[str, Any]:
        """The filter as recorded with the auditor's own access."""
        return json_format.MessageToDict(self.filter, preserving_proto_field_name=True)


class LogEntryOut(BaseModel):
    """One entry of the audit log: its sequence number, append time and the event."""

    sequence: int
    appended_at: UtcDatetime
    event: dict[str, Any] = Field(description="tncam.audit.v1.AuditEvent as JSON")


class LogPage(BaseModel):
    """One page of the log."""

    items: list[LogEntryOut]
    next_page_token: str


def _entries(page: query_pb2.QueryLogReply) -> list[LogEntryOut]:
    return [
        LogEntryOut(
            sequence=e.sequence,
            appended_at=e.appended_at.ToDatetime(UTC),
            event=json_format.MessageToDict(e.event, preserving_proto_field_name=True),
        )
        for e in page.entries
    ]


@router.get(
    "/log",
    response_model=LogPage,
    summary="Tra cứu nhật ký (xử lý dữ liệu cá nhân, trích xuất, toàn bộ)",
    responses=responses(401, 403, 422, 503),
    **operation("queryAuditLog", Action.AUDIT_READ, Access.UNIT_LOG_READ),
)
async def query_log(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    q: Annotated[LogQuery, Depends()],
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    newest_first: bool = False,
) -> LogPage:
    """Auditors: who saw which camera when and why (``view=processing``), who extracted
    footage (``view=extraction``), or everything; filters combine."""
    page = await gw.audit_log.query(
        caller,
        client,
        query_pb2.QueryLogRequest(
            filter=q.filter,
            page_size=page_size,
            page_token=q.page_token,
            newest_first=newest_first,
        ),
        q.summary(),
    )
    return LogPage(items=_entries(page), next_page_token=page.next_page_token)


@router.get(
    "/log.csv",
    summary="Xuất nhật ký ra CSV (tiêu đề tiếng Việt, giờ Việt Nam)",
    response_class=Response,
    responses={
        200: {
            "description": "CSV (UTF-8 with BOM); next page token in X-Next-Page-Token",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **responses(401, 403, 422, 503),
    },
    **operation("exportAuditLogCsv", Action.AUDIT_READ, Access.UNIT_LOG_READ),
)
async def export_log_csv(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    q: Annotated[LogQuery, Depends()],
    page_size: Annotated[int, Query(ge=1, le=50000)] = 10000,
) -> Response:
    """The same filters as ``/audit/log`` as a CSV document for officials."""
    reply = await gw.audit_log.export_csv(
        caller,
        client,
        query_pb2.ExportLogCsvRequest(
            filter=q.filter, page_size=page_size, page_token=q.page_token
        ),
        q.summary(),
    )
    return Response(
        content=reply.csv,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="nhat-ky-{q.view}.csv"',
            "X-Next-Page-Token": reply.next_page_token,
            "X-Rows": str(reply.rows),
            "Cache-Control": "no-store",
        },
    )


class ProblemOut(BaseModel):
    """One finding of verification."""

    sequence: int
    kind: str = Field(json_schema_extra={"enum": FINDING_KINDS})
    detail: str


class VerifyOut(BaseModel):
    """The outcome of a full verification of the log."""

    ok: bool
    tree_size: int
    root_hash: str = Field(description="hex")
    first_bad_sequence: int
    problems: list[ProblemOut]
    checkpoints_checked: int
    latest_checkpoint_size: int
    started_at: UtcDatetime | None
    duration_s: float


@router.get(
    "/verify",
    response_model=VerifyOut,
    summary="Kiểm tra tính toàn vẹn của nhật ký (chuỗi băm, cây Merkle, điểm kiểm tra)",
    responses=responses(401, 403, 503),
    **operation("verifyAuditLog", Action.AUDIT_READ),
)
async def verify_log(
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
    include_object_store: bool = False,
) -> VerifyOut:
    """Recompute every leaf, the hash chain and the Merkle tree and check every signed
    checkpoint; ``ok=false`` names the first bad sequence number."""
    r = await gw.audit_log.verify(caller, client, include_object_store=include_object_store)
    return VerifyOut(
        ok=r.ok,
        tree_size=r.tree_size,
        root_hash=r.root_hash.hex(),
        first_bad_sequence=r.first_bad_sequence,
        problems=[
            ProblemOut(
                sequence=p.sequence,
                kind=verify_pb2.ProblemKind.Name(p.kind).removeprefix("PROBLEM_KIND_").lower(),
                detail=p.detail,
            )
            for p in r.problems
        ],
        checkpoints_checked=r.checkpoints_checked,
        latest_checkpoint_size=r.latest_checkpoint_size,
        started_at=r.started_at.ToDatetime(UTC) if r.HasField("started_at") else None,
        duration_s=r.duration_s,
    )
